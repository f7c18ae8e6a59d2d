"""Rules with effective dates, frozen per deal (issue 20 item 3).

A deal keeps the rules in force at its decisive moment (the contract's signing for the
area settlement and commission, the event for points) through settlement, re-runs and
clawback; a change reaches open deals only when an admin applies it, after listing them.
The tests' world is May 2026: `publish_at` says when a revision was published.
"""
from __future__ import annotations

import copy
import io
import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from extensions import deal_rules, registry
from extensions.errors import RulesNotYetInForce, ValidFromInPast
from extensions.models import DealRules, RuleRevision
from extensions.rulesets import publish_rules, rules_for
from plugins.commission.models import CommissionDeal, CommissionEntry
from plugins.points.models import PointsLot

from .conftest import NOW, example_rules, make_ctx, make_customer, publish_at

actions = registry.implementations()
freeze_rules, settle_area = actions["pricing.freeze_rules"], actions["pricing.settle_area"]
accrue, claw_back = actions["commission.accrue"], actions["commission.claw_back"]

BEFORE = NOW - timedelta(days=30)   # the project's first rules
CHANGE = NOW + timedelta(days=1)    # the admin's change
User = get_user_model()


def pricing_with_band(band: str) -> dict:
    config = copy.deepcopy(example_rules("pricing"))
    config.setdefault("area_settlement", {})["band"] = band
    return config


def sign(project, *, at=NOW, consultant=None, amount="2000000.00"):
    """The contract's signing step: the pricing rules frozen, commission accrued (as flows/contract.yaml signs)."""
    ctx = make_ctx(project, now=at)
    freeze_rules(ctx)
    accrue(ctx, contract_amount=amount, consultant=None if consultant is None else consultant.pk)
    return ctx


def settle(project, contract, *, at, measured="104.00", record_id=None):
    """The contract's area settlement (a record under it): 100.00 m² contracted at 20 000.00 per m²."""
    ctx = make_ctx(project, record_id=record_id, lineage=contract.lineage, flow="area_settlement", now=at)
    settle_area(ctx, contracted_area="100.00", measured_area=measured, price_per_m2="20000.00", into="settlement")
    return ctx


@pytest.fixture
def rules_in_may(project):
    """Pricing (band 3 %) and commission rules in force since April."""
    publish_at(project, "pricing", pricing_with_band("0.03"), BEFORE)
    publish_at(project, "commission", example_rules("commission"), BEFORE)


def test_a_contract_signed_before_a_band_change_keeps_the_old_band_through_settlement_and_clawback(project,
                                                                                                   rules_in_may):
    # given: a contract signed under the 3 % band; the project then widens the band to 5 %
    consultant = User.objects.create_user("li.na", password="x")
    contract = sign(project, consultant=consultant)
    publish_at(project, "pricing", pricing_with_band("0.05"), CHANGE)

    # when: the survey, a month later, finds 4 % more area
    first = settle(project, contract, at=NOW + timedelta(days=30))

    # then: settled under the band it was signed under: 3 % at P, the developer bears 1 %, the buyer may cancel
    s = first.changes["settlement"]
    assert (s["rules_revision"], s["rule"]["band"]) == (1, "0.03")
    assert (s["buyer_pays"], s["developer_bears"], s["may_cancel"]) == ("60000.00", "20000.00", True)

    # when: the settlement is sent back and entered again, under the same record
    again = settle(project, contract, at=NOW + timedelta(days=40), record_id=first.record_id)

    # then: the same terms
    assert again.changes["settlement"] == s

    # when: the buyer cancels (allowed only under the old band) and the commission is clawed back
    ctx = make_ctx(project, record_id=first.record_id, lineage=contract.lineage, now=NOW + timedelta(days=45))
    claw_back(ctx, reason="误差超过 3%，退房")

    # then: the deal's commission is reversed under the revision it was signed with
    deal = CommissionDeal.objects.get(record_id=contract.record_id)
    assert (deal.rules_revision, deal.cancelled_at is not None) == (1, True)
    assert set(CommissionEntry.objects.filter(deal=deal).values_list("status", flat=True)) == {"reversed"}


