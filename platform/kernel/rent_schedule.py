"""Rent schedules 租金计划: a lease's rent lines from its terms, and the kernel action `rent.schedule`.

The lines are what the tenant owes and when: the security deposit 押金 due at signing,
then one rent line per payment period (monthly, quarterly, half-yearly, yearly), due on
the first day of its period. They are a receivables schedule like a sale's
(`ReceivableSchedule`, payment plan `lease`, the deal being the lease record), so the
statement shows 应收/实收/欠款 and the payments ledger refuses rent beyond what is due
(kernel.receivables).

The rules, in the order they apply:
- **Lease months.** Month m of the lease runs from the m-th monthly anniversary of the
  term start to the day before the next one. An anniversary that does not exist falls on
  the month's last day: a lease starting on 31 January has months starting 28 February,
  31 March, 30 April … (always counted from the start, never from the previous month).
  The term ends on `term_end` (the last day rent runs, inclusive), or `term_months` after
  the start (the day before that anniversary).
- **Periods.** A period is 1, 3, 6 or 12 lease months counted from the term start (the
  last one cut at the term end); its line is the sum of its months, due on its first day.
- **Yearly increase (年递增).** From each lease anniversary the monthly rent is
  `monthly_rent × (1 + escalation_rate) ** years`, compounding on the agreed rent (not on
  a rounded one), rounded to the fen half up: the rent of one month, in yuan and fen.
- **Pro-rating by day.** A month only partly charged (the rent-free period, a term that
  ends mid-month, a move-out, a rent that changes mid-month) costs that month's rent ×
  the days charged ÷ the days that lease month actually has (28 to 31, never a 30-day or
  365/12 convention); a month with two rents adds the two parts. Each month is rounded
  to the fen half up once, then the periods add whole months.
- **Rent-free period (免租期).** The first `rent_free_days` days from the term start are
  not charged: the first cycle(s) are pro-rated by day, a wholly free period has no line.

Rent changes are steps: from a day on, a monthly rent (and its yearly increase, counted
from the lease's anniversaries, in years since the step's lease year). The lease record
keeps them in its `rent_steps` field (this action writes it), so every change is
recomputed from the same terms:
- renewal 续租 (`change: renew`): the term ends on `new_end`; from the day after the old
  end the rent is `new_rent`, flat (the renewal agrees one rent for its term);
- expansion 扩租 (`change: expand`): from `effective_on` (the approval day unless the
  request named another) the rent is `new_rent`, with the yearly increase of the rent it
  replaces; the period in which it falls is pro-rated, the later ones recomputed;
- termination 退租 (`change: terminate`): the term ends on `effective_on` (the move-out
  day, charged); later periods are dropped and the last one pro-rated to that day. A day
  on or after the end changes nothing; a day before the start leaves no rent at all.
Lines due before the period a change falls in are kept as they were; the rest are
replaced. Receipts are never tied to a line (kernel.receivables allocates them every
time), so rent paid in advance for a period that is dropped shows as received beyond
what is due, to be refunded.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, localcontext

from django.db import transaction
from django.utils.translation import gettext_noop

from .action_context import ActionContext
from .errors import KernelError
from .models.payments import PaymentKind
from .models.receivables import Receivable, ReceivableSchedule
from .money import FEN, fen, parse_decimal, to_money
from .receivables import LEASE_PLAN, months_after, schedule_of

ZERO = Decimal("0.00")
DAY = timedelta(days=1)
CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}
CHANGES = ("sign", "renew", "expand", "terminate")
STEPS_FIELD = "rent_steps"  # the lease record's field that keeps the rent steps


class UnknownPaymentCycle(KernelError):
    code = "unknown_payment_cycle"
    template = gettext_noop(
        "{reference}: the rent payment cycle {value_en} is not monthly, quarterly, half-yearly or yearly")


class LeaseTermInvalid(KernelError):
    code = "lease_term_invalid"
    template = gettext_noop("{reference}: the lease cannot end on {end}, before it starts on {start}")


class RenewalNotLater(KernelError):
    code = "renewal_not_later"
    template = gettext_noop("{reference}: the renewal must end after the current end date {end}; got {new_end}")


class RentArgumentMissing(KernelError):
    """A flow passed nothing where the rent schedule needs a value (the flow check catches a missing argument;
    this is an argument whose expression gave nothing, such as an empty field of the record)."""

    code = "rent_argument_missing"
    template = gettext_noop(
        "{reference}: the rent schedule needs {argument} (rent.schedule, {change}), but it is empty")


class RentArgumentInvalid(KernelError):
    code = "rent_argument_invalid"
    template = gettext_noop("{reference}: {argument} of rent.schedule is not a date: {value_en}")


class RentFreeTooLong(KernelError):
    code = "rent_free_too_long"
    template = gettext_noop("{reference}: {days} rent-free days leave no rent in a term from {start} to {end}")


# -- the terms ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RentStep:
    """From `starts_on` on, `monthly_rent` a month, increased by `escalation_rate` at each lease anniversary."""

    starts_on: date
    monthly_rent: Decimal
    escalation_rate: Decimal = ZERO


@dataclass(frozen=True)
class LeaseTerms:
    term_start: date
    term_end: date  # the last day rent runs, inclusive
    payment_cycle: str
    steps: tuple[RentStep, ...]  # by starts_on, the first on the term start
    rent_free_days: int = 0


@dataclass(frozen=True)
class RentLine:
    kind: str  # PaymentKind.RENT or PaymentKind.SECURITY_DEPOSIT
    due_on: date
    amount: Decimal


def lease_terms(*, term_start: date, monthly_rent: Decimal, payment_cycle: str, term_months: int | None = None,
                term_end: date | None = None, rent_free_days: int = 0,
                escalation_rate: Decimal = ZERO) -> LeaseTerms:
    """The terms as signed: one rent step from the start. `term_end` wins over `term_months`."""
    if payment_cycle not in CYCLE_MONTHS:
        raise ValueError(f"unknown payment cycle {payment_cycle!r}")
    if term_end is None:
        if term_months is None:
            raise ValueError("a term needs term_end or term_months")
        term_end = months_after(term_start, term_months) - DAY
    return LeaseTerms(term_start, term_end, payment_cycle, (RentStep(term_start, monthly_rent, escalation_rate),),
                      rent_free_days)


# -- the lines -----------------------------------------------------------------------------------


def month_span(terms: LeaseTerms, m: int) -> tuple[date, date]:
    """First and last day of lease month `m` (0 is the first)."""
    return months_after(terms.term_start, m), months_after(terms.term_start, m + 1) - DAY


def lease_year(terms: LeaseTerms, day: date) -> int:
    """Whole lease years from the term start to `day` (0 in the first year, and before the start)."""
    years = max((day.year - terms.term_start.year), 0)
    while years > 0 and months_after(terms.term_start, 12 * years) > day:
        years -= 1
    return years


def step_rent(terms: LeaseTerms, step: RentStep, m: int) -> Decimal:
    """A whole month's rent under `step` in lease month `m`: increased once per lease year since the step's.

    The power is worked out exactly (a 20-year lease at 5 % has 40 decimals), then rounded once.
    """
    years = max(m // 12 - lease_year(terms, step.starts_on), 0)
    with localcontext() as exact:
        exact.prec = 400
        return fen(step.monthly_rent * (1 + step.escalation_rate) ** years)


def month_rent(terms: LeaseTerms, m: int) -> Decimal:
    """What lease month `m` costs: its charged days under each step, pro-rated by the month's days.

    In whole fen × days, so the one division (by the days in the month) is rounded half up exactly.
    """
    first, last = month_span(terms, m)
    days_in_month = (last - first).days + 1
    charged_from = max(first, terms.term_start + timedelta(days=terms.rent_free_days))
    charged_to = min(last, terms.term_end)
    fen_days = 0
    for i, step in enumerate(terms.steps):
        until = terms.steps[i + 1].starts_on - DAY if i + 1 < len(terms.steps) else charged_to
        start, end = max(charged_from, step.starts_on), min(charged_to, until)
        if start <= end:
            fen_days += int(step_rent(terms, step, m) / FEN) * ((end - start).days + 1)
    whole, rest = divmod(fen_days, days_in_month)
    return (whole + (1 if 2 * rest >= days_in_month else 0)) * FEN


def rent_lines(terms: LeaseTerms) -> list[RentLine]:
    """One line per payment period with rent in it, due on the period's first day."""
    cycle = CYCLE_MONTHS[terms.payment_cycle]
    lines = []
    period = 0
    while (due_on := months_after(terms.term_start, period * cycle)) <= terms.term_end:
        amount = sum((month_rent(terms, m) for m in range(period * cycle, (period + 1) * cycle)), ZERO)
        if amount > 0:
            lines.append(RentLine(PaymentKind.RENT, due_on, amount))
        period += 1
    return lines


