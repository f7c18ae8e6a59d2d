"""Rent schedules 租金计划 (kernel.rent_schedule): the lines from the terms, hand-computed to the fen.

Every pro-rated month is the month's rent × days charged ÷ the days that lease month has,
rounded half up once; a period adds its months; a line is due on its period's first day.
The last tests run the action `rent.schedule` and the ledger's guard against its lines.
"""
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from kernel import payments, receivables
from kernel.models import Payment, ReceivableSchedule
from kernel.receivables import RentExceedsDue
from kernel.rent_schedule import (
    RenewalNotLater,
    RentLine,
    expanded,
    kept_then_new,
    lease_terms,
    months_after,
    renewed,
    rent_lines,
    rent_schedule,
    schedule,
    terminated,
)

from .conftest import make_ctx

RENT, DEPOSIT = "rent", "security_deposit"


def lines(found):
    return [(line.kind, line.due_on, line.amount) for line in found]


def quarters(*dates_and_amounts):
    return [(RENT, due_on, D(amount)) for due_on, amount in dates_and_amounts]


# -- the terms as signed -------------------------------------------------------------------


def test_monthly_rent_is_due_on_the_first_day_of_each_month_and_the_deposit_at_signing():
    got = rent_schedule(term_start=date(2026, 7, 1), term_months=12, monthly_rent=D("7800.00"),
                        payment_cycle="monthly", deposit=D("15600.00"), signed_on=date(2026, 6, 25))

    assert lines(got) == [(DEPOSIT, date(2026, 6, 25), D("15600.00"))] + [
        (RENT, months_after(date(2026, 7, 1), m), D("7800.00")) for m in range(12)]
    assert got[-1].due_on == date(2027, 6, 1)


def test_a_quarterly_lease_with_45_rent_free_days_and_5_percent_a_year():
    # free: 1–31 July (31 days) and 1–14 August (14): 45 days
    # August: 7 800.00 × 17 / 31 = 4 277.419… → 4 277.42; the first quarter 0 + 4 277.42 + 7 800.00
    # the second year: 7 800.00 × 1.05 = 8 190.00 a month, 24 570.00 a quarter
    got = rent_schedule(term_start=date(2026, 7, 1), term_months=24, monthly_rent=D("7800.00"),
                        payment_cycle="quarterly", rent_free_days=45, escalation_rate=D("0.05"))

    assert lines(got) == quarters(
        (date(2026, 7, 1), "12077.42"), (date(2026, 10, 1), "23400.00"), (date(2027, 1, 1), "23400.00"),
        (date(2027, 4, 1), "23400.00"), (date(2027, 7, 1), "24570.00"), (date(2027, 10, 1), "24570.00"),
        (date(2028, 1, 1), "24570.00"), (date(2028, 4, 1), "24570.00"))


def test_a_wholly_free_period_has_no_line_and_the_next_is_pro_rated():
    # monthly: July is free (no line), August 7 800.00 × 17 / 31 → 4 277.42
    got = rent_schedule(term_start=date(2026, 7, 1), term_months=3, monthly_rent=D("7800.00"),
                        payment_cycle="monthly", rent_free_days=45)

    assert lines(got) == quarters((date(2026, 8, 1), "4277.42"), (date(2026, 9, 1), "7800.00"))


def test_5_percent_a_year_over_36_months_compounds_on_the_agreed_rent_rounded_half_up():
    # year 2: 1 000.10 × 1.05   = 1 050.105   → 1 050.11 (half up)
    # year 3: 1 000.10 × 1.1025 = 1 102.61025 → 1 102.61 (on the agreed rent: 1 050.11 × 1.05 would be 1 102.62)
    got = rent_schedule(term_start=date(2026, 1, 1), term_months=36, monthly_rent=D("1000.10"),
                        payment_cycle="monthly", escalation_rate=D("0.05"))

    assert [line.amount for line in got] == [D("1000.10")] * 12 + [D("1050.11")] * 12 + [D("1102.61")] * 12
    assert got[12].due_on == date(2027, 1, 1) and got[24].due_on == date(2028, 1, 1)
    assert sum(line.amount for line in got) == D("37833.84")  # 12 × (1 000.10 + 1 050.11 + 1 102.61)