def test_a_contract_signed_after_the_change_settles_under_the_new_band(project, rules_in_may):
    # given: the band widened to 5 % before this contract was signed
    publish_at(project, "pricing", pricing_with_band("0.05"), CHANGE)
    contract = sign(project, at=CHANGE + timedelta(hours=2))

    # when
    s = settle(project, contract, at=NOW + timedelta(days=30)).changes["settlement"]

    # then: 4 % is inside the new band: the whole difference at P, no cancelling
    assert (s["rules_revision"], s["rule"]["band"]) == (2, "0.05")
    assert (s["buyer_pays"], s["developer_bears"], s["may_cancel"]) == ("80000.00", "0.00", False)


def test_a_contract_without_frozen_rules_is_frozen_at_its_first_settlement(project, rules_in_may):
    # given: a contract signed on a flow version without pricing.freeze_rules
    contract = make_ctx(project, now=NOW)
    first = settle(project, contract, at=NOW + timedelta(hours=1))

    # when: the band changes, and the settlement is entered again
    publish_at(project, "pricing", pricing_with_band("0.05"), CHANGE)
    again = settle(project, contract, at=NOW + timedelta(days=30), record_id=first.record_id)

    # then: frozen on the settlement record the first time: the re-run reads the same revision
    assert again.changes["settlement"]["rule"]["band"] == first.changes["settlement"]["rule"]["band"] == "0.03"
    assert DealRules.objects.get(plugin="pricing").record_id == first.record_id


def test_a_scheduled_revision_takes_effect_only_from_its_date(project):
    # given: rules in force now, and new ones scheduled ten days ahead
    publish_rules(project, "pricing", pricing_with_band("0.03"))
    start = timezone.now() + timedelta(days=10)
    scheduled = publish_rules(project, "pricing", pricing_with_band("0.05"), valid_from=start)

    # then: until then the first revision is in force; from then, the scheduled one
    assert scheduled.revision == 2
    assert rules_for(project.pk, "pricing").config["area_settlement"]["band"] == "0.03"
    assert rules_for(project.pk, "pricing", start - timedelta(seconds=1)).revision == 1
    assert rules_for(project.pk, "pricing", start).revision == 2

    # and: a contract signed before the date is frozen at revision 1, one signed after at 2
    before = make_ctx(project, now=start - timedelta(hours=1))
    after = make_ctx(project, now=start + timedelta(hours=1))
    freeze_rules(before)
    freeze_rules(after)
    assert [d.rule_revision.revision for d in DealRules.objects.order_by("decided_at")] == [1, 2]


def test_rules_only_scheduled_are_not_in_force_yet_and_say_from_when(project):
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    publish_rules(project, "pricing", pricing_with_band("0.03"), valid_from=start)

    with pytest.raises(RulesNotYetInForce) as refused:
        rules_for(project.pk, "pricing")
    out = io.StringIO()
    call_command("rules", "show", "--project", "PLG", "pricing", stdout=out)
    assert out.getvalue().splitlines()[0].endswith("(scheduled)")

    local = start.astimezone(project.zone)
    assert refused.value.message("en") == (f"project PLG's pricing rules take effect only from "
                                           f"{local:%Y-%m-%d %H:%M} Asia/Shanghai")
    assert refused.value.message("zh").startswith("项目 PLG 的pricing规则自 ")


def test_a_revision_dated_in_the_past_is_refused_and_nothing_is_stored(project):
    publish_rules(project, "pricing", pricing_with_band("0.03"))

    with pytest.raises(ValidFromInPast) as refused:
        publish_rules(project, "pricing", pricing_with_band("0.05"), valid_from=timezone.now() - timedelta(days=1))
    with pytest.raises(ValueError, match="timezone-aware"):
        publish_rules(project, "pricing", pricing_with_band("0.05"),
                      valid_from=(timezone.now() + timedelta(days=1)).replace(tzinfo=None))

    assert "cannot take effect in the past" in refused.value.message("en")
    assert list(RuleRevision.objects.values_list("revision", flat=True)) == [1]


