"""Trade-in and resale money (issue 15 item 5), through the engine: the old home credited in the new unit's
frozen quote (pricing.quote, `trade_in_credit`), and the consultant's resale commission at closing
(commission.accrue, kind resale).

S1's rules (conftest): units of 128.50 m² at 3 058 300.00, full payment 98 折, the consultant's allowance
2 %, rounding to the yuan; here the pricing rules also cap a trade-in at 50 % of the price after
discounts (revision 2) and the commission rules pay 1 % of a resale's agreed price (revision 2).
The resale is approved at 1 450 000.00, the trade-in credit; its agreed price is 1 400 000.00.
"""
import copy
import html
import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import timezone

from engine.runtime import GuardFailed, records
from engine.runtime.errors import ActionFailed
from extensions import registry
from extensions.errors import InvalidArgument
from extensions.rulesets import publish_rules
from kernel import receivables
from kernel.actions import ActionContext
from kernel.models import ReceivableSchedule
from plugins.commission.models import CommissionDeal

from .conftest import COMMISSION, PRICING
from .steps import approve, child, commission, fire, refused, review_contract, sale

PRICE = {"valuation_amount": "1400000.00", "approved_price": "1450000.00", "floor_price": "1380000.00"}
AGREEMENT = {"agreement_no": "M1", "agreed_price": "1400000.00", "deposit": "50000.00"}
TERMS = {"contract_no": "HT-TI", "area_basis": "built", "contract_area": "128.50", "delivery_date": "2027-12-31"}


def with_credit_cap(share: str) -> dict:
    config = copy.deepcopy(PRICING)
    config["credits"] = {"trade_in": {"max_share_of_price": share}}
    return config


@pytest.fixture
def capped(world):
    """S1 with the trade-in capped at 50 % (pricing rules revision 2) and a 1 % resale rate (commission revision 2)."""
    p, _u, _units = world
    publish_rules(p, "pricing", with_credit_cap("0.50"))
    publish_rules(p, "commission", {**COMMISSION, "resale": {"rate": "0.01"}})
    return world


def priced(p, u, owner, *, new_unit=None):
    """A resale through valuation and the price countersign (1 450 000.00), a trade-in toward `new_unit` if given."""
    sc = u["sales_consultant"]
    trade_in = new_unit is not None
    r = records.start_record(sc, p, "resale", {"owner_customer_id": owner.pk, "property_address": "老城区 9 号",
                                               "trade_in": trade_in})
    r = fire(sc, r, "submit_for_valuation", {"property_certificate_no": "C9", "built_area": "88.00",
                                             "asking_price": "1500000.00", "trade_in": trade_in,
                                             **({"new_unit_id": new_unit.pk} if trade_in else {})}, to="valuation")
    r = fire(sc, r, "submit_price", PRICE, to="price_review")
    return approve(r, u["sales_manager"], u["finance"], fires="approve_price", to="priced")


def sold_and_transferred(u, r, buyer):
    sc, clerk = u["sales_consultant"], u["contract_clerk"]
    r = fire(sc, r, "register_buyer", {"buyer_customer_id": buyer.pk}, to="buyer_found")
    r = fire(sc, r, "sign_agreement", AGREEMENT, to="under_agreement")
    r = fire(clerk, r, "submit_transfer", {"transfer_submitted_on": "2026-08-01"}, to="transferring")
    return fire(clerk, r, "complete_transfer", {"new_certificate_no": "N9", "transfer_date": "2026-08-15"},
                to="closed")


def schedule_lines(record):
    schedule = ReceivableSchedule.objects.get(project_id=record.project_id)
    return [(line.kind, line.amount, line.received) for line in receivables.statement(schedule, date(2026, 6, 1)).lines]


def page_text(client, user, record, language="zh-hans") -> str:
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    main = client.get(f"/records/{record.pk}/").content.decode().split("<main", 1)[1]
    main = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


