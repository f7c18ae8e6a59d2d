"""Each figure against the values worked out by hand on the fixed world (conftest.py; docs/figures.md)."""
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from figures import board as boards
from figures import collections, conversion, funnel, rankings, sales, targets, visits
from figures.board import consultant_names
from figures.periods import Kind, Period, period_between, period_of
from figures.scope import Scope


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


MARCH, APRIL = period_of("month", date(2026, 3, 1)), period_of("month", date(2026, 4, 1))
D = Decimal


def test_sales_are_net_of_the_cancelled_deal_and_dated_in_beijing_time(fixed):
    s = Scope.of_project(fixed["p1"])
    assert sales.totals(s, MARCH) == {"subscriptions": 3, "subscription_amount": D("3800000.00"), "signings": 2,
                                      "signing_amount": D("1800000.00"), "cancellations": 0}
    # D2 signed at 00:10 on 1 April, Beijing time (still 31 March in UTC): April's; D3's cancellation too
    assert sales.totals(s, APRIL) == {"subscriptions": 0, "subscription_amount": D("0.00"), "signings": 1,
                                      "signing_amount": D("2000000.00"), "cancellations": 1}


def test_the_daily_series_puts_a_deal_at_23_30_on_the_31st_on_the_31st(fixed):
    rows = {r[0]: r[1:] for r in sales.series(Scope.of_project(fixed["p1"]), MARCH, False)}
    assert rows[date(2026, 3, 31)] == [1, D("2000000.00"), 0, D("0.00")]
    assert rows[date(2026, 3, 15)] == [0, D("0.00"), 0, D("0.00")]  # D3, cancelled, left the day it was counted in


def test_the_twelve_month_trend_ends_with_the_month_of_the_day(fixed):
    rows = sales.series(Scope.of_project(fixed["p1"]), period_between(date(2025, 5, 1), date(2026, 4, 30)), True)
    assert len(rows) == 12 and rows[-2] == [date(2026, 3, 1), 3, D("3800000.00"), 2, D("1800000.00")]
    assert rows[-1] == [date(2026, 4, 1), 0, D("0.00"), 1, D("2000000.00")]


def test_a_consultant_counts_the_deals_naming_them_now(fixed):
    c1 = sales.totals(Scope.of_project(fixed["p1"], fixed["c1"].pk), MARCH)
    c2 = sales.totals(Scope.of_project(fixed["p1"], fixed["c2"].pk), MARCH)
    assert (c1["subscriptions"], c1["subscription_amount"], c1["signings"]) == (2, D("3000000.00"), 1)
    assert (c2["subscriptions"], c2["signing_amount"]) == (1, D("800000.00"))  # D4, handed to c2


def test_visits_new_and_returning_by_source_and_the_midnight_boundary(fixed):
    s = Scope.of_project(fixed["p1"])
    assert visits.totals(s, MARCH) == {"new_visits": 2, "returning_visits": 1, "new_customers": 3,
                                       "agency_registrations": 0}
    assert visits.totals(s, APRIL) == {"new_visits": 1, "returning_visits": 0, "new_customers": 1,
                                       "agency_registrations": 1}
    table = visits.by_source(s, MARCH, [fixed["p1"]])
    got = {r[0]: r[1:] for r in table.rows}
    assert got["Walk-in"] == [1, 1, 2] and got["Referred by an owner"] == [1, 0, 1] and got["Agency channel"] == [0, 0, 0]
    daily = {r[0]: r[1:] for r in visits.daily(s, MARCH, "x", "x").rows}
    assert daily[date(2026, 3, 31)] == [1, 0, 1]


def test_agencies_registrations_and_their_customers_visits(fixed):
    rows = visits.agencies(Scope.of_project(fixed["p1"]), APRIL).rows
    assert rows == [["agent name", 1, 1, 1]]


def test_a_consultants_visits_are_those_of_the_customers_registered_to_them(fixed):
    assert visits.totals(Scope.of_project(fixed["p1"], fixed["c1"].pk), MARCH) == {
        "new_visits": 1, "returning_visits": 1, "new_customers": 2, "agency_registrations": 0}


def test_targets_and_achievement(fixed):
    rows = targets.by_month(Scope.of_project(fixed["p1"]), MARCH).rows
    assert rows == [[date(2026, 3, 1), 4, 3, D("0.7500"), D("2000000.00"), D("1800000.00"), D("0.9000")]]
    own = targets.by_month(Scope.of_project(fixed["p1"], fixed["c1"].pk), MARCH).rows
    assert own == [[date(2026, 3, 1), 2, 2, D("1.0000"), D("1000000.00"), D("1000000.00"), D("1.0000")]]
    names = consultant_names([fixed["p1"]])
    assert targets.by_consultant(Scope.of_project(fixed["p1"]), MARCH, names).rows == [
        ["c1 name", 2, 2, D("1.0000"), D("1000000.00"), D("1000000.00"), D("1.0000")]]


