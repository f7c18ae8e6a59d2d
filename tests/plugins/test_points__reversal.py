"""points.reverse: a cancelled deal's award taken back, once, never below zero, redeemed points accounted for.

Example rules (plugins/points/example-rules.json): a point per 100.00 yuan up to 20 000,
referral 3 000, open_day 200, levels member 0 / silver 5 000 / gold 20 000, expiry 730
days, redemption minimum 100.
"""
from datetime import timedelta

import pytest
from django.db import transaction

from extensions import registry
from extensions.errors import InvalidArgument
from plugins.points.models import PointsEntry, PointsLot
from tests.kernel.parallel import needs_postgresql, race

from .conftest import NOW, make_ctx, make_customer, points_account

award = registry.implementations()["points.award"]
redeem = registry.implementations()["points.redeem"]
reverse = registry.implementations()["points.reverse"]


def journal() -> list[tuple]:
    return list(PointsEntry.objects.order_by("id").values_list("kind", "points", "balance_after", "shortfall"))


def signed_deal(project, member, amount="1500000.00", at=NOW):
    """A contract (continuing a subscription) that awarded purchase points; returns the contract's context."""
    subscription = make_ctx(project, flow="subscription", now=at)
    contract = make_ctx(project, lineage=subscription.lineage, now=at)
    award(contract, rule="purchase", customer=member.pk, amount=amount, into="points_awarded")
    return contract


def later(project, ctx, days=30):
    """A later record of the same deal (an area settlement), acting `days` after the award."""
    return make_ctx(project, lineage=ctx.lineage, flow="area_settlement", now=ctx.now + timedelta(days=days))


def test_a_cancelled_deal_takes_back_its_purchase_points(points_rules, project):
    # given: 15 000 points for a signed purchase, and 200 for an event
    member = make_customer()
    contract = signed_deal(project, member)
    award(make_ctx(project, flow="visit"), rule="event", customer=member.pk, event="open_day")
    assert points_account(project, member) == (15200, 15200, "silver")

    # when: a later record of the deal cancels it
    cancel = later(project, contract)
    reverse(cancel, rule="purchase", reason="buyer withdrew", into="points_reversed")

    # then: the award is gone, the event's points stay, the level follows what is left
    assert cancel.changes == {"points_reversed": 15000}
    assert points_account(project, member) == (200, 200, "member")
    assert journal()[-1] == ("reverse", -15000, 200, 0)
    entry = PointsEntry.objects.get(kind="reverse")
    lot = PointsLot.objects.get(rule="purchase")
    assert (entry.reference, entry.note, entry.source_key, entry.allocations) == (
        cancel.reference, "buyer withdrew", lot.source_key, [[lot.pk, 15000]])
    assert (lot.remaining, lot.reversed_at) == (0, cancel.now)


def test_a_reversal_happens_once(points_rules, project):
    member = make_customer()
    contract = signed_deal(project, member)
    first = later(project, contract)
    reverse(first, rule="purchase")

    # a retried transition, and another record of the deal, reverse again
    again = later(project, contract, days=40)
    reverse(first, rule="purchase")
    reverse(again, rule="purchase", into="points_reversed")

    assert again.changes == {"points_reversed": 15000}  # what the one reversal took
    assert points_account(project, member) == (0, 0, "member")
    assert [kind for kind, *_ in journal()] == ["earn", "reverse"]


def test_a_deal_that_earned_nothing_has_nothing_to_reverse_and_needs_no_rules(project):
    # no points rules in this project at all: a cancellation before signing must still go through
    cancel = make_ctx(project)

    reverse(cancel, rule="purchase", into="points_reversed")

    assert cancel.changes == {"points_reversed": 0}
    assert not PointsEntry.objects.exists()


def test_points_already_redeemed_are_taken_from_the_members_other_points(points_rules, project):
    # given: 3 000 referral points from an earlier deal, then 15 000 for this purchase
    member = make_customer()
    award(make_ctx(project, now=NOW - timedelta(days=100)), rule="referral", customer=member.pk)
    contract = signed_deal(project, member)
    award(make_ctx(project, flow="visit", now=NOW + timedelta(days=1)), rule="event", customer=member.pk,
          event="open_day")
    # 4 000 redeemed: the referral's 3 000 (soonest to expire) and 1 000 of the purchase
    redeem(make_ctx(project, flow="redemption", now=NOW + timedelta(days=2)), customer=member.pk, points=4000)
    assert points_account(project, member) == (14200, 18200, "silver")

    reverse(later(project, contract), rule="purchase")

    # the 14 000 left of the award, and the 1 000 redeemed from it out of the event's 200: 800 short
    assert points_account(project, member) == (0, 3200, "member")
    assert journal()[-1] == ("reverse", -14200, 0, 800)
    purchase, event = PointsLot.objects.get(rule="purchase"), PointsLot.objects.get(rule="event")
    assert PointsEntry.objects.get(kind="reverse").allocations == [[purchase.pk, 14000], [event.pk, 200]]
    assert (purchase.remaining, event.remaining) == (0, 0)