def rent_schedule(*, term_start: date, monthly_rent: Decimal, payment_cycle: str, term_months: int | None = None,
                  term_end: date | None = None, rent_free_days: int = 0, escalation_rate: Decimal = ZERO,
                  deposit: Decimal = ZERO, signed_on: date | None = None) -> list[RentLine]:
    """The lines of a lease as signed: the security deposit on `signed_on` (default the start), then the rent."""
    terms = lease_terms(term_start=term_start, monthly_rent=monthly_rent, payment_cycle=payment_cycle,
                        term_months=term_months, term_end=term_end, rent_free_days=rent_free_days,
                        escalation_rate=escalation_rate)
    return deposit_lines(deposit, signed_on or term_start) + rent_lines(terms)


def deposit_lines(deposit: Decimal, due_on: date) -> list[RentLine]:
    return [RentLine(PaymentKind.SECURITY_DEPOSIT, due_on, deposit)] if deposit > 0 else []


def period_start(terms: LeaseTerms, day: date) -> date:
    """The first day of the payment period `day` falls in (the term start for a day before it)."""
    cycle = CYCLE_MONTHS[terms.payment_cycle]
    period = 0
    while months_after(terms.term_start, (period + 1) * cycle) <= day:
        period += 1
    return months_after(terms.term_start, period * cycle)