def test_yearly_and_half_yearly_cycles_add_their_months():
    yearly = rent_schedule(term_start=date(2026, 1, 1), term_months=36, monthly_rent=D("1000.10"),
                           payment_cycle="yearly", escalation_rate=D("0.05"))
    half = rent_schedule(term_start=date(2026, 1, 1), term_months=12, monthly_rent=D("1000.10"),
                         payment_cycle="half_yearly")

    assert lines(yearly) == quarters((date(2026, 1, 1), "12001.20"), (date(2027, 1, 1), "12601.32"),
                                     (date(2028, 1, 1), "13231.32"))
    assert lines(half) == quarters((date(2026, 1, 1), "6000.60"), (date(2026, 7, 1), "6000.60"))


def test_a_term_starting_on_the_31st_runs_month_by_month_from_the_start():
    # months: 31 Jan–27 Feb (28 days), 28 Feb–30 Mar (31), 31 Mar–29 Apr (30), 30 Apr–30 May (31)
    # free 31 Jan–9 Feb (10 days): 3 100.00 × 18 / 28 = 1 992.857… → 1 992.86
    # the term ends 15 May: 30 Apr–15 May is 16 days of 31: 3 100.00 × 16 / 31 = 1 600.00
    got = rent_schedule(term_start=date(2027, 1, 31), term_end=date(2027, 5, 15), monthly_rent=D("3100.00"),
                        payment_cycle="monthly", rent_free_days=10)

    assert lines(got) == quarters((date(2027, 1, 31), "1992.86"), (date(2027, 2, 28), "3100.00"),
                                  (date(2027, 3, 31), "3100.00"), (date(2027, 4, 30), "1600.00"))
    assert (months_after(date(2028, 1, 31), 1), months_after(date(2027, 1, 31), 3)) == (date(2028, 2, 29),
                                                                                       date(2027, 4, 30))


def test_term_months_end_the_day_before_the_anniversary_and_term_end_wins():
    by_months = lease_terms(term_start=date(2027, 1, 31), term_months=3, monthly_rent=D("1"), payment_cycle="monthly")
    both = lease_terms(term_start=date(2026, 7, 1), term_months=24, term_end=date(2027, 6, 30), monthly_rent=D("1"),
                       payment_cycle="monthly")

    assert (by_months.term_end, both.term_end) == (date(2027, 4, 29), date(2027, 6, 30))


# -- changes ---------------------------------------------------------------------------------


def quarterly_7800(months=24, rate="0.05"):
    return lease_terms(term_start=date(2026, 7, 1), term_months=months, monthly_rent=D("7800.00"),
                       payment_cycle="quarterly", escalation_rate=D(rate))


def test_a_renewal_runs_on_from_the_old_end_at_the_renewal_rent_flat():
    # the first year as signed: 4 × 23 400.00; the renewal: 6 600.00 × 3 = 19 800.00 a quarter, no increase
    got = rent_lines(renewed(quarterly_7800(months=12), date(2029, 6, 30), D("6600.00")))

    assert lines(got) == quarters(
        (date(2026, 7, 1), "23400.00"), (date(2026, 10, 1), "23400.00"), (date(2027, 1, 1), "23400.00"),
        (date(2027, 4, 1), "23400.00")) + quarters(*[(months_after(date(2027, 7, 1), 3 * q), "19800.00")
                                                     for q in range(8)])


