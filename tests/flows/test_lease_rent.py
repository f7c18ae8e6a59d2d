"""Rent on leases 租赁 and merchant leases 招商 through the engine: the schedule drawn up at signing, rent
received against it, redrawn on renewal, expansion and termination, and lease-to-buy's credit.

The lease throughout (hand-computed, kernel.rent_schedule's rules): 7 800.00 a month from 1 July 2026
to 30 June 2028, paid quarterly, 45 days rent-free, 5 % a year, a deposit of 15 600.00.
- the first quarter: July free, August 7 800.00 × 17/31 = 4 277.42, September 7 800.00: 12 077.42
- then 3 × 23 400.00; the second year 7 800.00 × 1.05 = 8 190.00 a month: 4 × 24 570.00
- the whole rent: 12 077.42 + 70 200.00 + 98 280.00 = 180 557.42
"""
from datetime import date
from decimal import Decimal as D

from django.utils import timezone

from engine.models import Record
from engine.runtime import GuardFailed, NotPermitted, TransitionNotAvailable, records
from engine.runtime.errors import ActionFailed
from kernel import receivables
from kernel.models import ReceivableSchedule
from kernel.payments import net_collections

from .steps import approve, assert_open_tasks, child, complete, fire, payments, refused, sale

ACTIVE = ("manage_tenancy", "work", "leasing_agent")
TERMS = {"monthly_rent": "7800.00", "deposit": "15600.00", "term_start": "2026-07-01", "term_months": 24,
         "rent_free_days": 45, "escalation_rate": "0.05", "payment_cycle": "quarterly",
         "lease_to_buy_credit_rate": "0.5"}
FIRST_YEAR = [(date(2026, 7, 1), D("12077.42")), (date(2026, 10, 1), D("23400.00")),
              (date(2027, 1, 1), D("23400.00")), (date(2027, 4, 1), D("23400.00"))]
SECOND_YEAR = [(date(2027, 7, 1), D("24570.00")), (date(2027, 10, 1), D("24570.00")),
               (date(2028, 1, 1), D("24570.00")), (date(2028, 4, 1), D("24570.00"))]


def signed(p, u, unit, customer, deposit_received="15600.00"):
    """The lease listed, held, its terms approved and signed with the deposit taken (the whole one by default)."""
    ag = u["leasing_agent"]
    lease = records.start_record(ag, p, "lease", {"unit_id": unit.pk, "listing_rent": "8000.00"})
    lease = fire(ag, lease, "publish", {"unit_id": unit.pk, "listing_rent": "8000.00"}, to="listed")
    lease = fire(ag, lease, "register_prospect", {"customer_id": customer.pk}, to="prospect")
    lease = fire(ag, lease, "hold_unit", to="held")
    lease = fire(ag, lease, "submit_terms", TERMS, to="terms_review")
    lease = approve(lease, u["project_director"], u["finance"], fires="approve_terms", to="signing")
    return fire(ag, lease, "sign_lease", {"lease_contract_no": "ZL-9", "term_end": "2028-06-30",
                                          "deposit_received": deposit_received}, to="active")


def schedule_of(record) -> ReceivableSchedule:
    return ReceivableSchedule.objects.get(project_id=record.project_id, deal_id=record.pk)


def rent(record) -> list[tuple]:
    """(due on, amount) of the record's rent lines."""
    return [(line.due_on, line.amount) for line in schedule_of(record).lines.order_by("position")
            if line.kind == "rent"]


def statement(record, today: date):
    s = receivables.statement(schedule_of(record), today)
    return [(line.kind, line.amount, line.received, line.balance) for line in s.lines], s