def kept_then_new(old: Sequence[RentLine], new: Sequence[RentLine], cut: date) -> list[RentLine]:
    """The old lines due before `cut`, then the new ones due from `cut` on."""
    return [line for line in old if line.due_on < cut] + [line for line in new if line.due_on >= cut]


# -- changes -------------------------------------------------------------------------------------


def step_at(terms: LeaseTerms, day: date) -> RentStep:
    """The step in force on `day` (the first one before it starts)."""
    return ([s for s in terms.steps if s.starts_on <= day] or [terms.steps[0]])[-1]


def renewed(terms: LeaseTerms, new_end: date, monthly_rent: Decimal) -> LeaseTerms:
    """Renewal 续租: from the day after the old end, `monthly_rent` (flat) until `new_end`."""
    if new_end <= terms.term_end:
        raise ValueError("a renewal ends after the current end")
    starts = terms.term_end + DAY
    steps = tuple(s for s in terms.steps if s.starts_on < starts) + (RentStep(starts, monthly_rent),)
    return replace(terms, term_end=new_end, steps=steps)


def expanded(terms: LeaseTerms, day: date, monthly_rent: Decimal) -> LeaseTerms:
    """Expansion 扩租: from `day` (not before the start), `monthly_rent` with the yearly increase it replaces."""
    day = max(day, terms.term_start)
    if day > terms.term_end:
        return terms
    rate = step_at(terms, day).escalation_rate
    steps = tuple(s for s in terms.steps if s.starts_on < day) + (RentStep(day, monthly_rent, rate),)
    return replace(terms, steps=steps)