def test_the_old_home_is_a_credit_line_of_the_new_units_quote_and_the_receivables_follow_it(capped, customers,
                                                                                               client):
    p, u, units = capped
    sc, owner = u["sales_consultant"], customers["c11"]
    r = fire(sc, priced(p, u, owner, new_unit=units[8]), "publish_with_trade_in", to="listed")
    ts = child(r, "subscription")
    assert (ts.data["trade_in_credit"], sale(units[8])) == ("1450000.00", ("reserved", r.reference))

    # full payment: 3 058 300.00 × 0.98 = 2 997 134.00; 2 % by hand: × 0.98 = 2 937 191.32 → 2 937 191.00 after
    # discounts, the deal price; the old home (at most 50 % of it, 1 468 595.50) pays 1 450 000.00 of it:
    # 1 487 191.00 is left to pay
    ts = fire(sc, ts, "quote", {"unit_id": units[8].pk, "payment_plan": "full", "discount_rate": "0.02"}, to="draft")
    q = ts.data["price_snapshot"]
    assert (ts.data["list_price"], q["price_after_discounts"], ts.data["deal_price"], q["deal_price"], q["to_pay"]) == (
        "3058300.00", "2937191.00", "2937191.00", "2937191.00", "1487191.00")
    assert q["credits"] == [{"credit": "trade_in", "amount": "1450000.00", "before": "2937191.00",
                             "after": "1487191.00"}]
    # not a discount: (3 058 300 − 2 937 191) / 3 058 300 = 0.0396; P = 2 937 191.00 / 128.50 = 22 857.52;
    # 2 % is within the consultant's allowance although the credit is 49 % of the price: no approval
    assert (q["total_discount_rate"], q["deal_price_per_m2"], q["approval"], q["rules_revision"]) == (
        "0.0396", "22857.52", "none", 2)

    # submitted: the whole price is due, the old home's credit a line settled by itself: 50 000.00 now,
    # 2 937 191.00 − 50 000.00 − 1 450 000.00 = 1 437 191.00 at signing
    ts = fire(sc, ts, "submit", {"buyers": [{"customer_id": owner.pk}], "deposit": "50000.00"}, to="awaiting_contract")
    assert sale(units[8]) == ("subscribed", ts.reference)
    assert schedule_lines(ts) == [("deposit", D("50000.00"), D("50000.00")),
                                  ("credit", D("1450000.00"), D("1450000.00")),
                                  ("down_payment", D("1437191.00"), D("0.00"))]

    # the record page shows the frozen quote's credit line by its name (a table whose columns come in the
    # order the database keeps the keys: PostgreSQL's jsonb sorts them), and the price after discounts
    text = page_text(client, sc, ts)
    credits = text[text.index("所需审批"):text.index("关联记录")]
    assert "折后价 ¥2,937,191.00" in credits and "成交价 ¥2,937,191.00" in text and "应付金额 ¥1,487,191.00" in text
    for shown in ("抵扣类别", "金额", "抵扣前", "抵扣后", "置换抵扣额（旧房）", "¥1,450,000.00", "¥1,487,191.00"):
        assert shown in credits, shown
    english = page_text(client, sc, ts, "en")
    credits = english[english.index("Approval needed"):english.index("Linked records")]
    for shown in ("Price after discounts ¥2,937,191.00", "Credit", "Before the credit", "After the credit",
                  "Trade-in credit (old home)", "To pay after credits ¥1,487,191.00"):
        assert shown in credits, shown


def test_the_discount_approval_panel_counts_the_credit_apart_from_the_discount(capped, customers, client):
    p, u, units = capped
    sc, owner = u["sales_consultant"], customers["c11"]
    ts = child(fire(sc, priced(p, u, owner, new_unit=units[7]), "publish_with_trade_in", to="listed"), "subscription")
    # 3 %, the manager's approval: 2 997 134.00 × 0.97 = 2 907 219.98 → 2 907 220.00; − 1 450 000.00 = 1 457 220.00
    ts = fire(sc, ts, "quote", {"unit_id": units[7].pk, "payment_plan": "full", "discount_rate": "0.03"}, to="draft")
    ts = fire(sc, ts, "submit", {"buyers": [{"customer_id": owner.pk}], "deposit": "50000.00"},
              to="manager_discount_review")

    text = page_text(client, u["sales_manager"], ts)

    # the discount is 3 058 300.00 − 2 907 220.00 = 151 080.00 (4.94 %), the deal price 2 907 220.00; the credit
    # pays part of it, a line of its own under it, and what is left to pay
    assert ("表价 ¥3,058,300.00 一次性付款 98 折 98% 手工折扣 3% 优惠金额 ¥151,080.00 成交价 ¥2,907,220.00 "
            "置换抵扣额（旧房） -¥1,450,000.00 应付金额 ¥1,457,220.00 总折扣 4.94%") in text


def test_a_trade_in_credit_above_the_cap_is_refused_when_the_deal_is_quoted(world, customers):
    p, u, units = world
    publish_rules(p, "pricing", with_credit_cap("0.30"))
    sc, owner = u["sales_consultant"], customers["c11"]
    ts = child(fire(sc, priced(p, u, owner, new_unit=units[6]), "publish_with_trade_in", to="listed"), "subscription")

    # after discounts 2 997 134.00; 30 % of it is 899 140.20
    error = refused(ActionFailed, sc, ts, "quote", {"unit_id": units[6].pk, "payment_plan": "full"})

    assert error.message("en") == (
        "a trade-in credit of 1450000.00 is above this project's cap of 899140.20 (30 % of the price after "
        "discounts): agree a lower credit, or have an admin change the pricing rules (credits.trade_in)")
    assert error.message("zh") == ("置换抵扣额 1450000.00 超出本项目上限 899140.20（折后价的 30%），请协商降低抵扣额，"
                                   "或请管理员修改定价规则（credits.trade_in）")
    assert "price_snapshot" not in ts.data