def test_signing_schedules_the_rent_rent_received_counts_against_it_and_more_than_is_due_is_refused(world, customers):
    p, u, units = world
    ag, fin = u["leasing_agent"], u["finance"]

    lease = signed(p, u, units[0], customers["c4"])

    found = schedule_of(lease)
    assert (found.payment_plan, found.deal_price) == ("lease", D("180557.42"))
    deposit = found.lines.order_by("position").first()
    signed_on = timezone.localdate(timezone=p.zone)  # the deposit is due on the day of signing
    assert (deposit.kind, deposit.due_on, deposit.amount) == ("security_deposit", signed_on, D("15600.00"))
    assert rent(lease) == FIRST_YEAR + SECOND_YEAR
    assert lease.data["rent_steps"] == [{"starts_on": "2026-07-01", "monthly_rent": "7800.00",
                                         "escalation_rate": "0.05"}]
    assert payments(lease) == [(lease.reference, "security_deposit", D("15600.00"))]

    # 收租: the agent records the first quarter, finance the second
    refused(NotPermitted, u["sales_consultant"], lease, "record_rent", {"rent_received_amount": "100.00"})
    lease = fire(ag, lease, "record_rent", {"rent_received_amount": "12077.42"}, to="active")
    lease = fire(fin, lease, "record_rent", {"rent_received_amount": "23400.00"}, to="active")
    assert_open_tasks(lease, {ACTIVE})
    assert lease.data["rent_received"] == "35477.42"

    # 180 557.42 − 35 477.42 = 145 080.00 is all the rent still due: a fen more is refused, nothing written
    error = refused(ActionFailed, fin, lease, "record_rent", {"rent_received_amount": "145080.01"})
    assert str(error) == (f"{lease.reference}: ¥145,080.01 typed as rent, but only ¥145,080.00 is still due for "
                          "it on the lease; check the amount")
    refused(GuardFailed, fin, lease, "record_rent", {"rent_received_amount": "0.00"})

    # 应收/实收/欠款 on 15 January 2027: the third quarter (due 1 January) is owed and overdue
    lines, s = statement(lease, date(2027, 1, 15))
    assert lines[:5] == [("security_deposit", D("15600.00"), D("15600.00"), D("0.00")),
                         ("rent", D("12077.42"), D("12077.42"), D("0.00")),
                         ("rent", D("23400.00"), D("23400.00"), D("0.00")),
                         ("rent", D("23400.00"), D("0.00"), D("23400.00")),
                         ("rent", D("23400.00"), D("0.00"), D("23400.00"))]
    assert (s.due, s.received, s.balance, s.overdue) == (D("196157.42"), D("51077.42"), D("145080.00"),
                                                         D("23400.00"))


def test_a_renewal_runs_the_schedule_on_and_a_termination_cuts_it_then_the_deposit_is_settled(world, customers):
    p, u, units = world
    ag, director, fin = u["leasing_agent"], u["project_director"], u["finance"]
    lease = signed(p, u, units[1], customers["c5"])
    lease = fire(ag, lease, "record_rent", {"rent_received_amount": "12077.42"}, to="active")

    # 续租 to 30 June 2030 at 26 000.00 a month (flat): 78 000.00 a quarter from 1 July 2028
    lease = fire(ag, lease, "request_renewal", {"renewal_term_end": "2030-06-30", "renewal_rent": "26000.00"},
                 to="renewal_review")
    lease = approve(lease, director, fires="approve_renewal", to="active")

    renewal = [(date(y, m, 1), D("78000.00")) for y, m in ((2028, 7), (2028, 10), (2029, 1), (2029, 4), (2029, 7),
                                                            (2029, 10), (2030, 1), (2030, 4))]
    assert rent(lease) == FIRST_YEAR + SECOND_YEAR + renewal
    assert lease.data["rent_steps"][1] == {"starts_on": "2028-07-01", "monthly_rent": "26000.00",
                                           "escalation_rate": "0.00"}

    # 退租 on 15 August 2029: July 26 000.00 + August 26 000.00 × 15/31 = 12 580.645… → 12 580.65
    lease = fire(ag, lease, "give_notice", {"termination_date": "2029-08-15", "termination_reason": "moving"},
                 to="terminating")
    assert rent(lease) == FIRST_YEAR + SECOND_YEAR + renewal[:4] + [(date(2029, 7, 1), D("38580.65"))]
    assert schedule_of(lease).deal_price == D("531138.07")  # 180 557.42 + 4 × 78 000.00 + 38 580.65

    complete(ag, lease, "inspect_premises")
    lease = fire(fin, lease, "settle_deposit", {"deposit_deductions": "600.00", "deposit_refund": "15000.00"},
                 to="terminated")
    assert (lease.data["deposit_deductions"], lease.data["deposit_refund"]) == ("600.00", "15000.00")
    # the deposit returned is in the ledger as a deposit refund 押金退还, outside sales collections
    assert payments(lease) == [(lease.reference, "security_deposit", D("15600.00")),
                               (lease.reference, "rent", D("12077.42")),
                               (lease.reference, "deposit_refund", D("15000.00"))]
    assert net_collections(p.pk, record_ids=[lease.pk]).net == D("0.00")
    _, s = statement(lease, date(2026, 8, 1))
    assert (s.lines[0].received, s.refunded, s.excess) == (D("15600.00"), D("15000.00"), D("0.00"))
    assert sale(units[1]) == ("available", None)