def test_apply_to_open_lists_the_open_deals_then_changes_only_those(project, rules_in_may):
    # given: two contracts signed under the 3 % band; one already settled (closed); then the band is widened
    settled_one, open_one = sign(project), sign(project, at=NOW + timedelta(minutes=5))
    settle(project, settled_one, at=NOW + timedelta(hours=1))
    publish_at(project, "pricing", pricing_with_band("0.05"), CHANGE)

    # when: the admin lists the open deals
    revision, listed = deal_rules.open_deals(project.pk, "pricing")

    # then: only the unsettled contract, with the revision it is frozen at
    assert revision.revision == 2
    assert [(d.reference, d.revision) for d in listed] == [(open_one.reference, 1)]

    # when: the admin applies revision 2 to them
    admin = User.objects.create_user("admin", password="x")
    changed = deal_rules.apply_to_open(project.pk, "pricing", listed, 2, user=admin)

    # then: the open contract settles under the new band; the settled one kept its terms; the history says who
    assert [d.reference for d in changed] == [open_one.reference]
    binding = DealRules.objects.get(plugin="pricing", record_id=open_one.record_id)
    assert [(h.rule_revision.revision, h.history_user) for h in binding.history.order_by("history_id")] \
        == [(1, None), (2, admin)]
    assert settle(project, open_one, at=NOW + timedelta(days=30)).changes["settlement"]["rule"]["band"] == "0.05"
    assert DealRules.objects.get(plugin="pricing", record_id=settled_one.record_id).rule_revision.revision == 1


def test_apply_to_open_changes_nothing_when_other_rules_took_effect_since_the_list(project, rules_in_may):
    sign(project)
    publish_at(project, "pricing", pricing_with_band("0.05"), CHANGE)
    revision, listed = deal_rules.open_deals(project.pk, "pricing")
    publish_rules(project, "pricing", pricing_with_band("0.04"))  # revision 3, in force from now

    with pytest.raises(deal_rules.StaleList):
        deal_rules.apply_to_open(project.pk, "pricing", listed, revision.revision)

    assert list(DealRules.objects.filter(plugin="pricing").values_list("rule_revision__revision", flat=True)) == [1]


def test_the_command_lists_the_open_deals_first_and_applies_only_when_told(project, rules_in_may):
    contract = sign(project)
    publish_at(project, "pricing", pricing_with_band("0.05"), CHANGE)

    # without --yes (no terminal to ask): listed, nothing applied
    out = io.StringIO()
    with pytest.raises(CommandError, match="run again with --yes"):
        call_command("rules", "apply-to-open", "--project", "PLG", "pricing", stdout=out)
    assert out.getvalue().splitlines() == [
        "Revision 2 of the pricing rules is in force (from 2026-05-13 10:00 Asia/Shanghai). "
        "1 open deal(s) are frozen at earlier rules:",
        f"  {contract.reference}: revision 1, decided 2026-05-12 10:00 Asia/Shanghai",
    ]
    assert DealRules.objects.get(plugin="pricing").rule_revision.revision == 1

    # with --yes: the same list, then applied
    out = io.StringIO()
    call_command("rules", "apply-to-open", "--project", "PLG", "pricing", "--yes", stdout=out)
    assert out.getvalue().splitlines()[-1] == "1 deal(s) now read revision 2."
    assert DealRules.objects.get(plugin="pricing").rule_revision.revision == 2

    # and in Chinese
    out = io.StringIO()
    call_command("rules", "--lang", "zh", "apply-to-open", "--project", "PLG", "pricing", stdout=out)
    assert "没有" in out.getvalue()


