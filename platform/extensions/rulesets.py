"""Reading and publishing a project's rules: what plugin actions and admins call.

Rules have effective dates: each published revision is in force from its `valid_from`
(publication by default, or a later moment: scheduled), and `rules_for(..., at=)` reads
the revision in force at a moment. What a deal was frozen at is `extensions.deal_rules`.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from kernel.models import Project

from .errors import InvalidRules, RulesMissing, RulesNotYetInForce, ValidFromInPast
from .models import RuleRevision, RuleSet


@dataclass(frozen=True)
class Rules:
    project_id: int
    plugin: str
    revision: int
    config: Mapping
    valid_from: datetime | None = None  # when this revision took (or takes) effect
    revision_id: int | None = None      # the RuleRevision row, for freezing it on a deal


def code_lists(project_id: int, names: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """(code, title) of each code list named `<plugin>.<list>` in the project's rules, in one query.

    For the `x-codes` fields of the entity schemas: the discounts one may ask for, the
    agency channels. A list whose plugin has no rules in the project is empty.
    """
    from . import registry

    wanted = {name: name.partition(".")[0] for name in names}
    configs = configs_in_force(project_id, set(wanted.values()))
    return {name: registry.code_list(name, configs.get(plugin)) for name, plugin in wanted.items()}


def configs_in_force(project_id: int, plugins: Iterable[str], at: datetime | None = None) -> dict[str, Mapping]:
    """Each named plugin's configuration in force at `at` (default now), in one query; absent when none is."""
    at = at or timezone.now()
    by_plugin: dict[str, list[RuleRevision]] = {}
    for row in RuleRevision.objects.filter(project_id=project_id, plugin__in=set(plugins)):
        by_plugin.setdefault(row.plugin, []).append(row)
    found = {plugin: _in_force(rows, at) for plugin, rows in by_plugin.items()}
    return {plugin: row.config for plugin, row in found.items() if row is not None}


def rules_for(project_id: int, plugin: str, at: datetime | None = None) -> Rules:
    """The project's rules for `plugin` in force at `at` (default now).

    `RulesMissing` names the command that sets them; `RulesNotYetInForce` says from when
    the only rules there are take effect. There are no silent defaults: a price or a
    commission computed from example rules nobody chose would be worse than a refusal
    that says what to do. Before a project's first revision that revision counts (there
    were no others), unless it was scheduled.
    """
    at = at or timezone.now()
    rows = RuleRevision.objects.filter(project_id=project_id, plugin=plugin)
    found = rows.filter(valid_from__lte=at).order_by("-valid_from", "-revision").first()
    if found is None:
        first = rows.order_by("valid_from", "revision").first()
        code = Project.objects.filter(pk=project_id).values_list("code", flat=True).first() or project_id
        if first is None:
            raise RulesMissing(project=code, plugin=plugin)
        if first.scheduled:
            raise RulesNotYetInForce(project=code, plugin=plugin, valid_from=_local(project_id, first.valid_from))
        found = first
    return _rules(found)


def rules_of_revision(project_id: int, plugin: str, revision: int) -> Rules:
    """One revision's rules, in force or not: what a deal frozen at it reads."""
    return _rules(RuleRevision.objects.get(project_id=project_id, plugin=plugin, revision=revision))


def timeline(project_id: int, plugin: str) -> list[RuleRevision]:
    """Every revision, oldest first, for `rules show` and the rules page."""
    return list(RuleRevision.objects.filter(project_id=project_id, plugin=plugin)
                .select_related("published_by").order_by("revision"))


def in_force_revision(project_id: int, plugin: str, at: datetime | None = None) -> RuleRevision | None:
    rows = list(RuleRevision.objects.filter(project_id=project_id, plugin=plugin))
    return _in_force(rows, at or timezone.now())


def rules_in_force(project_ids: Iterable[int], plugin: str, at: datetime | None = None) -> dict[int, Rules]:
    """The rules for `plugin` in force at `at` (default now) per project, in one query; no entry without any.

    For pages listing several projects (a customer's page): what `rules_for` gives one project,
    without its refusals, since a page shows nothing rather than refusing.
    """
    by_project: dict[int, list[RuleRevision]] = {}
    for row in RuleRevision.objects.filter(project_id__in=list(project_ids), plugin=plugin):
        by_project.setdefault(row.project_id, []).append(row)
    moment = at or timezone.now()
    return {project_id: _rules(found) for project_id, rows in by_project.items()
            if (found := _in_force(rows, moment)) is not None}


def _in_force(rows: list[RuleRevision], at: datetime) -> RuleRevision | None:
    """The latest `valid_from` at or before `at` (ties: the later revision); before all, an unscheduled first."""
    due = [row for row in rows if row.valid_from <= at]
    if due:
        return max(due, key=lambda row: (row.valid_from, row.revision))
    first = min(rows, key=lambda row: (row.valid_from, row.revision), default=None)
    return first if first is not None and not first.scheduled else None


def _rules(row: RuleRevision) -> Rules:
    # just decoded from the row: nobody else holds the config
    return Rules(row.project_id, row.plugin, row.revision, row.config, row.valid_from, row.pk)


def _local(project_id: int, moment: datetime) -> str:
    """A moment as the project's people read it, with its zone named (`2026-12-10 00:00 Asia/Shanghai`)."""
    from .projects import project_zone

    zone = project_zone(project_id)
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}"


@transaction.atomic
def publish_rules(project: Project, plugin: str, config: object, *, user=None, validated: bool = False,
                  valid_from: datetime | None = None) -> RuleSet:
    """Validate and store the project's rules for `plugin` as a new revision (`InvalidRules` otherwise).

    `valid_from` (timezone-aware) schedules the revision: it is in force from then, and
    the revision before it until then; None means from now. A moment in the past is
    refused (`ValidFromInPast`): deals made since then were made under the rules then in
    force, and the past is not rewritten; `apply_to_open` is the explicit way to give
    newer rules to open deals.

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
    if valid_from is not None:
        if timezone.is_naive(valid_from):
            raise ValueError("valid_from must be timezone-aware")
        if valid_from < timezone.now():
            raise ValidFromInPast(valid_from=_local(project.pk, valid_from))
    config = copy.deepcopy(dict(config))
    rule_set = RuleSet.objects.select_for_update().filter(project=project, plugin=plugin).first()
    if rule_set is None:
        rule_set = RuleSet(project=project, plugin=plugin, config=config, updated_by=user)
        if not validated:
            rule_set.clean()
        try:
            with transaction.atomic():
                rule_set.save(validate=False, valid_from=valid_from)
            return rule_set
        except IntegrityError:  # another first publication won the insert: ours becomes the next revision
            rule_set, validated = RuleSet.objects.select_for_update().get(project=project, plugin=plugin), True
    rule_set.config, rule_set.updated_by = config, user
    rule_set.save(validate=not validated, valid_from=valid_from)
    return rule_set