def terminated(terms: LeaseTerms, day: date) -> LeaseTerms:
    """Termination 退租: the rent runs to `day` inclusive; a day on or after the end changes nothing."""
    if day >= terms.term_end:
        return terms
    end = max(day, terms.term_start - DAY)
    steps = tuple(s for s in terms.steps if s.starts_on <= end) or terms.steps[:1]
    return replace(terms, term_end=end, steps=steps)


def steps_data(steps: Iterable[RentStep]) -> list[dict]:
    """The steps as the record keeps them: ISO dates and decimal strings."""
    return [{"starts_on": s.starts_on.isoformat(), "monthly_rent": str(fen(s.monthly_rent)),
             "escalation_rate": str(s.escalation_rate)} for s in steps]


def steps_from(data: object) -> tuple[RentStep, ...]:
    if not isinstance(data, list):
        return ()
    return tuple(sorted((RentStep(date.fromisoformat(str(s["starts_on"])), parse_decimal(s["monthly_rent"]),
                                  parse_decimal(s.get("escalation_rate") or "0"))
                         for s in data if isinstance(s, Mapping)), key=lambda s: s.starts_on))


# -- the action ----------------------------------------------------------------------------------


def _day(value: object, name: str, reference: str = "") -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise RentArgumentInvalid(reference=reference, argument=name, value=value) from None
    if value is not None and not (isinstance(value, str) and not value.strip()):
        raise RentArgumentInvalid(reference=reference, argument=name, value=value)
    return None


def _rate(value: object) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ZERO
    return parse_decimal(value)


def _money(value: object, name: str) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()) or value in (0, "0", "0.00"):
        return ZERO
    return to_money(value, name)


def _terms(ctx: ActionContext, change: str, *, term_start: object, term_end: object, term_months: object,
           monthly_rent: object, payment_cycle: object, rent_free_days: object,
           escalation_rate: object) -> LeaseTerms:
    cycle = str(payment_cycle or "")
    if cycle not in CYCLE_MONTHS:
        raise UnknownPaymentCycle(reference=ctx.reference, value=payment_cycle)
    start = _day(term_start, "term_start", ctx.reference)
    if start is None:
        raise RentArgumentMissing(reference=ctx.reference, argument="term_start", change=change)
    end = _day(term_end, "term_end", ctx.reference)
    # the form's whole numbers; anything else fails as int() says
    months = int(term_months) if term_months not in (None, "") and end is None else None  # type: ignore[call-overload]
    if end is None and months is None:
        raise RentArgumentMissing(reference=ctx.reference, argument="term_end / term_months", change=change)
    terms = lease_terms(term_start=start, monthly_rent=to_money(monthly_rent, "monthly_rent"), payment_cycle=cycle,
                        term_months=months, term_end=end,
                        rent_free_days=int(rent_free_days or 0),  # type: ignore[call-overload]
                        escalation_rate=_rate(escalation_rate))
    if terms.term_end < start:
        raise LeaseTermInvalid(reference=ctx.reference, start=start.isoformat(), end=terms.term_end.isoformat())
    kept = steps_from(ctx.data.get(STEPS_FIELD)) if change != "sign" else ()
    return replace(terms, steps=kept) if kept else terms


