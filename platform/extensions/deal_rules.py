"""Rules frozen per deal: the revision in force at the deal's decisive moment, used for it afterwards.

A plugin freezes its rules on a deal at the moment its terms are agreed (the contract's
signing for area settlement and commission); every later step of that deal (the
settlement months later, a re-run after a rejection, a clawback) reads the frozen
revision, so publishing new rules never reprices a deal already made. A change reaches
open deals only when an admin applies it explicitly (`apply_to_open`), after listing
them (`open_deals`); plugins that keep figures derived from the rules hear of it through
`signals.deal_rules_changed` and work them out again.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import DealRules, RuleRevision
from .rulesets import Rules, _rules, in_force_revision, rules_for
from .signals import deal_rules_changed


@dataclass(frozen=True)
class OpenDeal:
    """An open deal frozen at a revision other than the one in force: what `apply_to_open` would change."""

    binding_id: int
    record_id: int
    reference: str
    revision: int
    decided_at: datetime


def frozen(project_id: int, plugin: str, lineage: Iterable[int]) -> Rules | None:
    """The rules frozen on the nearest record of `lineage` (the acting record first), or None."""
    lineage = list(dict.fromkeys(lineage))
    rows = {row.record_id: row for row in DealRules.objects.filter(project_id=project_id, plugin=plugin,
                                                                   record_id__in=lineage)
            .select_related("rule_revision")}
    found = next((rows[r] for r in lineage if r in rows), None)
    return None if found is None else _rules(found.rule_revision)


def freeze(project_id: int, plugin: str, *, record_id: int, reference: str, at: datetime,
           lineage: Sequence[int] = ()) -> Rules:
    """The deal's rules: those frozen on a record of its lineage, else those in force at `at`, frozen now.

    `record_id` is the record of the decisive moment (the contract being signed); `at` is
    that moment. Freezing again (a retried transition) changes nothing. `RulesMissing`
    when the project has no rules in force then.
    """
    already = frozen(project_id, plugin, (record_id, *lineage))
    if already is not None:
        return already
    rules = rules_for(project_id, plugin, at)
    if rules.revision_id is None:  # rules_for reads them from their revision row, whose id it keeps
        raise ValueError(f"{plugin} rules of project {project_id} without their revision: nothing to freeze")
    try:
        with transaction.atomic():
            DealRules.objects.create(project_id=project_id, plugin=plugin, record_id=record_id, reference=reference,
                                     rule_revision_id=rules.revision_id, decided_at=at)
    except IntegrityError:  # the same record froze them a moment ago, in another transaction: those count
        return frozen(project_id, plugin, (record_id,)) or rules  # (that row is there: the conflict was on it)
    return rules


def close(project_id: int, plugin: str, lineage: Iterable[int], at: datetime) -> None:
    """The nearest frozen rules of `lineage` were applied for good: `apply_to_open` leaves the deal alone."""
    lineage = list(dict.fromkeys(lineage))
    rows = {row.record_id: row for row in DealRules.objects.filter(project_id=project_id, plugin=plugin,
                                                                   record_id__in=lineage, closed_at__isnull=True)}
    found = next((rows[r] for r in lineage if r in rows), None)
    if found is not None:
        found.closed_at = at
        found.save(update_fields=["closed_at"])


def open_deals(project_id: int, plugin: str, at: datetime | None = None) -> tuple[RuleRevision | None, list[OpenDeal]]:
    """The revision in force at `at` (default now) and the open deals frozen at another one, oldest first."""
    target = in_force_revision(project_id, plugin, at)
    if target is None:
        return None, []
    rows = (DealRules.objects.filter(project_id=project_id, plugin=plugin, closed_at__isnull=True)
            .exclude(rule_revision=target).select_related("rule_revision").order_by("decided_at", "id"))
    return target, [OpenDeal(row.pk, row.record_id, row.reference, row.rule_revision.revision, row.decided_at)
                    for row in rows]


@transaction.atomic
def apply_to_open(project_id: int, plugin: str, listed: Sequence[OpenDeal], revision: int, *, user=None,
                  now: datetime | None = None) -> list[OpenDeal]:
    """Give the revision in force now to the listed open deals; return those changed.

    Only what the admin was shown changes: a listed deal closed meanwhile, or the
    revision in force no longer being `revision` (another was published or took effect
    after the list was made), changes nothing for it (`StaleList` for the latter). The
    history of each binding keeps who applied it and when; plugins rework their figures
    in the same transaction (`deal_rules_changed`).
    """
    now = now or timezone.now()
    target = in_force_revision(project_id, plugin, now)
    if target is None or target.revision != revision:
        raise StaleList(revision, None if target is None else target.revision)
    rows = list(DealRules.objects.select_for_update().filter(
        project_id=project_id, plugin=plugin, pk__in=[d.binding_id for d in listed], closed_at__isnull=True)
        .exclude(rule_revision=target).select_related("rule_revision").order_by("id"))
    changed = []
    for row in rows:
        changed.append(OpenDeal(row.pk, row.record_id, row.reference, row.rule_revision.revision, row.decided_at))
        row.rule_revision = target
        row._history_user = user  # type: ignore[attr-defined]  # simple_history (untyped) reads who applied it
        row.save(update_fields=["rule_revision"])
    if changed:
        deal_rules_changed.send(sender=DealRules, project_id=project_id, plugin=plugin,
                                record_ids=[d.record_id for d in changed], revision=target.revision, now=now)
    return changed


class StaleList(Exception):
    """The revision in force changed between listing the open deals and applying it."""

    def __init__(self, listed: int, now: int | None):
        self.listed, self.now = listed, now
        super().__init__(f"the open deals were listed for revision {listed}, but {now} is in force now")
