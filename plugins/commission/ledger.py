"""Commission ledger services: accrue on signing, release when payable, claw back on cancellation, pay.

Every service locks the deal's row (`SELECT … FOR UPDATE`), so two transitions of one
deal never interleave. Re-working a consultant's month locks that month's row, so two
deals signed at the same moment both end up in each other's tier, and then every deal
of the month, so an adjustment is written against what the deal is now (a deal
released a moment ago gets a payable adjustment, not an accrued one left behind).

Locks are always taken in one order, the consultant's month before its deals (by id),
so a cancellation and a signing in the same month queue instead of deadlocking. A deal
is found through the acting record's lineage, so the mortgage record under a contract
can release the contract's commission once the bank loan is paid out.

Rules are frozen per deal at its signing (`extensions.deal_rules`): the revision in
force then is the deal's `rules_revision`, and its release, clawback and every later
re-tiering read that revision, never what was published since. A month of deals under
different revisions is re-tiered deal by deal, each under its own revision's tiers
(docs/plugins.md, "Tier recalculation").
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from extensions.api import (
    RuleRevision,
    deal_rules,
    decimal_text,
    fen,
    local_date,
    locked_row,
    net_collections,
    rules_for,
    rules_of_revision,
)

from .errors import ClawbackOutstanding, DealCancelled, UnknownChannel
from .lifecycle import EntryLifecycle
from .models import BeneficiaryKind, CommissionDeal, CommissionEntry, ConsultantMonth, DealKind, EntryStatus
from .rules import CommissionRules, parse
from .tiers import TierMode, channel_commission, deal_rate, is_payable

ZERO = Decimal("0.00")
_MODE_WORDS = {TierMode.WHOLE_BRACKET: "whole bracket", TierMode.PROGRESSIVE: "progressive"}


def rules(project_id: int, at: datetime | None = None) -> CommissionRules:
    """The rules in force at `at` (default now)."""
    found = rules_for(project_id, "commission", at)
    return parse(found.config, found.revision)


def revision_rules(project_id: int, revision: int) -> CommissionRules:
    """The rules of one revision: what a deal frozen at it is worked out under.

    A deal whose revision has no row (saved before revisions were kept with their dates
    and missing from the history) is worked out under the rules in force now.
    """
    try:
        found = rules_of_revision(project_id, "commission", revision)
    except RuleRevision.DoesNotExist:
        return rules(project_id)
    return parse(found.config, found.revision)


def _frozen(project_id: int, record_id: int, reference: str, now: datetime) -> CommissionRules:
    """Freeze on the signing record the revision in force now (only the record itself: a trade-in's contract
    descends from a resale whose commission rules are not its own)."""
    found = deal_rules.freeze(project_id, "commission", record_id=record_id, reference=reference, at=now)
    return parse(found.config, found.revision)


@transaction.atomic
def accrue(*, project_id: int, record_id: int, reference: str, lineage: Sequence[int], contract_amount: Decimal,
           consultant_id: int | None, channel: str | None, referrer: str | None, now: datetime) -> CommissionDeal:
    """Earn commission on a signed deal: channel rate, consultant tier, referral bonus.

    Accruing again for a deal (a retried transition, or a later record of the same deal)
    changes nothing and returns the deal already accrued. The rules are those in force
    at `now`, the signing, frozen on the deal.
    """
    existing = find_deal(project_id, (record_id, *lineage), lock=True)
    if existing is not None:
        if existing.cancelled_at is not None:
            raise DealCancelled(reference=existing.reference)
        return existing
    r = _frozen(project_id, record_id, reference, now)
    if channel and channel not in r.channels:
        raise UnknownChannel(channel=channel, known=", ".join(r.channels) or "-")
    deal = CommissionDeal.objects.create(
        project_id=project_id, record_id=record_id, reference=reference, record_ids=sorted({record_id, *lineage}),
        contract_amount=contract_amount, consultant_id=consultant_id, channel=channel or "",
        referrer=referrer or "", signed_at=now, month=local_date(project_id, now).replace(day=1),
        rules_revision=r.revision)
    if channel:
        rate = r.channels[channel].rate
        _entry(deal, BeneficiaryKind.CHANNEL, channel, channel_commission(contract_amount, rate), now,
               base=contract_amount, rate=rate, note=f"channel {r.channels[channel].title} {decimal_text(rate)}")
    if referrer:
        _entry(deal, BeneficiaryKind.REFERRER, referrer, r.referral_bonus, now, note="referral bonus")
    if consultant_id is not None:
        retier_month(project_id, consultant_id, deal.month, now)
    return deal


@transaction.atomic
def accrue_resale(*, project_id: int, record_id: int, reference: str, sale_price: Decimal, consultant_id: int | None,
                  now: datetime) -> CommissionDeal | None:
    """Earn the resale rate of the agreed price for the consultant who handled it, payable at once.

    Called when the title is transferred (the resale closes): the agency's work is done, and
    the resale's money is the seller's and the buyer's, never in the project's ledger, so
    no filing or collected share can be waited for. A resale deal does not count in the
    consultant's monthly tiers (those are new-home sales). Nothing when the rules have no
    `resale` section or the record names no consultant; again for the same record, nothing new.
    """
    r = rules(project_id, now)
    if r.resale_rate is None or consultant_id is None:
        return None
    existing = find_deal(project_id, (record_id,), lock=True, kind=DealKind.RESALE)
    if existing is not None:
        if existing.cancelled_at is not None:
            raise DealCancelled(reference=existing.reference)
        return existing
    r = _frozen(project_id, record_id, reference, now)
    rate = r.resale_rate
    if rate is None:  # the revision in force (read above) had a rate; frozen now, it is that one
        return None
    deal_rules.close(project_id, "commission", (record_id,), now)  # payable at once: nothing left open
    deal = CommissionDeal.objects.create(
        project_id=project_id, kind=DealKind.RESALE, record_id=record_id, reference=reference,
        record_ids=[record_id], contract_amount=sale_price, consultant_id=consultant_id,
        signed_at=now, month=local_date(project_id, now).replace(day=1), rules_revision=r.revision, released_at=now)
    _entry(deal, BeneficiaryKind.CONSULTANT, str(consultant_id), channel_commission(sale_price, rate), now,
           base=sale_price, rate=rate, note=f"resale {decimal_text(rate)}")
    return deal


@transaction.atomic
def release(*, project_id: int, lineage: Sequence[int], filed: bool, now: datetime) -> CommissionDeal | None:
    """Note the filing if it happened, and make the deal's commission payable once its conditions hold.

    Nothing to do for a record with no deal in its lineage, or a cancelled deal.
    """
    deal = find_deal(project_id, lineage, lock=True)
    if deal is None or deal.cancelled_at is not None:
        return None
    changed = []  # written only when something did: the hourly sweep calls this for every unreleased deal
    record_ids = sorted(set(deal.record_ids) | set(lineage))
    if record_ids != deal.record_ids:
        deal.record_ids = record_ids
        changed.append("record_ids")
    if filed and deal.filed_at is None:
        deal.filed_at = now
        changed.append("filed_at")
    if deal.released_at is None:
        r = revision_rules(project_id, deal.rules_revision)
        collected = net_collections(project_id, record_ids=deal.record_ids).net
        if is_payable(filed=deal.filed_at is not None, requires_filing=r.requires_filing, collected=collected,
                      contract_amount=deal.contract_amount, share=r.collected_share):
            deal.released_at = now
            changed.append("released_at")
            deal_rules.close(project_id, "commission", (deal.record_id,), now)
            for entry in deal.entries.select_for_update().filter(status=EntryStatus.ACCRUED).order_by("id"):
                lifecycle = EntryLifecycle(entry)
                lifecycle.make_payable(now)
                lifecycle.save()
    if changed:
        deal.save(update_fields=changed)
    return deal


@transaction.atomic
def claw_back(*, project_id: int, lineage: Sequence[int], reason: str, now: datetime) -> CommissionDeal | None:
    """A cancelled deal earns nothing: reverse what is unpaid, claw back what was paid.

    The consultant's month is worked out again without the deal, so in whole-bracket
    mode the other deals of the month may drop a tier (and are adjusted down).
    """
    found = find_deal(project_id, lineage)  # unlocked: only to learn the consultant's month
    if found is None or found.cancelled_at is not None:
        return found
    tiered = found.consultant_id if found.kind == DealKind.SALE else None  # the consultant whose month is tiered
    if tiered is not None:
        _lock_month(project_id, tiered, found.month)  # the month first, then the deal
    deal = CommissionDeal.objects.select_for_update().get(pk=found.pk)
    if deal.cancelled_at is not None:  # cancelled while we waited for the locks
        return deal
    deal.cancelled_at, deal.cancel_reason = now, reason[:200]
    deal.save(update_fields=["cancelled_at", "cancel_reason"])
    deal_rules.close(project_id, "commission", (deal.record_id,), now)
    entries = list(deal.entries.select_for_update().order_by("id"))
    clawed_back = {e.reverses_id for e in entries if e.is_clawback}  # a clawback belongs to its entry's deal
    for entry in entries:
        if entry.status in (EntryStatus.ACCRUED, EntryStatus.PAYABLE):
            lifecycle = EntryLifecycle(entry)
            lifecycle.reverse(now)
            lifecycle.save()
        elif entry.status == EntryStatus.PAID and not entry.is_clawback and entry.pk not in clawed_back:
            _entry(deal, BeneficiaryKind(entry.beneficiary_kind), entry.beneficiary, -entry.amount, now,
                   base=entry.base_amount, rate=entry.rate, note=f"clawback of paid entry {entry.pk}", reverses=entry)
    if tiered is not None:
        retier_month(project_id, tiered, deal.month, now)
    return deal


@transaction.atomic
def pay(*, project_id: int, beneficiary_kind: str, beneficiary: str, user_id: int | None, now: datetime) -> Decimal:
    """Pay an agent everything payable, clawbacks netted; refused while clawbacks exceed it."""
    entries = list(CommissionEntry.objects.select_for_update().filter(
        project_id=project_id, beneficiary_kind=beneficiary_kind, beneficiary=beneficiary,
        status=EntryStatus.PAYABLE).order_by("id"))
    total = sum((e.amount for e in entries), ZERO)
    if total < 0:
        raise ClawbackOutstanding(beneficiary=f"{beneficiary_kind} {beneficiary}", owed=-total)
    for entry in entries:
        lifecycle = EntryLifecycle(entry)
        lifecycle.pay(now, user_id)
        lifecycle.save()
    return total


def retier_month(project_id: int, consultant_id: int, month: date, now: datetime) -> None:
    """Bring every live deal of the consultant's month to what the tiers give it now.

    The month's count is every live new-home deal of the consultant signed in it; each
    deal's rate comes from its own frozen revision: whole bracket, the tier holding the
    count; progressive, the tier holding its place in signing order. A deal whose
    revision pays consultants nothing (no `consultant` section) is left as it is.
    Each deal's consultant commission is the sum of its consultant entries not
    reversed; the difference to the tier figure is written as a new entry (an
    adjustment), never by changing an old one.
    """
    _lock_month(project_id, consultant_id, month)
    # Lock the month's deals (by id, the one order every service uses) before reading
    # released_at or cancelled_at: a release or cancellation in flight is waited for.
    locked = CommissionDeal.objects.select_for_update().filter(project_id=project_id, consultant_id=consultant_id,
                                                                month=month, kind=DealKind.SALE).order_by("id")
    deals = sorted((d for d in locked if d.cancelled_at is None), key=lambda d: (d.signed_at, d.pk))
    by_revision: dict[int, CommissionRules] = {}
    current = _consultant_totals(d.pk for d in deals)
    for place, deal in enumerate(deals, start=1):
        if deal.rules_revision not in by_revision:
            by_revision[deal.rules_revision] = revision_rules(project_id, deal.rules_revision)
        r = by_revision[deal.rules_revision]
        if r.tier_mode is None:
            continue
        rate = deal_rate(len(deals), place, r.tiers, r.tier_mode)
        had = current.get(deal.pk, ZERO)
        note = (f"{_MODE_WORDS[r.tier_mode]}: deal {place} of {len(deals)} in {month:%Y-%m} at {decimal_text(rate)}"
                + ("" if had == 0 else f" (adjusts {had})"))
        _entry(deal, BeneficiaryKind.CONSULTANT, str(consultant_id), fen(deal.contract_amount * rate) - had, now,
               base=deal.contract_amount, rate=rate, note=note)


@transaction.atomic
def apply_revision(*, project_id: int, record_ids: Sequence[int], revision: int, now: datetime) -> None:
    """Open deals now read `revision` (an admin applied it explicitly): rework their commission under it.

    The channel's rate and the referral bonus are adjusted by new entries to what the
    revision gives (a channel the revision does not list keeps what it has); the
    consultants' months are re-tiered. Locks as everywhere: months first, then deals.
    """
    r = revision_rules(project_id, revision)
    found = list(CommissionDeal.objects.filter(project_id=project_id, record_id__in=list(record_ids),
                                               kind=DealKind.SALE))
    months = sorted({(d.consultant_id, d.month) for d in found if d.consultant_id is not None})
    for consultant_id, month in months:
        _lock_month(project_id, consultant_id, month)
    for deal in CommissionDeal.objects.select_for_update().filter(pk__in=[d.pk for d in found]).order_by("id"):
        if deal.cancelled_at is not None or deal.released_at is not None:
            continue
        deal.rules_revision = revision
        deal.save(update_fields=["rules_revision"])
        had = _totals_by_kind(deal)
        if deal.channel and deal.channel in r.channels:
            rate = r.channels[deal.channel].rate
            _entry(deal, BeneficiaryKind.CHANNEL, deal.channel,
                   channel_commission(deal.contract_amount, rate) - had[BeneficiaryKind.CHANNEL], now,
                   base=deal.contract_amount, rate=rate,
                   note=f"channel {r.channels[deal.channel].title} {decimal_text(rate)} (rules revision {revision})")
        if deal.referrer:
            _entry(deal, BeneficiaryKind.REFERRER, deal.referrer, r.referral_bonus - had[BeneficiaryKind.REFERRER],
                   now, note=f"referral bonus (rules revision {revision})")
    for consultant_id, month in months:
        retier_month(project_id, consultant_id, month, now)


def _totals_by_kind(deal: CommissionDeal) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for kind, amount in deal.entries.exclude(status=EntryStatus.REVERSED).values_list("beneficiary_kind", "amount"):
        totals[kind] += amount  # summed in Python: SQLite would add decimals as floats
    return totals


def _lock_month(project_id: int, consultant_id: int, month: date) -> ConsultantMonth:
    """Lock the consultant's month (creating its row the first time): taken before any of its deals."""
    return locked_row(ConsultantMonth, project_id=project_id, consultant_id=consultant_id, month=month)