def test_a_deposit_refund_beyond_the_deposit_received_is_refused_and_the_lease_stays_open(world, customers):
    p, u, units = world
    ag, fin = u["leasing_agent"], u["finance"]
    lease = signed(p, u, units[6], customers["c8"], deposit_received="10000.00")  # 5 600.00 still owed
    lease = fire(ag, lease, "give_notice", {"termination_date": "2026-08-31", "termination_reason": "moving"},
                 to="terminating")
    complete(ag, lease, "inspect_premises")

    error = refused(ActionFailed, fin, lease, "settle_deposit",
                    {"deposit_deductions": "600.00", "deposit_refund": "15000.00"})

    assert str(error) == (f"{lease.reference}: a security deposit refund of ¥15,000.00 is more than the deposit it "
                          "holds (¥10,000.00: the security deposits received less those already returned)")
    assert payments(lease) == [(lease.reference, "security_deposit", D("10000.00"))]
    lease = fire(fin, lease, "settle_deposit", {"deposit_deductions": "5600.00", "deposit_refund": "10000.00"},
                 to="terminated")
    assert payments(lease)[-1] == (lease.reference, "deposit_refund", D("10000.00"))


def test_an_expansion_redraws_the_rent_from_the_day_the_request_names(world, customers):
    p, u, units = world
    ag = u["leasing_agent"]
    lease = signed(p, u, units[2], customers["c6"])
    outside = {"expansion_unit": units[3].pk, "expansion_monthly_rent": "15000.00",
               "expansion_rent_from": "2028-07-01"}
    refused(GuardFailed, ag, lease, "request_expansion", outside)  # after the end

    lease = fire(ag, lease, "request_expansion", {**outside, "expansion_rent_from": "2026-11-16"},
                 to="expansion_review")
    lease = approve(lease, u["finance"], u["project_director"], fires="approve_expansion", to="active")

    # November (30 days): 7 800.00 × 15/30 + 15 000.00 × 15/30 = 11 400.00; the quarter 7 800.00 + 11 400.00
    # + 15 000.00 = 34 200.00; then 45 000.00; the second year 15 000.00 × 1.05 × 3 = 47 250.00
    assert rent(lease) == [FIRST_YEAR[0], (date(2026, 10, 1), D("34200.00")), (date(2027, 1, 1), D("45000.00")),
                           (date(2027, 4, 1), D("45000.00"))] + [(d, D("47250.00")) for d, _ in SECOND_YEAR]
    assert lease.data["monthly_rent"] == "15000.00" and sale(units[3]) == ("reserved", lease.reference)


def test_lease_to_buy_passes_the_agreed_share_of_the_rent_received_to_the_subscription(world, customers):
    p, u, units = world
    ag, sc = u["leasing_agent"], u["sales_consultant"]
    tenant = customers["c7"]
    lease = signed(p, u, units[4], tenant)
    lease = fire(ag, lease, "record_rent", {"rent_received_amount": "12077.42"}, to="active")
    lease = fire(ag, lease, "record_rent", {"rent_received_amount": "23400.03"}, to="active")

    lease = fire(u["sales_manager"], lease, "convert_to_purchase", to="converted")

    # 50 % of 35 477.45 = 17 738.725 → 17 738.73 (half up)
    sub = child(lease, "subscription")
    assert (sub.data["lease_credit"], sub.data["unit_id"], sub.data["customer_id"]) == (
        "17738.73", units[4].pk, tenant.pk)
    today = timezone.localdate(timezone=p.zone)
    assert all(due_on <= today for due_on, _ in rent(lease))  # the rent ends with the lease
    # the subscription's own schedule: the lease's rent is not counted as paid toward the price
    sub = fire(sc, sub, "quote", {"unit_id": units[4].pk, "payment_plan": "full"}, to="draft")
    sub = fire(sc, sub, "submit", {"buyers": [{"customer_id": tenant.pk}], "deposit": "30000.00"},
               to="awaiting_contract")
    lines, s = statement(sub, today)
    # the deal price is the price before the credit; the credit is a line settled by itself, the deposit paid
    assert sub.data["deal_price"] == sub.data["price_snapshot"]["price_after_discounts"]
    assert lines[:2] == [("deposit", D("30000.00"), D("30000.00"), D("0.00")),
                         ("credit", D("17738.73"), D("17738.73"), D("0.00"))]
    assert (schedule_of(sub).payment_plan, s.due, s.received, s.excess) == (
        "full", D(sub.data["deal_price"]), D("47738.73"), D("0.00"))
    assert schedule_of(lease).payment_plan == "lease"