def test_an_expansion_pro_rates_its_quarter_and_recomputes_the_later_ones_with_the_yearly_increase():
    # from 16 November 15 000.00: November (30 days) is 7 800.00 × 15/30 + 15 000.00 × 15/30 = 11 400.00
    # the quarter: October 7 800.00 + 11 400.00 + December 15 000.00 = 34 200.00; then 45 000.00
    # the second year: 15 000.00 × 1.05 = 15 750.00 a month, 47 250.00 a quarter
    got = rent_lines(expanded(quarterly_7800(), date(2026, 11, 16), D("15000.00")))

    assert lines(got) == quarters(
        (date(2026, 7, 1), "23400.00"), (date(2026, 10, 1), "34200.00"), (date(2027, 1, 1), "45000.00"),
        (date(2027, 4, 1), "45000.00"), (date(2027, 7, 1), "47250.00"), (date(2027, 10, 1), "47250.00"),
        (date(2028, 1, 1), "47250.00"), (date(2028, 4, 1), "47250.00"))


def test_a_termination_mid_quarter_drops_the_later_quarters_and_pro_rates_the_last():
    # the second year's rent is 8 190.00; out on 15 August 2027: July 8 190.00
    # + August 8 190.00 × 15 / 31 = 3 962.903… → 3 962.90; the quarter 12 152.90
    got = rent_lines(terminated(quarterly_7800(), date(2027, 8, 15)))

    assert lines(got) == quarters(
        (date(2026, 7, 1), "23400.00"), (date(2026, 10, 1), "23400.00"), (date(2027, 1, 1), "23400.00"),
        (date(2027, 4, 1), "23400.00"), (date(2027, 7, 1), "12152.90"))


def test_a_termination_after_the_end_changes_nothing_and_before_the_start_leaves_no_rent():
    terms = quarterly_7800()

    assert terminated(terms, date(2028, 6, 30)) == terms == terminated(terms, date(2029, 1, 1))
    assert rent_lines(terminated(terms, date(2026, 6, 1))) == []


def test_an_expansion_in_the_renewal_keeps_the_renewal_flat_and_a_termination_cuts_both():
    # renewed to 30 June 2029 at 9 000.00 (flat); expanded from 1 September 2028 at 12 000.00; out on 10 October 2028
    # July 2028 9 000.00 + August 9 000.00 + September 12 000.00 = 30 000.00
    # October: 12 000.00 × 10 / 31 = 3 870.967… → 3 870.97
    terms = renewed(quarterly_7800(), date(2029, 6, 30), D("9000.00"))
    terms = terminated(expanded(terms, date(2028, 9, 1), D("12000.00")), date(2028, 10, 10))

    assert lines(rent_lines(terms)[-2:]) == quarters((date(2028, 7, 1), "30000.00"), (date(2028, 10, 1), "3870.97"))
    assert [s.escalation_rate for s in terms.steps] == [D("0.05"), D("0"), D("0")]


def test_lines_due_before_the_cut_are_kept_as_they_were():
    old = [RentLine(RENT, date(2026, 7, 1), D("1.00")), RentLine(RENT, date(2026, 10, 1), D("2.00"))]
    new = [RentLine(RENT, date(2026, 7, 1), D("9.00")), RentLine(RENT, date(2026, 10, 1), D("3.00"))]

    assert kept_then_new(old, new, date(2026, 10, 1)) == [old[0], new[1]]


def test_an_unknown_cycle_is_refused():
    with pytest.raises(ValueError, match="weekly"):
        lease_terms(term_start=date(2026, 7, 1), term_months=12, monthly_rent=D("1"), payment_cycle="weekly")


# -- the action and the ledger --------------------------------------------------------------

SIGNED = {"term_start": "2026-07-01", "term_end": "2028-06-30", "monthly_rent": "7800.00",
          "payment_cycle": "quarterly", "rent_free_days": 45, "escalation_rate": "0.05"}


def signed_lease(project, record_id=7001):
    ctx = make_ctx(project, record_id=record_id, reference="LSE-007001", flow="lease")
    schedule(ctx, **SIGNED, deposit="15600.00", signed_on="2026-06-25")
    return ctx


