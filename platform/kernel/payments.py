"""The payments ledger: the action behind `payment.record`, and net collections 净回款.

Net collections = cash (deposits + down payments) + installments + bank loans +
provident-fund loans − refunds (seed 002); the deposits are the sincerity deposit 诚意金,
the reservation deposit 小订金 and the subscription's 定金, each counted once (a deposit
carried into the subscription is not taken again), and the area difference 面积补差款
counts with the installments. Rent, security deposits and fees collected for others
(代收费用) are not sales collections, and neither is a security deposit's refund 押金退还
(`deposit_refund`): it is checked against the security deposits the lease received, never
against sales money, and leaves net collections as they are. Sums are taken in the database as whole
fen (integers), so they are exact on PostgreSQL and on SQLite alike; SQLite would
otherwise add decimals as binary floats.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from django.db import transaction
from django.db.models import BigIntegerField, F, Q, Sum
from django.db.models.functions import Cast, Round
from django.utils.translation import gettext_noop

from . import events, receivables
from .action_context import ActionContext
from .errors import KernelError, RefundExceedsReceipts
from .models.payments import Payment, PaymentKind
from .money import FEN, to_money

ZERO = Decimal("0.00")
CASH_KINDS = (PaymentKind.SINCERITY_DEPOSIT, PaymentKind.RESERVATION_DEPOSIT, PaymentKind.DEPOSIT,
              PaymentKind.DOWN_PAYMENT)
RENT_RECEIVED_FIELD = "rent_received"  # a lease's running total of rent, kept from the ledger here
NOT_SALES = (PaymentKind.RENT, PaymentKind.SECURITY_DEPOSIT, PaymentKind.FEE,
             PaymentKind.DEPOSIT_REFUND)  # outside net collections


class DepositRefundExceedsDeposits(KernelError):
    code = "deposit_refund_exceeds_deposits"
    template = gettext_noop(
        "{reference}: a security deposit refund of {amount} is more than the deposit it holds ({held}: the security "
        "deposits received less those already returned)")


@transaction.atomic
def record(ctx: ActionContext, kind: str, amount: object, note: object = "", overpayment: object = False) -> Payment:
    """Enter a receipt or a refund for this deal.

    A refund may not exceed what the deal (this record and the ancestors it continues)
    has received net: paying out more than came in is always a typing mistake. A
    security deposit's refund (`deposit_refund`) may not exceed the security deposits
    received less those already paid back. The engine holds this record's row lock, so
    two refunds of one record cannot race.
    Once the deal is scheduled, a receipt beyond what is due on its lines is refused
    (`receivables.ReceiptExceedsDue`) unless finance records it with `overpayment`: then
    what was due is one entry and the rest a second one marked as an overpayment, to
    be refunded. A rent receipt also sets the lease's `rent_received` to the rent the
    ledger holds for it, so the running total cannot drift from the ledger (lease-to-buy
    credits a share of it). Returns the (first) entry.
    """
    kind = PaymentKind(kind)
    money = to_money(amount)
    if kind == PaymentKind.REFUND:
        received = net_collections(ctx.project_id, record_ids=ctx.deal).net
        if money > received:
            raise RefundExceedsReceipts(amount=money, reference=ctx.reference, received=received)
    if kind == PaymentKind.DEPOSIT_REFUND:
        held = net_collections(ctx.project_id, record_ids=ctx.deal).deposits_held
        if money > held:
            raise DepositRefundExceedsDeposits(amount=receivables.yuan(money), reference=ctx.reference,
                                               held=receivables.yuan(held))
    excess = receivables.check_receipt(ctx, kind, money, bool(overpayment))
    entries = [(money - excess, False), (excess, True)] if excess else [(money, False)]
    made = [Payment.objects.create(
        project_id=ctx.project_id, record_id=ctx.record_id, reference=ctx.reference, kind=kind,
        amount=part, received_at=ctx.now, recorded_by_id=ctx.user_id, note=str(note or "")[:200], overpayment=over)
        for part, over in entries if part > 0]
    for payment in made:
        events.emit(ctx.project_id, events.PAYMENT_RECORDED, lambda payment=payment: {  # type: ignore[misc]
            "payment": {"id": payment.pk, "record_id": payment.record_id, "reference": payment.reference,
                        "kind": payment.kind, "amount": str(payment.amount), "received_at": payment.received_at,
                        "overpayment": payment.overpayment}})
    if kind == PaymentKind.RENT:
        rent = net_collections(ctx.project_id, record_ids=ctx.deal)[PaymentKind.RENT]
        ctx.changes[RENT_RECEIVED_FIELD] = str(rent)
    return made[0]


@dataclass(frozen=True)
class Collections:
    """Totals per payment kind over some payments; every figure a Decimal in yuan."""

    by_kind: Mapping[str, Decimal]

    def __getitem__(self, kind: str) -> Decimal:
        return self.by_kind[PaymentKind(kind)]

    @property
    def cash(self) -> Decimal:
        return sum((self[k] for k in CASH_KINDS), ZERO)

    @property
    def deposits_held(self) -> Decimal:
        """Security deposits 押金 received and not yet paid back: what a deposit refund may return."""
        return self[PaymentKind.SECURITY_DEPOSIT] - self[PaymentKind.DEPOSIT_REFUND]

    @property
    def net(self) -> Decimal:
        """Cash + installments + area differences + bank loans + provident-fund loans − refunds."""
        return (self.cash + self[PaymentKind.INSTALLMENT] + self[PaymentKind.AREA_DIFFERENCE]
                + self[PaymentKind.BANK_LOAN] + self[PaymentKind.PROVIDENT_FUND_LOAN] - self[PaymentKind.REFUND])


def net_collections(project_id: int, *, since: datetime | None = None, until: datetime | None = None,
                    record_ids: Iterable[int] | None = None) -> Collections:
    """Collections of a project, optionally in [since, until) and for some deals only."""
    payments = Payment.objects.filter(project_id=project_id)
    if since is not None:
        payments = payments.filter(received_at__gte=since)
    if until is not None:
        payments = payments.filter(received_at__lt=until)
    if record_ids is not None:
        payments = payments.filter(record_id__in=list(record_ids))
    fen = Cast(Round(F("amount") * 100), BigIntegerField())
    totals = payments.aggregate(**{k: Sum(fen, filter=Q(kind=k)) for k in PaymentKind.values})
    by_kind: dict[str, Decimal] = {PaymentKind(k): (Decimal(v or 0) * FEN).quantize(FEN) for k, v in totals.items()}
    return Collections(MappingProxyType(by_kind))
