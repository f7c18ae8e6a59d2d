"""Receivables 应收/实收/欠款: what a deal's buyer owes, line by line, against what came in.

`schedule` (the flow action `receivables.schedule`) builds a deal's lines from its
payment plan and its frozen deal price: the deposit 定金, the down payment 首付, the
rest by plan (installments 分期款, the commercial loan 商贷, the provident-fund loan 公积金,
both for a combined loan), and keeps the lines `due` added (the area difference 面积补差款,
fees 代收费用). It is called when the subscription is submitted, again when its price
changes and when the contract is signed (the down payment is known), and when the bank
approves a combined loan (the split is known) or the buyer pays without a loan.

What was received is never stored per line: `statement` allocates the deal's receipts
to its lines every time (by kind, the oldest due first), so it cannot disagree with the
ledger. Deposits taken on the queue number (诚意金) and the reservation (小订金) are the
deal's receipts too (its records include the ancestors the subscription continues) and
count against the deposit line: the subscription records only what remains of its
deposit, so nothing is counted twice.

`check_receipt` is the payments ledger's guard: a receipt beyond what is still due on
lines of its kind is refused in words (`ReceiptExceedsDue`), unless finance records it
as an overpayment to refund (`payment.record` with `overpayment: true`).

A lease's schedule (payment plan `lease`, drawn up by kernel.rent_schedule) is kept
apart from a sale's: its lines take rent 租金 and security deposits 押金 only
(`LEASE_LINE_OF`), a sale's never do (`LINE_OF`), and each looks up only its own kind
of schedule. A subscription started from a lease (以租代买) has the lease among its
records, so without this the lease's rent would count as received beyond the price,
and its deposit line would be looked for in the rent schedule.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from .action_context import ActionContext
from .errors import KernelError
from .models.payments import Payment, PaymentKind
from .models.receivables import Receivable, ReceivableSchedule
from .money import FEN, fen, to_money

ZERO = Decimal("0.00")
K = PaymentKind
# the receipts each kind of line takes: a deposit line takes every deposit of the deal
DEPOSIT_KINDS = (K.SINCERITY_DEPOSIT, K.RESERVATION_DEPOSIT, K.DEPOSIT)
LINE_OF: dict[str, str] = {**{k: K.DEPOSIT for k in DEPOSIT_KINDS},
           **{k: k for k in (K.DOWN_PAYMENT, K.INSTALLMENT, K.BANK_LOAN, K.PROVIDENT_FUND_LOAN,
                             K.AREA_DIFFERENCE, K.FEE)}}
LEASE_PLAN = "lease"  # the payment plan of a lease's schedule (kernel.rent_schedule)
LEASE_LINE_OF: dict[str, str] = {K.RENT: K.RENT, K.SECURITY_DEPOSIT: K.SECURITY_DEPOSIT}
# what each kind of schedule shows as paid back: a lease's deposit refund is not a sale's refund
REFUNDS_OF = {LEASE_PLAN: (K.REFUND, K.DEPOSIT_REFUND)}
SALE_REFUNDS = (K.REFUND,)
ADDED_KINDS = (K.AREA_DIFFERENCE, K.FEE)  # lines `due` adds; rescheduling keeps them
SETTLED_KINDS = (K.CREDIT,)  # lines settled by themselves: a trade-in's or lease-to-buy's credit
PLANS = ("full", "installments", "commercial_mortgage", "provident_fund", "combined")
KIND_ZH = {K.SINCERITY_DEPOSIT: "诚意金", K.RESERVATION_DEPOSIT: "小订金", K.DEPOSIT: "定金", K.DOWN_PAYMENT: "首付",
           K.INSTALLMENT: "分期款", K.BANK_LOAN: "商贷放款", K.PROVIDENT_FUND_LOAN: "公积金放款",
           K.AREA_DIFFERENCE: "面积补差款", K.RENT: "租金", K.SECURITY_DEPOSIT: "押金", K.FEE: "代收费用",
           K.REFUND: "退款", K.DEPOSIT_REFUND: "押金退还", K.CREDIT: "抵扣"}
KIND_EN = {K.SINCERITY_DEPOSIT: "sincerity deposit", K.RESERVATION_DEPOSIT: "reservation deposit",
           K.DEPOSIT: "deposit", K.DOWN_PAYMENT: "down payment", K.INSTALLMENT: "installment",
           K.BANK_LOAN: "bank loan", K.PROVIDENT_FUND_LOAN: "provident-fund loan",
           K.AREA_DIFFERENCE: "area difference", K.RENT: "rent", K.SECURITY_DEPOSIT: "security deposit",
           K.FEE: "fees collected", K.REFUND: "refund", K.DEPOSIT_REFUND: "security deposit refund",
           K.CREDIT: "credit"}


class ReceiptExceedsDue(KernelError):
    code = "receipt_exceeds_due"
    template = gettext_noop(
        "{reference}: {amount} typed as {kind_en}, but only {due} is still due for it; check the amount, or let "
        "finance record the difference as an overpayment to refund")


class RentExceedsDue(ReceiptExceedsDue):
    """A lease's receipt beyond its schedule: the lease steps offer no overpayment, so none is suggested."""

    template = gettext_noop(
        "{reference}: {amount} typed as {kind_en}, but only {due} is still due for it on the lease; check the amount")