def merchant_signed(p, u, unit):
    """A merchant lease signed: 36 000.00 a month for 60 months from the fit-out start on 10 September 2026,
    60 fit-out and 10 rent-free days, quarterly, a deposit of 108 000.00 taken in full."""
    mm = u["merchant_manager"]
    m = records.start_record(mm, p, "merchant_leasing", {"merchant_name": "好味零售", "business_format": "retail"})
    m = fire(mm, m, "submit_qualification", {"licence_no": "91310000X", "licence_valid_until": "2030-01-01",
                                             "brand": "好味", "brand_authorisation": "brand_owner"},
             to="qualification")
    complete(mm, m, "check_licence")
    complete(mm, m, "check_brand")
    m = fire(mm, m, "qualify", {"grade": "A"}, to="format_fit")
    m = fire(mm, m, "confirm_fit", {"unit_id": unit.pk, "planned_format": "retail", "leasable_area": "60.00"},
             to="negotiation")
    m = fire(mm, m, "submit_terms", {"monthly_rent": "36000.00", "deposit": "108000.00", "term_months": 60,
                                     "fit_out_days": 60, "rent_free_days": 10, "payment_cycle": "quarterly"},
             to="terms_review")
    m = approve(m, u["finance"], u["project_director"], fires="approve_terms", to="contracting")
    return fire(u["contract_clerk"], m, "sign_lease", {"lease_contract_no": "SZ-9", "signed_on": "2026-09-01",
                                                      "fit_out_start": "2026-09-10", "deposit_received": "108000.00"},
                to="fit_out")


def test_a_merchant_lease_runs_on_after_the_opening_rent_renewal_and_move_out_with_the_deposit_settled(
        world, customers):
    p, u, units = world
    mm, fin, director = u["merchant_manager"], u["finance"], u["project_director"]
    m = merchant_signed(p, u, units[9])
    m = fire(mm, m, "open", {"opening_date": "2026-11-10", "grade": "S"}, to="opened")
    assert_open_tasks(m, {("collect_rent_on_schedule", "work", "merchant_manager")})

    # 收租 after the opening: the first two quarters; rent_received is the ledger's
    m = fire(mm, m, "collect_rent", {"rent_received_amount": "25200.00"}, to="opened")
    m = fire(fin, m, "collect_rent", {"rent_received_amount": "108000.00"}, to="opened")
    assert m.data["rent_received"] == "133200.00"
    refused(TransitionNotAvailable, mm, m, "cancel", {"cancel_reason": "x"})  # a running lease ends by notice

    # 续租 to 9 September 2033 at 40 000.00 flat: 8 quarters of 120 000.00 from 10 September 2031
    m = fire(mm, m, "request_renewal", {"renewal_term_end": "2033-09-09", "renewal_rent": "40000.00"},
             to="renewal_review")
    m = approve(m, director, fires="approve_renewal", to="opened")
    lines = rent(m)
    assert (len(lines), lines[19], lines[20], lines[-1]) == (
        28, (date(2031, 6, 10), D("108000.00")), (date(2031, 9, 10), D("120000.00")),
        (date(2033, 6, 10), D("120000.00")))
    assert (m.data["term_end"], m.data["monthly_rent"]) == ("2033-09-09", "40000.00")
    assert schedule_of(m).deal_price == D("3037200.00")  # 2 077 200.00 + 8 × 120 000.00

    # 退租 on 20 January 2032: the quarter from 10 December 2031 has 40 000.00 + 40 000.00 × 11/31
    # (10–20 January of a 31-day lease month) = 40 000.00 + 14 193.548… → 54 193.55; later quarters dropped
    m = fire(mm, m, "give_notice", {"termination_date": "2032-01-20", "termination_reason": "brand leaves"},
             to="terminating")
    assert rent(m)[20:] == [(date(2031, 9, 10), D("120000.00")), (date(2031, 12, 10), D("54193.55"))]
    assert schedule_of(m).deal_price == D("2251393.55")

    complete(mm, m, "inspect_premises")
    m = fire(fin, m, "settle_deposit", {"deposit_deductions": "8000.00", "deposit_refund": "100000.00"},
             to="terminated")
    assert payments(m)[-1] == (m.reference, "deposit_refund", D("100000.00"))
    assert net_collections(p.pk, record_ids=[m.pk]).net == D("0.00")
    assert sale(units[9]) == ("available", None)