def _changed(ctx: ActionContext, terms: LeaseTerms, change: str, effective_on: date | None,
             new_rent: object, new_end: date | None) -> tuple[LeaseTerms, date]:
    """The terms after the change, and the day from which lines are replaced."""
    if change == "renew":
        if new_end is None or new_end < terms.term_end:
            raise RenewalNotLater(reference=ctx.reference, end=terms.term_end.isoformat(),
                                  new_end=new_end.isoformat() if new_end else "—")
        if new_end == terms.term_end:  # taken again after the end was moved: already renewed
            return terms, terms.term_end + DAY
        return renewed(terms, new_end, to_money(new_rent, "new_rent")), period_start(terms, terms.term_end + DAY)
    if effective_on is None:
        raise RentArgumentMissing(reference=ctx.reference, argument="effective_on", change=change)
    if change == "expand":
        return expanded(terms, effective_on, to_money(new_rent, "new_rent")), period_start(terms, effective_on)
    return terminated(terms, effective_on), period_start(terms, effective_on)


@transaction.atomic
def schedule(ctx: ActionContext, *, term_start: object, monthly_rent: object, payment_cycle: object,
             term_end: object = None, term_months: object = None, rent_free_days: object = None,
             escalation_rate: object = None, deposit: object = None, signed_on: object = None,
             change: str = "sign", effective_on: object = None, new_rent: object = None,
             new_end: object = None) -> None:
    """(Re)draw the lease's rent schedule: at signing from the terms, then on a renewal, expansion or termination.

    The terms are the record's as they stand before this step's own changes; the rent
    steps so far are read from and written to the record's `rent_steps`. Signing
    replaces every line (the security deposit due on `signed_on`); a change keeps the
    deposit line and the rent lines due before the period it falls in.
    """
    if change not in CHANGES:  # the flow check allows only these; a direct caller may not
        raise ValueError(f"rent.schedule: unknown change {change!r}")
    terms = _terms(ctx, change, term_start=term_start, term_end=term_end, term_months=term_months,
                   monthly_rent=monthly_rent, payment_cycle=payment_cycle, rent_free_days=rent_free_days,
                   escalation_rate=escalation_rate)
    cut = terms.term_start
    if change != "sign":
        terms, cut = _changed(ctx, terms, change, _day(effective_on, "effective_on", ctx.reference), new_rent,
                              _day(new_end, "new_end", ctx.reference))
    rent = rent_lines(terms)
    if change == "sign" and not rent:
        raise RentFreeTooLong(reference=ctx.reference, days=terms.rent_free_days,
                              start=terms.term_start.isoformat(), end=terms.term_end.isoformat())
    found = schedule_of(ctx.project_id, ctx.deal, lease=True, lock=True)
    old = [RentLine(line.kind, line.due_on, line.amount)  # type: ignore[arg-type]  # a lease's lines are all dated
           for line in found.lines.order_by("position")] if found else []
    if change == "sign" or found is None:
        signed = _day(signed_on, "signed_on", ctx.reference) or ctx.now.date()
        deposits = deposit_lines(_money(deposit, "deposit"), signed)
    else:
        deposits = [line for line in old if line.kind == PaymentKind.SECURITY_DEPOSIT]
        rent = kept_then_new([line for line in old if line.kind == PaymentKind.RENT], rent, cut)
    _write(ctx, found, deposits + rent)
    ctx.changes[STEPS_FIELD] = steps_data(terms.steps)


def _write(ctx: ActionContext, found: ReceivableSchedule | None, lines: list[RentLine]) -> None:
    total = sum((line.amount for line in lines if line.kind == PaymentKind.RENT), ZERO)
    if found is None:
        found = ReceivableSchedule.objects.create(
            project_id=ctx.project_id, deal_id=ctx.record_id, reference=ctx.reference, record_ids=sorted(ctx.deal),
            payment_plan=LEASE_PLAN, deal_price=total, scheduled_at=ctx.now)
    else:
        found.record_ids = sorted({*found.record_ids, *ctx.deal})
        found.deal_price, found.scheduled_at = total, ctx.now
        found.save(update_fields=["record_ids", "deal_price", "scheduled_at"])
        found.lines.all().delete()
    Receivable.objects.bulk_create(
        Receivable(schedule=found, position=i, kind=line.kind, due_on=line.due_on, amount=line.amount)
        for i, line in enumerate(lines, start=1))
