"""measured-areas: the survey file starts one area settlement per signed contract of the building,
with the figures the pricing rules give (as when a clerk enters the measured area)."""
from decimal import Decimal as D

from engine.models import Record
from imports.runner import run
from plugins.pricing.area_settlement import AreaRule, settle
from tests.flows.conftest import customers, world  # noqa: F401  (fixtures)
from tests.flows.steps import contract_for, filed_contract, fire, open_tasks, review_contract
from tests.imports.conftest import xlsx

HEADERS = ["Building", "Unit code", "Measured built area (m²)", "Measured inner area (m²)", "Survey report number"]


def settlements():
    return Record.objects.filter(flow="area_settlement").order_by("pk")


def signed_contract(p, u, unit, customer):
    con = contract_for(p, u, unit, customer)
    con = review_contract(u, con, {"contract_no": "HT-9", "area_basis": "built", "contract_area": "128.50",
                                   "delivery_date": "2027-12-31"})
    return fire(u["contract_clerk"], con, "sign", {"signed_on": "2026-06-01", "down_payment": "1000000.00"},
                to="signed")


def test_the_survey_file_starts_the_buildings_settlements(world, customers):
    p, u, units = world
    handover = filed_contract(p, u, units[0], customers["c4"])  # filed: under its handover
    signed = signed_contract(p, u, units[1], customers["c5"])  # signed, no handover yet: under the contract
    rows = [["3", units[0].code, "102.00", "", "SC-1"], ["3", units[1].code, "125.00", "99.00", "SC-2"],
            ["3", units[2].code, "130.00", "", "SC-3"]]  # no contract: left alone
    outcome = run("measured-areas", p, u["contract_clerk"], xlsx(HEADERS, rows), "survey.xlsx", language="en")
    assert (outcome.status, outcome.changed, outcome.unchanged, outcome.problems) == ("done", 2, 1, [])
    assert outcome.notes == {"settlements": 2, "no_signed_contract": 1}
    first, second = settlements()
    assert (first.parent_id, second.parent_id) == (handover.pk, signed.pk)
    assert (first.state, second.state) == ("review", "review")
    expected_first = settle(D("100.00"), D("102.00"), D("20000.00"), AreaRule())
    assert first.data["settlement"]["amount"] == f"{expected_first.amount:.2f}" == "40000.00"
    price = D(signed.data["unit_price"])
    expected_second = settle(D("128.50"), D("125.00"), price, AreaRule())
    assert (second.data["measured_area"], second.data["survey_report_no"]) == ("125.00", "SC-2")
    assert second.data["settlement"]["refund"] == f"{expected_second.refund:.2f}"
    assert {t[0] for t in open_tasks(first)} == {"settlement_countersign"}


def test_loading_the_survey_twice_starts_nothing_more(world, customers):
    p, u, units = world
    filed_contract(p, u, units[0], customers["c4"])
    rows = [["3", units[0].code, "102.00", "", "SC-1"]]
    run("measured-areas", p, u["contract_clerk"], xlsx(HEADERS, rows), "survey.xlsx", language="en")
    again = run("measured-areas", p, u["contract_clerk"], xlsx(HEADERS, rows), "survey.xlsx", language="en")
    assert (again.changed, again.unchanged, again.notes) == (0, 1, {"already_settling": 1})
    assert settlements().count() == 1


def test_a_mistake_in_every_column_starts_nothing(world, customers):
    p, u, units = world
    filed_contract(p, u, units[0], customers["c4"])
    rows = [["", "", "-1", "abc", ""], ["9", units[0].code, "100", "", "SC"], ["3", "3-9999", "100", "", "SC"]]
    outcome = run("measured-areas", p, u["contract_clerk"], xlsx(HEADERS, rows), "survey.xlsx", language="en")
    assert {(p_.row, p_.column, p_.message) for p_ in outcome.problems} == {
        (2, "Building", "required"), (2, "Unit code", "required"), (2, "Measured built area (m²)", "must be more than 0"),
        (2, "Measured inner area (m²)", "not a number"), (2, "Survey report number", "required"),
        (3, "Building", f"unit {units[0].code} is in building 3"), (4, "Unit code", "no unit 3-9999 in this project")}
    assert settlements().count() == 0