def test_a_merchant_lease_signing_schedules_rent_after_the_fit_out_and_rent_is_received(world, customers):
    p, u, units = world
    mm = u["merchant_manager"]
    m = records.start_record(mm, p, "merchant_leasing", {"merchant_name": "好味零售", "business_format": "retail"})
    m = fire(mm, m, "submit_qualification", {"licence_no": "91310000X", "licence_valid_until": "2030-01-01",
                                             "brand": "好味", "brand_authorisation": "brand_owner"},
             to="qualification")
    complete(mm, m, "check_licence")
    complete(mm, m, "check_brand")
    m = fire(mm, m, "qualify", {"grade": "A"}, to="format_fit")
    m = fire(mm, m, "confirm_fit", {"unit_id": units[5].pk, "planned_format": "retail", "leasable_area": "60.00"},
             to="negotiation")
    m = fire(mm, m, "submit_terms", {"monthly_rent": "36000.00", "deposit": "108000.00", "term_months": 60,
                                     "fit_out_days": 60, "rent_free_days": 10, "payment_cycle": "quarterly"},
             to="terms_review")
    m = approve(m, u["finance"], u["project_director"], fires="approve_terms", to="contracting")

    m = fire(u["contract_clerk"], m, "sign_lease", {"lease_contract_no": "SZ-9", "signed_on": "2026-09-01",
                                                   "fit_out_start": "2026-09-10", "deposit_received": "108000.00"},
             to="fit_out")

    # the term runs from 10 September 2026; 60 fit-out + 10 rent-free days: charged from 19 November
    # months 10 Sep–9 Oct and 10 Oct–9 Nov free; 10 Nov–9 Dec (30 days) charged 21: 36 000.00 × 21/30 = 25 200.00
    lines = rent(m)
    assert lines[:2] == [(date(2026, 9, 10), D("25200.00")), (date(2026, 12, 10), D("108000.00"))]
    assert (len(lines), lines[-1]) == (20, (date(2031, 6, 10), D("108000.00")))
    assert schedule_of(m).deal_price == D("2077200.00")  # 25 200.00 + 19 × 108 000.00
    m = fire(mm, m, "record_rent", {"rent_received_amount": "25200.00"}, to="fit_out")
    m = fire(mm, m, "open", {"opening_date": "2026-11-10", "grade": "S"}, to="opened")

    assert payments(m) == [(m.reference, "security_deposit", D("108000.00")), (m.reference, "rent", D("25200.00"))]
    _, s = statement(m, date(2026, 12, 1))
    assert (s.received, s.overdue) == (D("133200.00"), D("0.00"))


def test_rent_received_is_the_ledgers_even_when_the_record_had_drifted(world, customers):
    p, u, units = world
    ag = u["leasing_agent"]
    lease = signed(p, u, units[10], customers["c9"])
    lease = fire(ag, lease, "record_rent", {"rent_received_amount": "12077.42"}, to="active")
    # a total that drifted from the ledger (written by an earlier version that added to what the record said,
    # or typed over by an admin): 99 999.99 where the ledger holds 12 077.42
    Record.objects.filter(pk=lease.pk).update(data={**lease.data, "rent_received": "99999.99"})
    lease.refresh_from_db()

    lease = fire(ag, lease, "record_rent", {"rent_received_amount": "23400.00"}, to="active")

    assert lease.data["rent_received"] == "35477.42"  # 12 077.42 + 23 400.00, the ledger's rent
    lease = fire(u["sales_manager"], lease, "convert_to_purchase", to="converted")
    assert child(lease, "subscription").data["lease_credit"] == "17738.71"  # 50 % of 35 477.42