class OverpaymentNeedsFinance(KernelError):
    code = "overpayment_needs_finance"
    template = gettext_noop("{reference}: only finance may record {excess} beyond what is due as an overpayment")


class ScheduleExceedsPrice(KernelError):
    code = "schedule_exceeds_price"
    template = gettext_noop(
        "{reference}: the deposit and the down payment, with any credit ({paid}), are more than the deal price "
        "({price})")


class DepositBelowReceived(KernelError):
    code = "deposit_below_received"
    template = gettext_noop(
        "{reference}: the deposit of {deposit} is less than the deposits already received ({received}, sincerity and "
        "reservation deposits included); enter at least that much")


class UnknownPaymentPlan(KernelError):
    code = "unknown_payment_plan"
    template = gettext_noop("{reference}: choose a payment plan before the receivables are scheduled")


def yuan(amount: Decimal) -> str:
    """An amount for a refusal: ¥1,234.50 (the same in both languages)."""
    return f"¥{amount:,.2f}"


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    kind: str
    due_on: date | None
    amount: Decimal
    received: Decimal
    today: date

    @property
    def balance(self) -> Decimal:
        return self.amount - self.received

    @property
    def overdue(self) -> bool:
        return self.balance > 0 and self.due_on is not None and self.due_on < self.today


