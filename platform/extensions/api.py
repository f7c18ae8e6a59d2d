"""Everything a plugin author needs, in one import.

    from extensions.api import hookimpl, PluginInfo, PluginAction, ActionSpec, ParamSpec, ParamKind

See docs/plugins.md for a worked example.
"""
from definitions.actions import ActionSpec, ParamKind, ParamSpec
from definitions.errors import Problem

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
from .projects import local_date, project_zone
from .rulesets import Rules, rules_for, rules_in_force
from .values import decimal_of, decimal_text, fen, int_of, money_text

__all__ = [
    "ActionSpec", "CustomerEvent", "CustomerFact", "InvalidArgument", "ParamKind", "ParamSpec", "PluginAction",
    "PluginError", "PluginInfo",
    "Problem", "RuleProblem", "Rules", "RulesMissing", "Write", "WriteKind", "decimal_of", "decimal_text",
    "duplicate_codes", "fen", "hookimpl", "int_of", "local_date", "money_text", "project_zone", "rule_problem",
    "rules_for", "rules_in_force",
]
