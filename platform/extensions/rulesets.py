"""Reading and publishing a project's rules: what plugin actions and admins call."""
from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from kernel.models import Project

from .errors import InvalidRules, RulesMissing
from .models import RuleSet


@dataclass(frozen=True)
class Rules:
    project_id: int
    plugin: str
    revision: int
    config: Mapping


def code_lists(project_id: int, names: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """(code, title) of each code list named `<plugin>.<list>` in the project's rules, in one query.

    For the `x-codes` fields of the entity schemas: the discounts one may ask for, the
    agency channels. A list whose plugin has no rules in the project is empty.
    """
    from . import registry

    wanted = {name: name.partition(".")[0] for name in names}
    configs = dict(RuleSet.objects.filter(project_id=project_id, plugin__in=set(wanted.values()))
                   .values_list("plugin", "config"))
    return {name: registry.code_list(name, configs.get(plugin)) for name, plugin in wanted.items()}


def rules_for(project_id: int, plugin: str) -> Rules:
    """The project's current rules for `plugin`, or `RulesMissing` naming the command that sets them.

    There are no silent defaults: a price or a commission computed from example rules
    nobody chose would be worse than a refusal that says what to do.
    """
    found = RuleSet.objects.filter(project_id=project_id, plugin=plugin).only("revision", "config").first()
    if found is None:
        code = Project.objects.filter(pk=project_id).values_list("code", flat=True).first() or project_id
        raise RulesMissing(project=code, plugin=plugin)
    return Rules(project_id, plugin, found.revision, found.config)  # just decoded: nobody else holds it


@transaction.atomic
def publish_rules(project: Project, plugin: str, config: Mapping, *, user=None, validated: bool = False) -> RuleSet:
    """Validate and store the project's rules for `plugin` as a new revision (`InvalidRules` otherwise).

    The row is locked, so two admins publishing at once get consecutive revisions; when
    both publish the project's first rules, the one whose insert loses to the unique
    constraint publishes on top of the winner's row instead.
    `validated=True` skips the check for a caller that has just made it on this very
    configuration (the admin's form does, through `RuleSet.clean`).
    A configuration that is not a mapping (a rules file or page whose top level is a list
    or a text) is refused by the same validation, by path, before anything is copied.
    """
    if not isinstance(config, Mapping):
        from .declarations import rule_problem
        from .registry import validate_rules

        raise InvalidRules(plugin, validate_rules(plugin, config) or [
            rule_problem((), "the rules must be a mapping of keys to values", "规则必须是键值映射")])
    config = copy.deepcopy(dict(config))
    rule_set = RuleSet.objects.select_for_update().filter(project=project, plugin=plugin).first()
    if rule_set is None:
        rule_set = RuleSet(project=project, plugin=plugin, config=config, updated_by=user)
        if not validated:
            rule_set.clean()
        try:
            with transaction.atomic():
                rule_set.save(validate=False)
            return rule_set
        except IntegrityError:  # another first publication won the insert: ours becomes the next revision
            rule_set, validated = RuleSet.objects.select_for_update().get(project=project, plugin=plugin), True
    rule_set.config, rule_set.updated_by = config, user
    rule_set.save(validate=not validated)
    return rule_set