def test_the_frozen_quote_keeps_its_credit_when_the_rules_change_and_a_new_quote_reads_the_new_rules(capped,
                                                                                                     customers):
    p, u, units = capped
    sc, mgr, owner = u["sales_consultant"], u["sales_manager"], customers["c11"]
    ts = child(fire(sc, priced(p, u, owner, new_unit=units[5]), "publish_with_trade_in", to="listed"), "subscription")
    # 2 997 134.00 after discounts, the deal price; − 1 450 000.00 = 1 547 134.00 to pay
    ts = fire(sc, ts, "quote", {"unit_id": units[5].pk, "payment_plan": "full"}, to="draft")
    ts = fire(sc, ts, "submit", {"buyers": [{"customer_id": owner.pk}], "deposit": "50000.00"}, to="awaiting_contract")
    frozen = ts.data["price_snapshot"]
    assert (frozen["deal_price"], frozen["to_pay"], frozen["rules_revision"]) == ("2997134.00", "1547134.00", 2)

    # the project lowers the cap to 30 % (revision 3): the deal keeps its frozen price and schedule
    publish_rules(p, "pricing", with_credit_cap("0.30"))
    ts = fire(sc, ts, "request_buyer_change", {"change_buyers": [{"customer_id": owner.pk}],
                                               "change_reason": "spelling"}, to="buyer_change_review")
    ts = approve(ts, mgr, u["project_director"], fires="approve_buyer_change", to="awaiting_contract")
    assert ts.data["price_snapshot"] == frozen and ts.data["deal_price"] == "2997134.00"
    assert schedule_lines(ts) == [("deposit", D("50000.00"), D("50000.00")),
                                  ("credit", D("1450000.00"), D("1450000.00")),
                                  ("down_payment", D("1497134.00"), D("0.00"))]

    # a price change is quoted again, credit and all, under revision 3: 1 % by hand leaves
    # 2 997 134.00 × 0.99 = 2 967 162.66 → 2 967 163.00, whose 30 % (890 148.90) the old home exceeds
    error = refused(ActionFailed, mgr, ts, "request_price_change", {"change_discount_rate": "0.01",
                                                                     "change_reason": "loyal customer"})
    assert error.message("en").startswith("a trade-in credit of 1450000.00 is above this project's cap of 890148.90")


def test_a_resale_closing_accrues_the_consultants_commission_payable_at_once(capped, customers):
    p, u, _units = capped
    sc = u["sales_consultant"]
    r = fire(sc, priced(p, u, customers["c11"]), "publish", to="listed")
    r = fire(sc, r, "register_buyer", {"buyer_customer_id": customers["c12"].pk}, to="buyer_found")
    r = fire(sc, r, "sign_agreement", AGREEMENT, to="under_agreement")
    assert commission(r) == []  # the agreement alone earns nothing: the buyer may still withdraw

    r = sold_and_transferred(u, fire(sc, r, "buyer_withdraws", {"withdraw_reason": "x"}, to="listed"),
                             customers["c10"])

    # 1 % of the agreed 1 400 000.00 = 14 000.00 for the consultant who handled it, payable at closing
    assert commission(r) == [("consultant", D("14000.00"), "payable")]
    deal = CommissionDeal.objects.get(record_id=r.pk)
    assert (deal.kind, deal.consultant_id, deal.contract_amount, deal.rules_revision, deal.released_at is not None) == (
        "resale", sc.pk, D("1400000.00"), 2, True)
    assert deal.entries.get().note == "resale 0.01"


def test_a_resale_earns_nothing_under_rules_without_a_resale_rate_or_when_withdrawn(world, customers):
    p, u, _units = world  # S1's commission rules have no `resale` section
    sc = u["sales_consultant"]
    r = sold_and_transferred(u, fire(sc, priced(p, u, customers["c11"]), "publish", to="listed"), customers["c12"])
    assert (r.state, commission(r)) == ("closed", [])

    publish_rules(p, "commission", {**COMMISSION, "resale": {"rate": "0.01"}})
    w = fire(sc, priced(p, u, customers["c10"]), "publish", to="listed")
    w = fire(u["sales_manager"], w, "cancel", {"withdraw_reason": "owner keeps it"}, to="withdrawn")
    assert commission(w) == [] and not CommissionDeal.objects.exists()