def test_the_action_writes_a_lease_schedule_and_keeps_the_rent_steps_on_the_record(project):
    ctx = signed_lease(project)

    found = ReceivableSchedule.objects.get(project=project)
    # the total rent: 12 077.42 + 3 × 23 400.00 + 4 × 24 570.00 = 180 557.42
    assert (found.deal_id, found.payment_plan, found.deal_price) == (7001, "lease", D("180557.42"))
    assert lines(found.lines.order_by("position"))[:2] == [(DEPOSIT, date(2026, 6, 25), D("15600.00")),
                                                           (RENT, date(2026, 7, 1), D("12077.42"))]
    assert ctx.changes["rent_steps"] == [{"starts_on": "2026-07-01", "monthly_rent": "7800.00",
                                          "escalation_rate": "0.05"}]


def test_a_termination_by_the_action_keeps_the_deposit_and_the_earlier_lines(project):
    ctx = signed_lease(project)
    ended = replace(ctx, data={"rent_steps": ctx.changes["rent_steps"]}, changes={})

    schedule(ended, **SIGNED, change="terminate", effective_on="2027-08-15")

    found = ReceivableSchedule.objects.get(project=project)
    assert lines(found.lines.order_by("position")) == [(DEPOSIT, date(2026, 6, 25), D("15600.00"))] + quarters(
        (date(2026, 7, 1), "12077.42"), (date(2026, 10, 1), "23400.00"), (date(2027, 1, 1), "23400.00"),
        (date(2027, 4, 1), "23400.00"), (date(2027, 7, 1), "12152.90"))
    assert found.deal_price == D("94430.32")  # 12 077.42 + 3 × 23 400.00 + 12 152.90


def test_rent_beyond_the_schedule_is_refused_and_the_statement_shows_it_against_the_lines(project):
    ctx = signed_lease(project)
    payments.record(ctx, "security_deposit", "15600.00")
    payments.record(ctx, "rent", "20000.00")  # the first quarter 12 077.42, then 7 922.58 of the second

    with pytest.raises(RentExceedsDue) as refused:
        payments.record(ctx, "rent", "160557.43")  # 180 557.42 − 20 000.00 = 160 557.42 still due
    assert refused.value.message_en == ("LSE-007001: ¥160,557.43 typed as rent, but only ¥160,557.42 is still due "
                                        "for it on the lease; check the amount")
    assert refused.value.message_zh == "LSE-007001：登记租金 ¥160,557.43，但租约该项尚欠仅 ¥160,557.42；请核对金额"
    with pytest.raises(RentExceedsDue):
        payments.record(ctx, "security_deposit", "0.01")
    s = receivables.statement(ReceivableSchedule.objects.get(), date(2026, 10, 15))
    assert [(line.kind, line.received, line.balance, line.overdue) for line in s.lines[:3]] == [
        (DEPOSIT, D("15600.00"), D("0.00"), False), (RENT, D("12077.42"), D("0.00"), False),
        (RENT, D("7922.58"), D("15477.42"), True)]
    assert (s.due, s.received, s.excess) == (D("196157.42"), D("35600.00"), D("0.00"))
    assert payments.net_collections(project.pk).net == D("0.00")  # rent and deposits are not sales
    assert Payment.objects.count() == 2


def test_a_subscription_started_from_a_lease_keeps_its_own_schedule_and_ignores_the_rent(project):
    lease = signed_lease(project, record_id=7001)
    payments.record(lease, "rent", "12077.42")
    sub = make_ctx(project, record_id=7002, flow="subscription", lineage=(7001,))

    receivables.schedule(sub, payment_plan="full", deal_price="2000000.00", deposit="50000.00")
    payments.record(sub, "deposit", "50000.00")

    found = ReceivableSchedule.objects.get(deal_id=7002)
    s = receivables.statement(found, date(2026, 7, 1))
    assert (found.payment_plan, s.due, s.received, s.excess) == ("full", D("2000000.00"), D("50000.00"), D("0.00"))
    assert ReceivableSchedule.objects.get(deal_id=7001).payment_plan == "lease"  # untouched by the sale


