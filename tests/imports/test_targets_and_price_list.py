"""targets (figures.Target) and price-list (a new price list revision)."""
from datetime import date
from decimal import Decimal as D

from django.utils import timezone

from figures.models import Target
from imports.models import PriceListLine, PriceListRevision
from imports.runner import run
from kernel.models import Unit, UnitHold
from tests.imports.conftest import xlsx
from tests.kernel.conftest import make_units

TARGETS = ["Month", "Consultant", "Subscriptions target (units)", "Signing target (yuan)", "Collection target (yuan)"]
PRICES = ["Unit code", "List price (yuan)"]


def targets():
    return sorted(Target.objects.values_list("month", "consultant__username", "subscription_count", "signing_amount",
                                             "collection_amount"), key=str)


def test_targets_per_project_and_consultant(site):
    rows = [["2026-07", "", 30, "90000000.00", "60000000"], ["2026年8月", "wang", 5, 15000000, ""],
            [date(2026, 7, 15), "Li", 4, 12000000, 8000000]]
    outcome = run("targets", site["project"], site["admin"], xlsx(TARGETS, rows), "t.xlsx", language="en")
    assert (outcome.status, outcome.created, outcome.problems) == ("done", 3, [])
    assert targets() == sorted([
        (date(2026, 7, 1), None, 30, D("90000000.00"), D("60000000.00")),
        (date(2026, 8, 1), "wang", 5, D("15000000.00"), D("0.00")),
        (date(2026, 7, 1), "li", 4, D("12000000.00"), D("8000000.00"))], key=str)
    again = run("targets", site["project"], site["admin"], xlsx(TARGETS, rows), "t.xlsx", language="en")
    assert (again.created, again.changed, again.unchanged) == (0, 0, 3)
    rows[0][2] = 31
    changed = run("targets", site["project"], site["admin"], xlsx(TARGETS, rows), "t.xlsx", language="en")
    assert (changed.created, changed.changed, changed.unchanged) == (0, 1, 2)
    assert Target.objects.get(consultant=None).subscription_count == 31


def test_targets_with_a_mistake_in_every_column(site):
    rows = [["July", "nobody", -1, "abc", "1.001"], ["2026-07", "wang", 1, 1, 1], ["2026-07-01", "wang", 2, 2, 2]]
    outcome = run("targets", site["project"], site["admin"], xlsx(TARGETS, rows), "t.xlsx", language="en")
    assert {(p.row, p.column, p.message) for p in outcome.problems} == {
        (2, "Month", "not a month, e.g. 2026-07"),
        (2, "Consultant", "no sales consultant of this project is called so (a username or a name)"),
        (2, "Subscriptions target (units)", "must be at least 0"), (2, "Signing target (yuan)", "not a number"),
        (2, "Collection target (yuan)", "at most 2 decimal places"),
        (4, "Month", "this month and consultant appear twice in the file")}
    assert Target.objects.count() == 0


def test_a_price_list_is_a_new_revision_of_the_prices_it_changed(site):
    a, b, c = make_units(site["project"], 3)
    rows = [[a.code, "3100000.00"], [b.code, 3058300], [c.code, 2999999.5]]
    outcome = run("price-list", site["project"], site["admin"], xlsx(PRICES, rows), "p.xlsx", language="en")
    assert (outcome.status, outcome.changed, outcome.unchanged, outcome.notes) == \
        ("done", 2, 1, {"price_list_revision": 1})
    revision = PriceListRevision.objects.get()
    assert (revision.number, revision.created_by, revision.project) == (1, site["admin"], site["project"])
    assert sorted(PriceListLine.objects.values_list("unit__code", "previous_price", "list_price")) == [
        (a.code, D("3058300.00"), D("3100000.00")), (c.code, D("3058300.00"), D("2999999.50"))]
    assert dict(Unit.objects.values_list("code", "list_price")) == {
        a.code: D("3100000.00"), b.code: D("3058300.00"), c.code: D("2999999.50")}
    again = run("price-list", site["project"], site["admin"], xlsx(PRICES, rows), "p.xlsx", language="en")
    assert (again.changed, again.unchanged, PriceListRevision.objects.count()) == (0, 3, 1)


