"""Members' points through the actions: awards once per event, redemption, expiry, never negative."""
from datetime import timedelta

import pytest

from extensions import registry
from plugins.points import ledger
from plugins.points.errors import BelowRedemptionMinimum, PointsInsufficient, UnknownEvent
from plugins.points.models import JournalIsAppendOnly, PointsEntry, PointsLot

from .conftest import NOW, make_ctx, make_customer, points_account

award = registry.implementations()["points.award"]
redeem = registry.implementations()["points.redeem"]


def journal() -> list[tuple]:
    return list(PointsEntry.objects.order_by("id").values_list("kind", "points", "balance_after"))


def test_a_signed_purchase_earns_capped_points_and_a_level(points_rules, project):
    member = make_customer()
    ctx = make_ctx(project)

    award(ctx, rule="purchase", customer=member.pk, amount="2908116.00", into="points_awarded")

    # 2 908 116.00 / 100 = 29 081 points, capped at 20 000: gold from 20 000
    assert ctx.changes == {"points_awarded": 20000}
    assert points_account(project, member) == (20000, 20000, "gold")
    assert journal() == [("earn", 20000, 20000)]
    lot = PointsLot.objects.get()
    assert (lot.source_key, lot.expires_at) == (f"purchase:{ctx.record_id}", NOW + timedelta(days=730))


def test_one_event_never_awards_twice(points_rules, project):
    # given: a purchase awarded on the contract, which continues a subscription
    member = make_customer()
    subscription = make_ctx(project, flow="subscription")
    contract = make_ctx(project, lineage=subscription.lineage)
    award(contract, rule="purchase", customer=member.pk, amount="1500000.00")

    # when: the transition is retried, and a later record of the same deal awards again
    award(contract, rule="purchase", customer=member.pk, amount="1500000.00")
    award(make_ctx(project, lineage=contract.lineage), rule="purchase", customer=member.pk, amount="1500000.00")

    # then: one award of 15 000
    assert points_account(project, member) == (15000, 15000, "silver")
    assert PointsLot.objects.count() == 1
    assert journal() == [("earn", 15000, 15000)]


def test_referral_and_event_points(points_rules, project):
    referrer = make_customer()
    award(make_ctx(project), rule="referral", customer=referrer.pk)
    award(make_ctx(project, flow="visit"), rule="event", customer=referrer.pk, event="open_day")

    assert points_account(project, referrer) == (3200, 3200, "member")
    assert list(PointsLot.objects.values_list("rule", "points")) == [("referral", 3000), ("event", 200)]


def test_an_unknown_event_is_refused(points_rules, project):
    with pytest.raises(UnknownEvent) as refused:
        award(make_ctx(project), rule="event", customer=make_customer().pk, event="yoga")

    assert refused.value.message_en == ("there is no event 'yoga' in this project's points rules "
                                        "(they have: open_day, owner_party)")


def earn(project, member, points_amount_yuan: str, at):
    award(make_ctx(project, now=at), rule="purchase", customer=member.pk, amount=points_amount_yuan)


def test_redemption_takes_oldest_points_first_and_says_what_they_are_worth(points_rules, project):
    member = make_customer()
    earn(project, member, "100000.00", NOW - timedelta(days=400))   # 1 000 points, expire in 330 days
    earn(project, member, "50000.00", NOW - timedelta(days=100))    # 500 points
    ctx = make_ctx(project, flow="redemption")

    redeem(ctx, customer=member.pk, points=1200, into="value")

    assert ctx.changes == {"value": "120.00"}  # 1 200 × 0.10
    assert list(PointsLot.objects.order_by("earned_at").values_list("points", "remaining")) == [(1000, 0), (500, 300)]
    assert points_account(project, member) == (300, 1500, "member")
    entry = PointsEntry.objects.get(kind="redeem")
    assert (entry.points, entry.balance_after, len(entry.allocations)) == (-1200, 300, 2)


def test_a_redemption_that_would_overdraw_is_refused_and_changes_nothing(points_rules, project):
    member = make_customer()
    earn(project, member, "100000.00", NOW - timedelta(days=10))   # 1 000 points
    before = (points_account(project, member), journal(), list(PointsLot.objects.values_list("remaining", flat=True)))

    with pytest.raises(PointsInsufficient) as refused:
        redeem(make_ctx(project), customer=member.pk, points=1001)

    assert refused.value.message_en == f"customer #{member.pk} has 1000 points; 1001 cannot be redeemed"
    assert (points_account(project, member), journal(),
            list(PointsLot.objects.values_list("remaining", flat=True))) == before


def test_expired_points_cannot_be_redeemed(points_rules, project):
    # given: 1 000 points earned 731 days ago (expired yesterday) and 500 recent ones
    member = make_customer()
    earn(project, member, "100000.00", NOW - timedelta(days=731))
    earn(project, member, "50000.00", NOW - timedelta(days=10))

    # when: 600 are asked for
    with pytest.raises(PointsInsufficient) as refused:
        redeem(make_ctx(project), customer=member.pk, points=600)

    # then: only 500 were still valid (the refusal rolls the expiry back with it: the periodic job redoes it)
    assert refused.value.params["balance"] == 500


def test_expiry_removes_due_lots_oldest_first_and_keeps_the_level(points_rules, project):
    member = make_customer()
    earn(project, member, "2000000.00", NOW - timedelta(days=740))  # 20 000 points: gold
    earn(project, member, "50000.00", NOW - timedelta(days=735))    # 500 points
    earn(project, member, "30000.00", NOW - timedelta(days=10))     # 300 points

    expired = ledger.expire_due(now=NOW)

    assert expired == 20500
    assert points_account(project, member) == (300, 20800, "gold")
    assert journal()[3:] == [("expire", -20000, 800), ("expire", -500, 300)]
    assert ledger.expire_due(now=NOW) == 0


def test_one_redemption_request_redeems_once(points_rules, project):
    member = make_customer()
    earn(project, member, "100000.00", NOW - timedelta(days=10))
    ctx = make_ctx(project, flow="redemption")

    redeem(ctx, customer=member.pk, points=400)
    redeem(ctx, customer=member.pk, points=400)

    assert points_account(project, member)[0] == 600


def test_below_the_minimum_is_refused(points_rules, project):
    member = make_customer()
    earn(project, member, "100000.00", NOW)

    with pytest.raises(BelowRedemptionMinimum):
        redeem(make_ctx(project), customer=member.pk, points=99)


def test_the_journal_is_append_only(points_rules, project):
    member = make_customer()
    earn(project, member, "100000.00", NOW)
    entry = PointsEntry.objects.get()
    entry.points = 5

    with pytest.raises(JournalIsAppendOnly):
        entry.save()
    assert PointsEntry.objects.get().points == 1000