def test_a_trade_in_pays_the_resale_and_the_new_home_commission_each_on_its_own_deal(capped, customers):
    p, u, units = capped
    sc, clerk, owner = u["sales_consultant"], u["contract_clerk"], customers["c11"]
    r = fire(sc, priced(p, u, owner, new_unit=units[4]), "publish_with_trade_in", to="listed")
    ts = child(r, "subscription")
    ts = fire(sc, ts, "quote", {"unit_id": units[4].pk, "payment_plan": "full"}, to="draft")
    ts = fire(sc, ts, "submit", {"buyers": [{"customer_id": owner.pk}], "deposit": "50000.00"}, to="awaiting_contract")

    # the old home is sold first: 1 % of 1 400 000.00
    r = sold_and_transferred(u, r, customers["c12"])
    assert commission(r) == [("consultant", D("14000.00"), "payable")]

    # the new unit's contract, a descendant of the resale, accrues its own new-home commission on the contract
    # price, before the credit (the old home pays part of it, it does not make the unit cheaper):
    # 0.3 % of 2 997 134.00 = 8 991.402 → 8 991.40
    ts = fire(clerk, ts, "sign", to="contracted")
    con = review_contract(u, child(ts, "contract"), TERMS)
    assert (con.data["deal_price"], con.data["credit"]) == ("2997134.00", "1450000.00")
    # P = 2 997 134.00 / 128.50 = 23 324.00, the frozen quote's own
    assert con.data["unit_price"] == ts.data["price_snapshot"]["deal_price_per_m2"] == "23324.00"
    # the down payment may not be more than the price less the deposit and the credit: 1 497 134.00
    refused(GuardFailed, clerk, con, "sign", {"signed_on": "2026-06-01", "down_payment": "1497134.01"})
    con = fire(clerk, con, "sign", {"signed_on": "2026-06-01", "down_payment": "1497134.00"}, to="signed")
    assert commission(con) == [("consultant", D("8991.40"), "accrued")]
    # purchase points on the contract price: 2 997 134.00 / 100 = 29 971, capped at 20 000 (1 547 134.00 would
    # have been 15 471)
    assert con.data["points_awarded"] == 20000
    assert schedule_lines(con) == [("deposit", D("50000.00"), D("50000.00")),
                                   ("credit", D("1450000.00"), D("1450000.00")),
                                   ("down_payment", D("1497134.00"), D("1497134.00"))]
    assert commission(r) == [("consultant", D("14000.00"), "payable")]
    assert sorted(CommissionDeal.objects.values_list("kind", flat=True)) == ["resale", "sale"]


def test_resale_deals_do_not_count_in_the_consultants_monthly_tiers(capped, customers):
    p, u, _units = capped
    sc = u["sales_consultant"]
    r = sold_and_transferred(u, fire(sc, priced(p, u, customers["c11"]), "publish", to="listed"), customers["c12"])
    assert commission(r) == [("consultant", D("14000.00"), "payable")]

    # five new-home deals of 2 000 000.00 in the same month: tier 1–5 at 0.3 % = 6 000.00 each; were the
    # resale counted, six deals would lift all of them to 0.4 % (8 000.00)
    accrue = registry.implementations()["commission.accrue"]
    for n in range(5):
        record_id = 900000 + n
        accrue(ActionContext(project_id=p.pk, record_id=record_id, reference=f"CON-{record_id}", flow="contract",
                             user_id=sc.pk, now=timezone.now(), data={}, lineage=(record_id,)),
               contract_amount="2000000.00", consultant=sc.pk)
    sales = CommissionDeal.objects.filter(kind="sale")
    assert [e.amount for d in sales for e in d.entries.all()] == [D("6000.00")] * 5


def test_a_resale_commission_names_no_channel_or_referrer(capped, customers):
    p, u, _units = capped
    accrue = registry.implementations()["commission.accrue"]
    ctx = ActionContext(project_id=p.pk, record_id=910000, reference="RSL-910000", flow="resale", user_id=None,
                        now=timezone.now(), data={}, lineage=(910000,))

    with pytest.raises(InvalidArgument) as refused_:
        accrue(ctx, kind="resale", contract_amount="1400000.00", consultant=u["sales_consultant"].pk,
               channel="agency_a")

    assert refused_.value.message_en == ("channel must be nothing for a resale (its commission is the consultant's "
                                         "resale rate), got agency_a")
    assert not CommissionDeal.objects.exists()


@pytest.mark.parametrize("resale, problems", [
    ({"rate": "1.00"}, ["resale.rate: must be at least 0 and below 1 (0.015 is 1.5 %)"]),
    ({}, ["resale: missing required key 'rate'"]),
    ({"rate": "0.01", "minimum": "1000.00"}, ["resale.minimum: unknown key 'minimum'"]),
])
def test_the_resale_rate_is_checked_with_its_path(resale, problems):
    found = registry.validate_rules("commission", {**COMMISSION, "resale": resale})

    assert [f"{p.path_text}: {p.message()}" for p in found] == problems