def find_deal(project_id: int, lineage: Iterable[int], *, lock: bool = False,
              kind: str = DealKind.SALE) -> CommissionDeal | None:
    """The deal of `kind` of the nearest record in `lineage` (the acting record first, then its ancestors).

    Only new-home sales by default: a trade-in's subscription and contract descend from the
    resale record, whose resale deal is not theirs to release, claw back or accrue on.
    """
    lineage = list(dict.fromkeys(lineage))
    deals = CommissionDeal.objects.filter(project_id=project_id, record_id__in=lineage, kind=kind)
    if lock:
        deals = deals.select_for_update()
    by_record = {d.record_id: d for d in deals}
    return next((by_record[r] for r in lineage if r in by_record), None)


def _consultant_totals(deal_ids: Iterable[int]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for deal_id, amount in (CommissionEntry.objects.filter(deal_id__in=list(deal_ids),
                                                           beneficiary_kind=BeneficiaryKind.CONSULTANT)
                            .exclude(status=EntryStatus.REVERSED).values_list("deal_id", "amount")):
        totals[deal_id] += amount  # summed in Python: SQLite would add decimals as floats
    return totals


def _entry(deal: CommissionDeal, kind: str, beneficiary: str, amount: Decimal, now: datetime, *,
           base: Decimal | None = None, rate: Decimal | None = None, note: str = "",
           reverses: CommissionEntry | None = None) -> CommissionEntry | None:
    """A new entry: payable at once when the deal already is (or when it claws back a payment)."""
    if amount == 0:
        return None
    payable = deal.released_at is not None or reverses is not None
    return CommissionEntry.objects.create(
        project_id=deal.project_id, deal=deal, beneficiary_kind=kind, beneficiary=beneficiary, base_amount=base,
        rate=rate, amount=amount, status=EntryStatus.PAYABLE if payable else EntryStatus.ACCRUED, note=note[:200],
        created_at=now, payable_at=now if payable else None, reverses=reverses)