def test_conversion_is_net_subscriptions_over_new_visits(fixed):
    assert conversion.of(Scope.of_project(fixed["p1"]), MARCH) == (3, 2, D("1.5000"))
    assert conversion.of(Scope.of_project(fixed["p1"]), APRIL) == (0, 1, D("0.0000"))


def test_net_collections_count_the_refund_and_not_the_rent(fixed):
    s = Scope.of_project(fixed["p1"])
    assert collections.net(s, MARCH) == D("450000.00")
    assert collections.net(s, APRIL) == D("1050000.00")  # 500 000 down + 600 000 loan − 50 000 refund
    rows = collections.monthly(s, period_between(date(2026, 3, 1), date(2026, 4, 30)))
    assert rows == [[date(2026, 3, 1), D("450000.00"), D("500000.00"), D("0.9000")],
                    [date(2026, 4, 1), D("1050000.00"), D("1000000.00"), D("1.0500")]]


def test_the_collection_rate_of_the_deals_signed_by_the_end(fixed):
    s = Scope.of_project(fixed["p1"])
    assert collections.collection_rate(s, APRIL.after) == (D("1500000.00"), D("3800000.00"), D("0.3947"))
    # at March's end D2 (signed 00:10 on 1 April) is not yet signed: D1 and D4
    assert collections.collection_rate(s, MARCH.after) == (D("350000.00"), D("1800000.00"), D("0.1944"))


def test_inventory_value_and_months_of_inventory(fixed):
    section = __import__("figures.inventory", fromlist=["section"]).section(Scope.of_project(fixed["p1"]), date(2026, 4, 10))
    heads = {h.key: h.value for h in section.headlines}
    # the 30 days to 10 April (12 March on) hold D2 only (D3 was cancelled): 2 units left at 1 a month
    assert heads == {"value_on_sale": D("2000000.00"), "units_on_sale": 2, "deals_30_days": 1,
                     "months_of_inventory": D("2.0")}


def test_rankings_by_signed_amount(fixed):
    s = Scope.of_project(fixed["p1"])
    rows = rankings.consultants(s, MARCH, consultant_names([fixed["p1"]])).rows
    assert rows[0] == ["c1 name", 1, 2, 1, D("1000000.00"), D("2.0000")]
    assert rows[1] == ["c2 name", 1, 1, 1, D("800000.00"), D("1.0000")]


def test_the_groups_projects_ranked_by_sales(fixed):
    s = Scope.of_projects([fixed["p1"], fixed["p2"]])
    assert sales.totals(s, MARCH)["subscriptions"] == 4
    rows = rankings.projects(s, MARCH, [fixed["p1"], fixed["p2"]]).rows
    assert [r[0] for r in rows] == ["P1 One", "P2 Two"] and rows[1][1:3] == [1, D("500000.00")]


def test_the_funnel_counts_customers_at_or_beyond_each_stage(fixed):
    table = funnel.section(Scope.of_project(fixed["p1"]), [fixed["p1"]]).tables[0]
    got = {r[0]: (r[1], r[2]) for r in table.rows}
    assert got["Intention"] == (3, D("1.0000")) and got["Negotiating"] == (3, D("0.6667"))
    assert got["About to sign"] == (2, D("1.0000")) and got["Subscribed"] == (2, D("1.0000"))
    assert got["Signed"] == (2, None)


def test_campaign_return_over_its_life(fixed):
    table = __import__("figures.campaigns", fromlist=["section"]).section(Scope.of_project(fixed["p1"]), MARCH).tables[0]
    assert table.rows == [["Spring", 1, 1, 2, D("1800000.00"), D("10000.00"), D("180.00")]]


def test_periods_and_their_previous(fixed):
    assert period_between(date(2026, 3, 1), date(2026, 3, 31)).previous() == period_of("month", date(2026, 2, 1))
    week = period_of("week", date(2026, 4, 2))
    assert (week.first, week.previous().first) == (date(2026, 3, 30), date(2026, 3, 23))
    r = period_between(date(2026, 3, 3), date(2026, 3, 12))
    assert r.kind is Kind.RANGE and r.previous() == Period(Kind.RANGE, date(2026, 2, 21), date(2026, 3, 3))
    since, until = MARCH.bounds(fixed["p1"].zone)
    assert since.utcoffset().total_seconds() == 8 * 3600 and until.isoformat() == "2026-04-01T00:00:00+08:00"