def test_a_price_list_refuses_unknown_units_and_units_in_live_deals(site):
    a, b = make_units(site["project"], 2)
    UnitHold.objects.create(project=site["project"], unit=b, record_id=9, reference="SUB-000009",
                            flow="subscription", held_at=timezone.now())
    rows = [["9-9999", 1], [a.code, "x"], [b.code, 1], [a.code, 2]]
    outcome = run("price-list", site["project"], site["admin"], xlsx(PRICES, rows), "p.xlsx", language="en")
    assert {(p.row, p.column, p.message) for p in outcome.problems} == {
        (2, "Unit code", "no unit 9-9999 in this project; load it with the units import first"),
        (3, "List price (yuan)", "not a number"),
        (4, "List price (yuan)", f"unit {b.code} is in a live deal (SUB-000009) and is never changed by an import"),
        (5, "Unit code", "appears twice in the file")}
    assert PriceListRevision.objects.count() == 0 and Unit.objects.get(pk=a.pk).list_price == D("3058300.00")


COEFFICIENT_HEADERS = ["Unit code", "List price (yuan)", "Base price per m² (yuan)", "Floor coefficient",
                       "Orientation coefficient", "Layout coefficient"]


def test_a_price_list_from_a_base_price_and_coefficients(site):
    a, b, c = make_units(site["project"], 3)  # 128.50 m² each
    rows = [[a.code, None, 25000, 1.02, 1.05, 0.98],  # 25000 × 128.5 × 1.02 × 1.05 × 0.98 = 3371775.75
            [b.code, None, "24000.50", None, None, None],  # no coefficient: 1
            [c.code, "2999999.50", None, None, None, None]]  # a list price as before
    outcome = run("price-list", site["project"], site["admin"], xlsx(COEFFICIENT_HEADERS, rows), "p.xlsx",
                  language="en")
    assert (outcome.status, outcome.changed, outcome.problems) == ("done", 3, [])
    assert dict(Unit.objects.values_list("code", "list_price")) == {
        a.code: D("3371775.75"), b.code: D("3084064.25"), c.code: D("2999999.50")}
    assert PriceListLine.objects.get(unit=a).list_price == D("3371775.75")
    again = run("price-list", site["project"], site["admin"], xlsx(COEFFICIENT_HEADERS, rows), "p.xlsx",
                language="en")
    assert (again.changed, again.unchanged, PriceListRevision.objects.count()) == (0, 3, 1)


def test_coefficients_with_mistakes_are_refused_cell_by_cell(site):
    a, b, c, d = make_units(site["project"], 4)
    rows = [[a.code, None, "x", 1, 1, 1],
            [b.code, None, 25000, 0, 11, "abc"],
            [c.code, None, None, 1.1, None, None],
            [d.code, 1, 25000, None, None, None]]
    outcome = run("price-list", site["project"], site["admin"], xlsx(COEFFICIENT_HEADERS, rows), "p.xlsx",
                  language="en")
    assert {(p.row, p.column, p.message) for p in outcome.problems} == {
        (2, "Base price per m² (yuan)", "not a number"),
        (3, "Floor coefficient", "must be more than 0"),
        (3, "Orientation coefficient", "must be at most 10"),
        (3, "Layout coefficient", "not a number"),
        (4, "Floor coefficient", "a coefficient needs a base price per m² in the same row"),
        (4, "List price (yuan)", "required"),
        (5, "List price (yuan)", "1.00 is not what the base price and coefficients give (3212500.00); leave one "
                                 "of them empty")}
    assert PriceListRevision.objects.count() == 0
    assert set(Unit.objects.values_list("list_price", flat=True)) == {D("3058300.00")}


def test_a_file_of_unit_codes_alone_sets_no_price(site):
    a, = make_units(site["project"], 1)
    outcome = run("price-list", site["project"], site["admin"], xlsx(["Unit code"], [[a.code]]), "p.xlsx",
                  language="en")
    assert [(p.row, p.column, p.message) for p in outcome.problems] == [(2, "List price (yuan)", "required")]