def test_redeemed_points_covered_by_other_points_leave_no_shortfall(points_rules, project):
    member = make_customer()
    contract = signed_deal(project, member)                                        # 15 000
    redeem(make_ctx(project, flow="redemption", now=NOW + timedelta(days=1)), customer=member.pk, points=1000)
    signed_deal(project, member, amount="500000.00", at=NOW + timedelta(days=2))   # another deal: 5 000

    reverse(later(project, contract), rule="purchase")

    assert points_account(project, member) == (4000, 5000, "silver")
    assert journal()[-1] == ("reverse", -15000, 4000, 0)


def test_expired_points_of_the_award_are_not_taken_twice(points_rules, project):
    # given: an award 800 days old (expired at 730) and fresh points from another deal
    member = make_customer()
    contract = signed_deal(project, member, at=NOW - timedelta(days=800))
    signed_deal(project, member, amount="300000.00", at=NOW - timedelta(days=10))  # 3 000

    cancel = make_ctx(project, lineage=contract.lineage, now=NOW)
    reverse(cancel, rule="purchase", into="points_reversed")

    # the award expires first (15 000 gone), then its reversal takes nothing more
    assert cancel.changes == {"points_reversed": 0}
    assert points_account(project, member) == (3000, 3000, "member")
    assert journal()[-2:] == [("expire", -15000, 3000, 0), ("reverse", 0, 3000, 0)]


def test_referral_points_are_reversed_by_rule(points_rules, project):
    referrer, buyer = make_customer(), make_customer("李四", "+8613900000001")
    contract = signed_deal(project, buyer)
    award(contract, rule="referral", customer=referrer.pk)

    reverse(later(project, contract), rule="referral")

    assert (points_account(project, referrer), points_account(project, buyer)) == (
        (0, 0, "member"), (15000, 15000, "silver"))


def test_event_points_are_reversed_for_the_record_that_awarded_them(points_rules, project):
    member = make_customer()
    visit = make_ctx(project, flow="visit")
    award(visit, rule="event", customer=member.pk, event="open_day")
    award(make_ctx(project, flow="visit"), rule="event", customer=member.pk, event="open_day")

    reverse(make_ctx(project, record_id=visit.record_id, flow="visit"), rule="event", event="open_day")

    assert points_account(project, member) == (200, 200, "member")


@pytest.mark.parametrize("event", [None, " "])
def test_an_event_reversal_needs_the_event(points_rules, project, event):
    with pytest.raises(InvalidArgument) as refused:
        reverse(make_ctx(project), rule="event", event=event)

    assert (refused.value.message_en, refused.value.message_zh) == (
        "event must be an event code, got nothing", "event 应为活动代码，实际为 空值")


def test_the_action_is_declared_with_typed_parameters():
    spec = {s.name: s for s in registry.action_specs()}["points.reverse"]

    assert {name: (p.kind.value, p.required) for name, p in spec.params.items()} == {
        "rule": ("literal", True), "event": ("expression", False), "reason": ("expression", False),
        "into": ("field", False)}
    assert spec.params["rule"].schema == {"enum": ["purchase", "referral", "event"]}
    assert (spec.title_en, spec.title_zh) == ("Reverse awarded membership points", "冲回已发放的会员积分")


@pytest.mark.django_db(transaction=True)
def test_parallel_reversals_of_one_deal_reverse_once(points_rules, project):
    needs_postgresql()
    member = make_customer()
    contract = signed_deal(project, member)
    redeem(make_ctx(project, flow="redemption"), customer=member.pk, points=500)

    def cancel(worker: int):
        with transaction.atomic():
            reverse(make_ctx(project, lineage=contract.lineage, now=NOW + timedelta(days=1)), rule="purchase")
        return "done"

    results = race(8, cancel)

    assert results == ["done"] * 8
    assert points_account(project, member) == (0, 0, "member")
    assert [(k, p, s) for k, p, _, s in journal()] == [("earn", 15000, 0), ("redeem", -500, 0), ("reverse", -14500, 500)]
