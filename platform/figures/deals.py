"""Deals as the figures count them: a subscription (认购) and the contract (签约) it became.

- **Subscribed** when the subscription first entered `awaiting_contract`: the deposit was
  taken (directly, or once an approval passed its discount). Dated by that history
  entry; amount the subscription's deal price (after approved price changes).
- **Signed** when its contract first entered `signed`; dated by that history entry (the
  moment the clerk recorded the signing); amount the contract's deal price.
- **Cancelled** when the subscription was cancelled after its deposit (`refund_pending`
  or `cancelled` after `awaiting_contract`) or its contract was (`refund_pending`,
  `cancelled`, `filing_deregistration`). A cancelled deal leaves every subscription and
  signing figure it was counted in, past periods included: the figures are net, as the
  sales floor reports them, and the cancellation shows in the period it happened in.
- **Consultant**: the one the deal names now (the contract's `consultant_id`, else the
  subscription's): a deal handed to another consultant counts for them, in every period.

The pages read these facts from figures_dealfact, one row per deal kept by database triggers in
the transaction that writes the history or the record (figures.fact_triggers); `live_deals`
computes the same from the records and their history (docs/figures.md).
"""
from __future__ import annotations

from django.db.models import DateTimeField, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from engine.models import HistoryEntry, Record

from .models import DealFact
from .scope import Scope, json_money

SUBSCRIBED_STATE = "awaiting_contract"
SIGNED_STATE = "signed"
SUBSCRIPTION_CANCELLED = ("refund_pending", "cancelled")
CONTRACT_CANCELLED = ("refund_pending", "cancelled", "filing_deregistration")


def _first(record_filter: Q, states: tuple[str, ...]):
    entries = HistoryEntry.objects.filter(record_filter, to_state__in=states).order_by("at").values("at")[:1]
    return Subquery(entries, output_field=DateTimeField())


def deals(scope: Scope) -> QuerySet:
    """The scope's deals with the facts every deal figure reads, from the rows the triggers keep (DealFact).

    The same columns as `live_deals`: subscribed_at, signed_at, cancelled_at, sub_amount,
    sign_amount, consultant (the id as text), customer_key (text), contract_id; pk is the
    subscription's id.
    """
    query = DealFact.objects.filter(project_id__in=scope.project_ids)
    if scope.consultant_id is not None:
        query = query.filter(consultant=str(scope.consultant_id))
    return query


def live_deals(scope: Scope) -> QuerySet:
    """The same deals computed from the records and their history: the definition the triggers follow.

    Correlated subqueries per deal (measured: seconds at 50,000 deals), so the pages read
    `deals`; the tests compare the two after random sequences of events.
    The scope's subscriptions that were ever subscribed, annotated with the facts every deal figure reads.

    subscribed_at, signed_at, cancelled_at (None while live), sub_amount, sign_amount,
    consultant (the id as the database holds it in JSON), customer_key, contract_id.
    """
    contract = Record.objects.filter(parent_id=OuterRef("pk"), flow="contract").order_by("pk")
    own = Q(record_id=OuterRef("pk"))
    # the contract's history by its id, found first: joined instead, PostgreSQL scanned the history per deal
    inner = Record.objects.filter(parent_id=OuterRef(OuterRef("pk")), flow="contract").order_by("pk").values("pk")[:1]
    of_contract = Q(record_id=Subquery(inner))
    query = (Record.objects.filter(project_id__in=scope.project_ids, flow="subscription")
             .annotate(subscribed_at=_first(own, (SUBSCRIBED_STATE,)))
             .filter(subscribed_at__isnull=False)
             .annotate(signed_at=_first(of_contract, (SIGNED_STATE,)),
                       cancelled_at=Coalesce(_first(own, SUBSCRIPTION_CANCELLED), _first(of_contract, CONTRACT_CANCELLED)),
                       contract_id=Subquery(contract.values("pk")[:1]),
                       sub_amount=json_money("deal_price"),
                       sign_amount=Subquery(contract.annotate(a=json_money("deal_price")).values("a")[:1]),
                       consultant=Coalesce(Subquery(contract.values(c=KT("data__consultant_id"))[:1]),
                                           KT("data__consultant_id")),
                       customer_key=KT("data__customer_id")))
    if scope.consultant_id is not None:
        # compared as text: JSON holds the id as a number (SQLite) or its text (PostgreSQL's ->>)
        query = query.annotate(consultant_text=Cast("consultant", TextField())).filter(
            consultant_text=str(scope.consultant_id))
    return query


def live_in(field: str, since, until) -> Q:
    """Counted in [since, until): the fact's date falls there and the deal is not cancelled."""
    return Q(**{f"{field}__gte": since, f"{field}__lt": until, "cancelled_at__isnull": True})


def cancelled_in(since, until) -> Q:
    return Q(cancelled_at__gte=since, cancelled_at__lt=until)


__all__ = ["CONTRACT_CANCELLED", "SIGNED_STATE", "SUBSCRIBED_STATE", "SUBSCRIPTION_CANCELLED", "cancelled_in",
           "deals", "live_deals", "live_in"]