def test_the_command_schedules_a_revision_and_shows_the_timeline_with_zones(project, tmp_path):
    source = tmp_path / "pricing.json"
    source.write_text(__import__("json").dumps(pricing_with_band("0.03")), encoding="utf-8")
    day = (timezone.now() + timedelta(days=20)).astimezone(project.zone).date()
    out = io.StringIO()

    call_command("rules", "publish", "--project", "PLG", "pricing", str(source), stdout=out)
    call_command("rules", "publish", "--project", "PLG", "--valid-from", day.isoformat(), "pricing", str(source),
                 stdout=out)
    call_command("rules", "show", "--project", "PLG", "pricing", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[1] == f"PLG: pricing rules revision 2 published, in force from {day:%Y-%m-%d} 00:00 Asia/Shanghai"
    assert re.fullmatch(r"# revision 1: from .+ Asia/Shanghai, published .+ Asia/Shanghai \(in force\)", lines[2])
    assert re.fullmatch(rf"# revision 2: from {day:%Y-%m-%d} 00:00 Asia/Shanghai, published .+ \(scheduled\)",
                        lines[3])
    assert lines[4] == "# rules of revision 1:"
    with pytest.raises(CommandError, match="cannot take effect in the past"):
        call_command("rules", "publish", "--project", "PLG", "--valid-from", "2020-01-01", "pricing", str(source))
    with pytest.raises(CommandError, match="is not a date"):
        call_command("rules", "publish", "--project", "PLG", "--valid-from", "next week", "pricing", str(source))


# Commission: tiers frozen per deal

def commission_with_tiers(*tiers: tuple[int, int | None, str]) -> dict:
    config = copy.deepcopy(example_rules("commission"))
    config["consultant"]["tiers"] = [{"from": a, **({} if b is None else {"to": b}), "rate": r} for a, b, r in tiers]
    return config


def consultant_commission(deal_reference: str) -> D:
    return sum((e.amount for e in CommissionEntry.objects.filter(deal__reference=deal_reference,
                                                                  beneficiary_kind="consultant")
                .exclude(status="reversed")), D("0.00"))


def test_deals_accrued_under_old_tier_thresholds_keep_their_tier(project, rules_in_may):
    # given: four deals in May under 1–5 at 0.3 %; then the thresholds change to 1–3 at 0.3 %, 4 and up at 0.5 %
    consultant = User.objects.create_user("li.na", password="x")
    old = [sign(project, consultant=consultant, at=NOW + timedelta(minutes=i)) for i in range(4)]
    publish_at(project, "commission", commission_with_tiers((1, 3, "0.003"), (4, None, "0.005")), CHANGE)

    # when: a fifth deal is signed in the same month, under the new thresholds
    new = sign(project, consultant=consultant, at=CHANGE + timedelta(hours=1))

    # then: the four keep 0.3 % (five deals are still tier 1–5 under their rules); the fifth earns 0.5 %
    assert [consultant_commission(c.reference) for c in old] == [D("6000.00")] * 4
    assert consultant_commission(new.reference) == D("10000.00")
    assert list(CommissionDeal.objects.order_by("signed_at").values_list("rules_revision", flat=True)) \
        == [1, 1, 1, 1, 2]

    # when: one old deal is cancelled, the month is re-tiered, each deal under its own revision
    claw_back(make_ctx(project, record_id=old[0].record_id, now=CHANGE + timedelta(days=2)), reason="退房")

    # then: nothing moved for the others
    assert [consultant_commission(c.reference) for c in old[1:]] == [D("6000.00")] * 3
    assert consultant_commission(new.reference) == D("10000.00")


def test_applying_new_tiers_to_open_deals_re_tiers_them(project, rules_in_may):
    consultant = User.objects.create_user("li.na", password="x")
    old = [sign(project, consultant=consultant, at=NOW + timedelta(minutes=i)) for i in range(4)]
    publish_at(project, "commission", commission_with_tiers((1, 3, "0.003"), (4, None, "0.005")), CHANGE)

    revision, listed = deal_rules.open_deals(project.pk, "commission")
    assert [d.reference for d in listed] == [c.reference for c in old]
    deal_rules.apply_to_open(project.pk, "commission", listed, revision.revision)

    # four deals under 4-and-up at 0.5 %: each adjusted by a new entry of 4 000.00, the old entries untouched
    assert [consultant_commission(c.reference) for c in old] == [D("10000.00")] * 4
    assert list(CommissionEntry.objects.filter(deal__reference=old[0].reference).order_by("id")
                .values_list("amount", flat=True)) == [D("6000.00"), D("4000.00")]
    assert set(CommissionDeal.objects.values_list("rules_revision", flat=True)) == {2}


# Points: the rules of the event's date

def test_points_are_awarded_under_the_rules_in_force_at_the_event_and_the_lot_says_which(project):
    publish_at(project, "points", example_rules("points"), BEFORE)
    richer = copy.deepcopy(example_rules("points"))
    richer["events"][0]["points"] = 300
    publish_at(project, "points", richer, CHANGE)
    customer = make_customer()

    for at in (NOW, CHANGE + timedelta(hours=1)):
        actions["points.award"](make_ctx(project, flow="event", now=at), rule="event", customer=customer.pk,
                                event="open_day")

    assert list(PointsLot.objects.order_by("earned_at").values_list("points", "rules_revision")) \
        == [(200, 1), (300, 2)]