@dataclass(frozen=True)
class Statement:
    """A deal's lines with what was received against each, and the receipts no line took."""

    schedule: ReceivableSchedule
    lines: tuple[Line, ...]
    excess: Decimal  # received beyond what was due (overpayments to refund, and receipts no line took)
    refunded: Decimal

    @property
    def due(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def received(self) -> Decimal:
        return sum((line.received for line in self.lines), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.due - self.received

    @property
    def overdue(self) -> Decimal:
        return sum((line.balance for line in self.lines if line.overdue), ZERO)

    def remaining(self, kind: str) -> Decimal:
        """What is still due on the lines a receipt of `kind` goes to."""
        target = lines_of(self.schedule.payment_plan).get(PaymentKind(kind))
        return sum((line.balance for line in self.lines if line.kind == target), ZERO)


def lines_of(plan: str) -> Mapping[str, str]:
    """The line each kind of receipt goes to in a schedule of this payment plan."""
    return LEASE_LINE_OF if plan == LEASE_PLAN else LINE_OF


def refunds_of(plan: str) -> tuple[str, ...]:
    """The kinds a schedule of this payment plan shows as paid back."""
    return REFUNDS_OF.get(plan, SALE_REFUNDS)


def schedule_of(project_id: int, deal: Iterable[int], *, lease: bool = False, lock: bool = False
                ) -> ReceivableSchedule | None:
    """The sale's (or with `lease`, the lease's) schedule of the deal these records belong to, if it has one."""
    found = ReceivableSchedule.objects.select_for_update() if lock else ReceivableSchedule.objects
    found = found.filter(project_id=project_id, deal_id__in=list(deal))
    found = found.filter(payment_plan=LEASE_PLAN) if lease else found.exclude(payment_plan=LEASE_PLAN)
    return found.order_by("deal_id").first()


class Paid(Protocol):
    """What allocation reads of a receipt: a `Payment` row, or the dunning run's lighter `Receipt`."""

    @property
    def kind(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def overpayment(self) -> bool: ...


def allocate(lines: Sequence[Receivable], payments: Iterable[Paid], today: date, *,
             line_of: Mapping[str, str] = LINE_OF,
             refunds: Sequence[str] = SALE_REFUNDS) -> tuple[list[Line], Decimal, Decimal]:
    """Receipts to lines, in the order they came in: by kind, the oldest due first (undated last).

    Returns the lines, what no line took (overpayments included) and the refunds.
    `line_of` and `refunds` are the plan's (`lines_of`, `refunds_of`): a sale's lines take no rent,
    a lease's only rent and deposits; a lease pays back deposits, a sale refunds.
    """
    order = sorted(range(len(lines)), key=lambda i: (lines[i].due_on is None, lines[i].due_on or date.min,
                                                     lines[i].position))
    received = [line.amount if line.kind in SETTLED_KINDS else ZERO for line in lines]
    excess = refunded = ZERO
    for p in payments:
        if p.kind in refunds:
            refunded += p.amount
            continue
        target = line_of.get(p.kind)
        if target is None:  # rent and security deposits in a sale, a sale's money in a lease
            continue
        left = p.amount
        if not p.overpayment:
            for i in order:
                if lines[i].kind == target and left > 0:
                    take = min(left, lines[i].amount - received[i])
                    if take > 0:
                        received[i] += take
                        left -= take
        excess += left
    return ([Line(line.kind, line.due_on, line.amount, received[i], today) for i, line in enumerate(lines)],
            excess, refunded)


def statement(schedule: ReceivableSchedule, today: date | None = None, *,
              lines: Sequence[Receivable] | None = None, payments: Iterable[Paid] | None = None) -> Statement:
    """The schedule's lines and receipts, read in two queries unless given."""
    today = today or timezone.localdate()
    if lines is None:
        lines = list(schedule.lines.order_by("position"))
    if payments is None:
        payments = deal_payments(schedule)
    allocated, excess, refunded = allocate(lines, payments, today, line_of=lines_of(schedule.payment_plan),
                                           refunds=refunds_of(schedule.payment_plan))
    return Statement(schedule, tuple(allocated), excess, refunded)


def deal_payments(schedule: ReceivableSchedule) -> list[Payment]:
    return list(Payment.objects.filter(project_id=schedule.project_id, record_id__in=schedule.record_ids)
                .order_by("received_at", "id"))


# -- the payments ledger's guard -------------------------------------------------------------


def check_receipt(ctx: ActionContext, kind: str, amount: Decimal, overpayment: bool) -> Decimal:
    """How much of a receipt is beyond what is due (0: all of it was due); refuses what may not be taken.

    Also records the receiving record as one of the deal's, so its receipts count.
    """
    lease = PaymentKind(kind) in LEASE_LINE_OF
    if not lease and LINE_OF.get(PaymentKind(kind)) is None:
        return ZERO
    found = schedule_of(ctx.project_id, ctx.deal, lease=lease, lock=True)
    if found is None:
        return ZERO  # before the deal is scheduled (a queue number's, a reservation's deposit)
    _join(found, ctx.deal)
    remaining = max(statement(found, ctx.now.date()).remaining(kind), ZERO)
    if amount <= remaining:
        return ZERO
    excess = amount - remaining
    if not overpayment:
        refusal = RentExceedsDue if lease else ReceiptExceedsDue
        raise refusal(reference=ctx.reference, amount=yuan(amount), due=yuan(remaining),
                                kind_en=KIND_EN[PaymentKind(kind)], kind_zh=KIND_ZH[PaymentKind(kind)])
    from .access import roles_in

    if "finance" not in roles_in(ctx.user_id, ctx.project_id):
        raise OverpaymentNeedsFinance(reference=ctx.reference, excess=yuan(excess))
    return excess


def _join(found: ReceivableSchedule, deal: Iterable[int]) -> None:
    ids = sorted({*found.record_ids, *deal})
    if ids != found.record_ids:
        found.record_ids = ids
        found.save(update_fields=["record_ids"])


# -- the actions -----------------------------------------------------------------------------


def _optional_money(value: object, name: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and value == 0:
        return ZERO
    if isinstance(value, str) and value.strip() in {"0", "0.0", "0.00"}:
        return ZERO
    return to_money(value, name)


def _day(value: object, fallback: date) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        return date.fromisoformat(value.strip()[:10])
    return fallback


def months_after(day: date, months: int) -> date:
    """The day `months` later, on the month's last day when it has no such day (31 Jan + 1 → 28 Feb).

    Installments here and a lease's months (kernel.rent_schedule) both run on it.
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


_months_after = months_after  # the name tests/web/test_receivables_due.py imports


def split(amount: Decimal, parts: int) -> list[Decimal]:
    """`amount` in `parts` equal lines, fen down; the last takes the fen left over."""
    each = (amount / parts).quantize(FEN, rounding="ROUND_DOWN")
    return [each] * (parts - 1) + [amount - each * (parts - 1)]


@transaction.atomic
def schedule(ctx: ActionContext, *, payment_plan: object, deal_price: object, deposit: object = None,
             down_payment: object = None, signed_on: object = None, commercial_loan: object = None,
             installments: object = None, every_months: object = None, credit: object = None,
             replan: bool = False) -> None:
    """(Re)build the deal's lines from its plan and price; keeps the deposit, down payment and credit not given again.

    `deal_price` is the contract price; `credit` (a trade-in's old home, a lease-to-buy's
    rent: 抵扣) is a line settled by itself, like a payment already made, so the deposit,
    the down payment and the rest (installments, loans) add up to the price less it.
    `replan`: a record that may not belong to a scheduled deal (a mortgage started by
    hand) adjusts the deal's schedule if there is one and does nothing otherwise.
    """
    plan = str(payment_plan or "")
    if plan not in PLANS:
        raise UnknownPaymentPlan(reference=ctx.reference)
    price = to_money(deal_price, "deal_price")
    today = ctx.now.date()
    found = schedule_of(ctx.project_id, ctx.deal, lock=True)
    if found is None and replan:
        return
    if found is None:
        found = ReceivableSchedule.objects.create(
            project_id=ctx.project_id, deal_id=ctx.record_id, reference=ctx.reference, record_ids=sorted(ctx.deal),
            payment_plan=plan, deal_price=price, scheduled_at=ctx.now)
        old: list[Receivable] = []
    else:
        old = list(found.lines.order_by("position"))
        found.record_ids = sorted({*found.record_ids, *ctx.deal})
        found.payment_plan, found.deal_price, found.scheduled_at = plan, price, ctx.now
        found.save(update_fields=["record_ids", "payment_plan", "deal_price", "scheduled_at"])
    first = {line.kind: line for line in reversed(old)}  # the first line of each kind
    deposit_line = first.get(K.DEPOSIT)
    dep = _optional_money(deposit, "deposit")
    if dep is None:
        dep = deposit_line.amount if deposit_line else ZERO
    down_line = first.get(K.DOWN_PAYMENT)
    if down_line is not None and down_line.due_on is None:
        down_line = None  # the rest of the price before signing, not a down payment agreed
    down = _optional_money(down_payment, "down_payment")
    if down is None and down_line is not None:
        down = down_line.amount
    taken = sum((p.amount for p in deal_payments(found) if p.kind in DEPOSIT_KINDS and not p.overpayment), ZERO)
    if dep < taken:
        raise DepositBelowReceived(reference=ctx.reference, deposit=yuan(dep), received=yuan(taken))
    credit_line = first.get(K.CREDIT)
    credited = _optional_money(credit, "credit")
    if credited is None:
        credited = credit_line.amount if credit_line else ZERO
    lines: list[tuple[str, date | None, Decimal]] = [
        (K.DEPOSIT, deposit_line.due_on if deposit_line else today, dep),
        (K.CREDIT, credit_line.due_on if credit_line else today, credited)]
    if down is None:  # before signing: the rest of the price is due at signing, split then
        if price < dep + credited:
            raise ScheduleExceedsPrice(reference=ctx.reference, paid=yuan(dep + credited), price=yuan(price))
        lines.append((K.DOWN_PAYMENT, None, price - dep - credited))
    else:
        signed = _day(signed_on, down_line.due_on if down_line and down_line.due_on else today)
        rest = price - dep - credited - down
        if rest < 0:
            raise ScheduleExceedsPrice(reference=ctx.reference, paid=yuan(dep + credited + down), price=yuan(price))
        lines.append((K.DOWN_PAYMENT, signed, down))
        if plan in ("full", "installments"):
            # the flow's form gives whole numbers here; anything else fails as int() says
            count = max(int(installments or 1), 1) if plan == "installments" else 1  # type: ignore[call-overload]
            months = int(every_months if every_months is not None  # type: ignore[call-overload]
                         else (3 if plan == "installments" else 0))
            for n, part in enumerate(split(rest, count) if rest > 0 else [], start=1):
                lines.append((K.INSTALLMENT, months_after(signed, months * n), part))
        elif plan == "commercial_mortgage":
            lines.append((K.BANK_LOAN, None, rest))
        elif plan == "provident_fund":
            lines.append((K.PROVIDENT_FUND_LOAN, None, rest))
        else:  # combined: the bank's share once approved, the provident fund the rest
            bank = _optional_money(commercial_loan, "commercial_loan")
            bank = rest if bank is None else min(bank, rest)
            lines.append((K.BANK_LOAN, None, bank))
            if rest - bank > 0:
                lines.append((K.PROVIDENT_FUND_LOAN, None, rest - bank))
    lines += [(line.kind, line.due_on, line.amount) for line in old if line.kind in ADDED_KINDS]
    found.lines.all().delete()
    Receivable.objects.bulk_create(
        Receivable(schedule=found, position=i, kind=kind, due_on=due_on, amount=fen(amount))
        for i, (kind, due_on, amount) in enumerate([line for line in lines if line[2] > 0], start=1))


@transaction.atomic
def due(ctx: ActionContext, *, kind: str, amount: object, due_on: object = None) -> None:
    """Add a line to the deal's schedule: the area difference the buyer owes, fees collected at handover."""
    kind = PaymentKind(kind)
    money = to_money(amount)
    found = schedule_of(ctx.project_id, ctx.deal, lock=True)
    if found is None:
        found = ReceivableSchedule.objects.create(
            project_id=ctx.project_id, deal_id=ctx.record_id, reference=ctx.reference, record_ids=sorted(ctx.deal),
            payment_plan="", deal_price=ZERO, scheduled_at=ctx.now)
    else:
        _join(found, ctx.deal)
    last = found.lines.order_by("-position").values_list("position", flat=True).first() or 0
    Receivable.objects.create(schedule=found, position=last + 1, kind=kind, amount=money,
                              due_on=_day(due_on, ctx.now.date()))


@transaction.atomic
def void(ctx: ActionContext) -> bool:
    """Drop the sale schedule this record drew up: a draft cancelled (or sent back) before it took effect owes nothing.

    Its lines and reminders go with it; the ledger is untouched (deposits carried from a
    queue number or reservation are refunded from the ledger, not from the schedule).
    Says whether there was one.
    """
    found = (ReceivableSchedule.objects.select_for_update()
             .filter(project_id=ctx.project_id, deal_id=ctx.record_id).exclude(payment_plan=LEASE_PLAN).first())
    if found is None:
        return False
    found.delete()
    return True