def test_a_renewal_taken_again_changes_nothing_and_an_earlier_end_is_refused(project):
    ctx = signed_lease(project)
    renew = {"change": "renew", "new_end": "2029-06-30", "new_rent": "9000.00"}
    renewed_ctx = replace(ctx, data={"rent_steps": ctx.changes["rent_steps"]}, changes={})
    schedule(renewed_ctx, **SIGNED, **renew)
    before = lines(ReceivableSchedule.objects.get().lines.order_by("position"))
    again = replace(ctx, data={"rent_steps": renewed_ctx.changes["rent_steps"]}, changes={})

    schedule(again, **{**SIGNED, "term_end": "2029-06-30"}, **renew)  # the record's end already moved

    assert lines(ReceivableSchedule.objects.get().lines.order_by("position")) == before
    assert before[-1] == (RENT, date(2029, 4, 1), D("27000.00"))  # 9 000.00 × 3
    with pytest.raises(RenewalNotLater) as refused:
        schedule(again, **{**SIGNED, "term_end": "2029-06-30"}, **{**renew, "new_end": "2029-03-31"})
    assert refused.value.message_en == ("LSE-007001: the renewal must end after the current end date 2029-06-30; "
                                        "got 2029-03-31")


# -- arguments a flow must give (issue 15) ------------------------------------------------------


def test_a_flow_missing_what_a_rent_change_needs_is_refused_when_checked_naming_the_action_and_argument(
        db, flows_dir):
    from io import StringIO

    from django.core.management import call_command

    path = flows_dir / "lease.yaml"
    text = path.read_text()
    # the notice's termination without its move-out day; the signing without term_end or term_months
    text = text.replace("          effective_on: record.termination_date\n", "", 1)
    text = text.replace("          term_end: record.term_end\n          monthly_rent: record.monthly_rent\n"
                        "          payment_cycle: record.payment_cycle\n          rent_free_days: record.rent_free_days\n"
                        "          escalation_rate: record.escalation_rate\n          deposit: record.deposit\n",
                        "          monthly_rent: record.monthly_rent\n          payment_cycle: record.payment_cycle\n"
                        "          rent_free_days: record.rent_free_days\n          escalation_rate: record.escalation_rate\n"
                        "          deposit: record.deposit\n", 1)
    path.write_text(text)
    out = StringIO()

    with pytest.raises(SystemExit):
        call_command("flows", "validate", str(path), stdout=out, stderr=StringIO())

    problems = [line.split(" (line")[0] for line in out.getvalue().splitlines()]
    assert [p for p in problems if "rent.schedule" in p] == [
        "flows/lease.yaml: transitions[8].actions[0].args: action 'rent.schedule' needs the parameter "
        "'term_end or term_months'",
        "flows/lease.yaml: transitions[16].actions[0].args: action 'rent.schedule' needs the parameter 'effective_on'",
    ]


def test_an_empty_argument_is_refused_in_words_not_as_a_bare_error(project):
    from kernel.rent_schedule import RentArgumentInvalid, RentArgumentMissing, schedule

    ctx = make_ctx(project, record_id=5, reference="LSE-000005", flow="lease")
    terms = {"monthly_rent": "7800.00", "payment_cycle": "monthly", "term_months": 12}

    with pytest.raises(RentArgumentMissing) as missing:
        schedule(ctx, term_start=None, **terms)
    with pytest.raises(RentArgumentMissing) as no_day:
        schedule(ctx, term_start="2026-07-01", change="terminate", effective_on="", **terms)
    with pytest.raises(RentArgumentInvalid) as bad_day:
        schedule(ctx, term_start="1 July", **terms)

    assert missing.value.message_en == "LSE-000005: the rent schedule needs term_start (rent.schedule, sign), but it is empty"
    assert missing.value.message_zh == "LSE-000005：生成租金计划需要 term_start（rent.schedule，sign），但其为空"
    assert no_day.value.params["argument"] == "effective_on"
    assert bad_day.value.message_en == "LSE-000005: term_start of rent.schedule is not a date: 1 July"
    assert not ReceivableSchedule.objects.exists()
