"""Everything a plugin author needs, in one import.

    from extensions.api import hookimpl, PluginInfo, PluginAction, ActionSpec, ParamSpec, ParamKind

See docs/plugins.md for a worked example. A plugin imports nothing else of the platform (an
import-linter contract checks it): what it needs of the kernel (the project, unit and customer
models, money, row locks, collections, the admin's read-only base) is named here, so the kernel
can change behind this list.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from definitions.actions import ActionSpec, ParamKind, ParamSpec
from definitions.errors import Problem
from kernel.errors import CustomerNotFound, MergePointsConflict, UnitNotFound
from kernel.locking import locked_row
from kernel.models import Customer, Project, Unit
from kernel.money import MONEY_COLUMN, to_money
from kernel.payments import net_collections
from kernel.schemas import cached_schema

from . import deal_rules
from .declarations import (
    CustomerEvent,
    CustomerFact,
    PluginAction,
    PluginInfo,
    RuleProblem,
    Write,
    WriteKind,
    duplicate_codes,
    rule_problem,
)
from .errors import InvalidArgument, PluginError, RulesMissing
from .hookspecs import hookimpl
from .models import RuleRevision
from .projects import local_date, project_zone
from .rulesets import Rules, rules_for, rules_in_force, rules_of_revision
from .values import decimal_of, decimal_text, fen, int_of, money_text

__all__ = [
    "ActionSpec", "CustomerEvent", "CustomerFact", "InvalidArgument", "ParamKind", "ParamSpec", "PluginAction",
    "PluginError", "PluginInfo",
    "Problem", "RuleProblem", "Rules", "RulesMissing", "Write", "WriteKind", "decimal_of", "decimal_text",
    "duplicate_codes", "fen", "hookimpl", "int_of", "local_date", "money_text", "project_zone", "rule_problem",
    "rules_for", "rules_in_force",
    # the host's services
    "MONEY_COLUMN", "Customer", "CustomerNotFound", "MergePointsConflict", "Project", "ReadOnlyAdmin", "RuleRevision",
    "Unit", "UnitNotFound", "cached_schema", "deal_rules", "locked_row", "net_collections", "rules_of_revision",
    "to_money",
]

if TYPE_CHECKING:
    from kernel.admin import ReadOnlyAdmin


def __getattr__(name: str) -> Any:
    # The admin's base class on first use: kernel.admin registers the kernel's pages when imported,
    # which a plugin's models (importing this module while models load) must not set off.
    if name == "ReadOnlyAdmin":
        from kernel.admin import ReadOnlyAdmin

        return ReadOnlyAdmin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