def test_the_board_holds_every_figure_and_the_own_view_no_ranking(fixed):
    full = boards.build(boards.PROJECT, [fixed["p1"]], MARCH, date(2026, 3, 31))
    keys = {t.key for t in full.tables()}
    assert {"sales_period", "sales_trend", "visits_by_source", "agencies", "acquisition_30_days",
            "acquisition_6_months", "acquisition_12_months", "targets", "targets_by_consultant", "conversion",
            "collections_trend", "collection_rate", "inventory", "consultant_ranking", "funnel", "campaigns"} <= keys
    own = boards.build(boards.OWN, [fixed["p1"]], MARCH, date(2026, 3, 31), consultant_id=fixed["c1"].pk)
    assert not {"consultant_ranking", "targets_by_consultant", "inventory", "campaigns"} & {t.key for t in own.tables()}
    group = boards.build(boards.GROUP, [fixed["p1"], fixed["p2"]], MARCH, date(2026, 3, 31))
    assert group.table("project_ranking") is not None


@pytest.mark.parametrize("kind", ["day", "week", "year"])
def test_every_period_kind_builds(fixed, kind):
    board = boards.build(boards.PROJECT, [fixed["p1"]], period_of(kind, date(2026, 3, 31)), date(2026, 3, 31))
    assert board.table("sales_period").rows


def test_a_running_month_is_compared_to_date_with_the_same_days_of_the_month_before():
    from figures.periods import compared

    december = period_of("month", date(2026, 12, 4))
    # on 4 December: 1–4 December against 1–4 November, not the whole of November
    assert compared(december, date(2026, 12, 4)) == Period(Kind.RANGE, date(2026, 11, 1), date(2026, 11, 5))
    # the 31st against a month of 28 days: the whole of February
    march = period_of("month", date(2026, 3, 31))
    assert compared(march, date(2026, 3, 31)) == period_of("month", date(2026, 2, 1))
    assert compared(march, date(2026, 3, 29)) == period_of("month", date(2026, 2, 1))
    # a month already over (as_of gives its last day) or still to come: the whole previous month
    assert compared(period_of("month", date(2026, 11, 1)), date(2026, 11, 30)) == period_of("month", date(2026, 10, 1))
    assert compared(december, date(2026, 11, 20)) == period_of("month", date(2026, 11, 1))


def test_a_running_week_and_year_are_compared_to_date():
    from figures.periods import compared

    wednesday = date(2026, 12, 2)
    assert compared(period_of("week", wednesday), wednesday) == Period(Kind.RANGE, date(2026, 11, 23),
                                                                      date(2026, 11, 26))
    assert compared(period_of("year", date(2026, 12, 4)), date(2026, 12, 4)) == Period(
        Kind.RANGE, date(2025, 1, 1), date(2025, 12, 5))
    # 29 February against 1 January – 28 February of the year before
    assert compared(period_of("year", date(2028, 2, 29)), date(2028, 2, 29)) == Period(
        Kind.RANGE, date(2027, 1, 1), date(2027, 3, 1))
    day = period_of("day", date(2026, 12, 4))
    assert compared(day, date(2026, 12, 4)) == period_of("day", date(2026, 12, 3))
    ranged = period_between(date(2026, 12, 1), date(2026, 12, 10))
    assert compared(ranged, date(2026, 12, 3)) == Period(Kind.RANGE, date(2026, 11, 21), date(2026, 11, 24))


def test_the_headlines_of_a_running_month_compare_the_same_days(fixed):
    # on 5 April: April's 1–5 against 1–5 March (D4 subscribed 03-05, D1 on 03-10 is out), not all of March
    board = boards.build(boards.PROJECT, [fixed["p1"]], APRIL, date(2026, 4, 5))
    heads = {h.key: h for s in board.sections for h in s.headlines}
    assert board.compared == Period(Kind.RANGE, date(2026, 3, 1), date(2026, 3, 6))
    assert (heads["subscriptions"].value, heads["subscriptions"].previous) == (0, 1)
    assert heads["subscription_amount"].previous == D("800000.00")
    assert (heads["signings"].value, heads["signings"].previous) == (1, 0)  # D2 (04-01); D4 signed 03-06 is out
    assert heads["new_visits"].previous == 1  # K1 on 03-01; K2 on 03-31 is not among 1–5 March
    # net collections: April to the 5th (500 000 − 50 000 + 600 000) against 1–5 March (nothing)
    assert (heads["net_collections"].value, heads["net_collections"].previous) == (D("1050000.00"), D("0.00"))
    whole = boards.build(boards.PROJECT, [fixed["p1"]], APRIL, date(2026, 4, 30))
    assert {h.key: h for s in whole.sections for h in s.headlines}["subscriptions"].previous == 3


def test_the_command_prints_the_boards_figures_and_what_they_are_compared_with(fixed):
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("figures", "--project", "P1", "--from", "2026-03-01", "--to", "2026-03-31", "--json", stdout=out)
    got = json.loads(out.getvalue())
    # March is over: compared whole with the whole of February
    assert got["compared"] == {"from": "2026-02-01", "to": "2026-02-28"}
    heads = {h["key"]: h for s in got["sections"] for h in s["headlines"]}
    assert (heads["subscriptions"]["value"], heads["signing_amount"]["value"]) == (3, "1800000.00")
