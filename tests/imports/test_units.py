"""units: a good file, a file with a mistake in every column, a second load, a unit in a live deal."""
from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imports.runner import run
from kernel.models import Building, SaleStatus, Unit, UnitHold
from tests.imports.conftest import xlsx

HEADERS = ["Building", "Building name", "Unit code", "Floor", "Position on the floor", "Layout", "Built area (m²)",
           "Inner area (m²)", "Orientation", "List price (yuan)", "Sale status"]
GOOD = [["3", "3号楼", "3-1502", 15, "02", "3室2厅2卫", 128.5, 101.37, "南", 3058300, "available"],
        ["3", "3号楼", "3-1501", 15, "01", "2室2厅1卫", "89.37", "70.10", "南北", "2,530,307.00", "withheld"],
        ["5", "", "5-0101", 1, "01", "", 60, 50, "", 0, ""]]


def units():
    return sorted(Unit.objects.values_list("building__code", "code", "floor", "position", "layout", "built_area",
                                           "inner_area", "orientation", "list_price", "status"))


def test_a_good_file_creates_buildings_and_units(site):
    outcome = run("units", site["project"], site["admin"], xlsx(HEADERS, GOOD), "units.xlsx", language="en")
    assert (outcome.status, outcome.created, outcome.changed, outcome.unchanged, outcome.problems) == \
        ("done", 3, 0, 0, [])
    assert units() == [
        ("3", "3-1501", 15, "01", "2室2厅1卫", D("89.37"), D("70.10"), "南北", D("2530307.00"), "withheld"),
        ("3", "3-1502", 15, "02", "3室2厅2卫", D("128.50"), D("101.37"), "南", D("3058300.00"), "available"),
        ("5", "5-0101", 1, "01", "", D("60.00"), D("50.00"), "", D("0.00"), "available"),
    ]
    assert sorted(Building.objects.values_list("code", "name")) == [("3", "3号楼"), ("5", "Building 5")]


def test_loading_the_same_file_twice_changes_nothing(site):
    run("units", site["project"], site["admin"], xlsx(HEADERS, GOOD), "units.xlsx", language="en")
    before = units()
    outcome = run("units", site["project"], site["admin"], xlsx(HEADERS, GOOD), "units.xlsx", language="en")
    assert (outcome.created, outcome.changed, outcome.unchanged) == (0, 0, 3)
    assert units() == before


def test_a_mistake_in_every_column_is_reported_and_nothing_written(site):
    bad = [["", "x" * 101, "", "x", "", "y" * 51, "-1", "abc", "z" * 21, "1.234", "signed"],
           ["3", "", "3-0101", 1, "123456789", "", 50, 60, "", -5, ""],
           ["3", "", "3-0101", 1, "02", "", 50, 40, "", 5, ""]]
    outcome = run("units", site["project"], site["admin"], xlsx(HEADERS, bad), "units.xlsx", language="en")
    assert outcome.status == "refused"
    found = {(p.row, p.column, p.message) for p in outcome.problems}
    assert found == {
        (2, "Building", "required"), (2, "Unit code", "required"), (2, "Floor", "not a whole number"),
        (2, "Position on the floor", "required"), (2, "Layout", "at most 50 characters"),
        (2, "Built area (m²)", "must be more than 0"), (2, "Inner area (m²)", "not a number"),
        (2, "Orientation", "at most 20 characters"), (2, "List price (yuan)", "at most 2 decimal places"),
        (2, "Sale status", "not one of: available, withheld"),
        (3, "Position on the floor", "at most 8 characters"),
        (3, "Inner area (m²)", "cannot be more than the built area (50.00 m²)"),
        (3, "List price (yuan)", "must be at least 0"),
        (4, "Unit code", "appears twice in the file"),
    }
    assert Unit.objects.count() == 0 and Building.objects.count() == 0


def test_a_unit_in_a_live_deal_is_never_changed(site):
    run("units", site["project"], site["admin"], xlsx(HEADERS, GOOD), "units.xlsx", language="en")
    unit = Unit.objects.get(code="3-1502")
    Unit.objects.filter(pk=unit.pk).update(status=SaleStatus.RESERVED)
    UnitHold.objects.create(project=site["project"], unit=unit, record_id=1, reference="RSV-000001",
                            flow="reservation", held_at=timezone.now())
    changed = [row[:] for row in GOOD]
    changed[0][9] = 3100000
    changed[1][9] = 2600000  # a unit not in a deal: this one alone would change
    outcome = run("units", site["project"], site["admin"], xlsx(HEADERS, changed), "units.xlsx", language="en")
    assert [(p.row, p.column, p.message) for p in outcome.problems] == [
        (2, "List price (yuan)", "unit 3-1502 is in a live deal (RSV-000001) and is never changed by an import")]
    assert Unit.objects.get(code="3-1501").list_price == D("2530307.00")


def test_a_dry_run_counts_and_writes_nothing(site):
    outcome = run("units", site["project"], site["admin"], xlsx(HEADERS, GOOD), "units.xlsx", dry_run=True,
                  language="en")
    assert (outcome.status, outcome.created, outcome.changed, outcome.unchanged) == ("checked", 3, 0, 0)
    assert Unit.objects.count() == 0


def test_chinese_titles_and_messages(site):
    from imports.units import COLUMNS
    zh = [c.title_in("zh-hans") + (" *" if c.required else "") for c in COLUMNS]  # as the Chinese template writes them
    rows = [["3", "", "3-1502", "十五", "02", "", 128.5, 101.37, "南", 3058300, "可售"]]
    outcome = run("units", site["project"], site["admin"], xlsx(zh, rows), "units.xlsx", language="zh-hans")
    assert [(p.row, p.column, p.message) for p in outcome.problems] == [(2, COLUMNS[3].title_in("zh-hans"), "不是整数")]


def test_a_missing_required_column_is_named(site):
    outcome = run("units", site["project"], site["admin"], xlsx(HEADERS[:6], [GOOD[0][:6]]), "u.xlsx", language="en")
    assert [(p.row, p.column) for p in outcome.problems] == [
        (1, "Built area (m²)"), (1, "Inner area (m²)"), (1, "List price (yuan)")]


def test_a_file_that_is_not_a_spreadsheet_is_refused_in_words(site):
    outcome = run("units", site["project"], site["admin"], b"not a workbook", "units.xlsx", language="en")
    assert outcome.status == "refused"
    assert "save it from Excel as .xlsx" in outcome.problems[0].message


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if q["sql"].lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def test_a_second_load_writes_no_statement_and_no_history_row(site):
    # given: the file loaded once
    content = xlsx(HEADERS, GOOD)
    run("units", site["project"], site["admin"], content, "units.xlsx", language="en")
    history = Unit.history.count()
    # when: loaded again
    with CaptureQueriesContext(connection) as queries:
        outcome = run("units", site["project"], site["admin"], content, "units.xlsx", language="en")
    # then: every row known and unchanged, nothing sent to the database but reads
    assert (outcome.status, outcome.created, outcome.changed, outcome.unchanged) == ("done", 0, 0, 3)
    assert _writes(queries) == []
    assert Unit.history.count() == history


def test_a_second_load_reads_the_known_units_in_bulk_not_per_row(site):
    # given: files of 3 and of 40 units, each loaded once
    big = [["7", "", f"7-{i:04d}", i // 4 + 1, f"{i % 4 + 1:02d}", "", 90, 70, "", 1000000 + i, ""] for i in range(40)]
    for rows in (GOOD, big):
        run("units", site["project"], site["admin"], xlsx(HEADERS, rows), "units.xlsx", language="en")
    counts = []
    for rows in (GOOD, big):
        # when: each loaded again
        with CaptureQueriesContext(connection) as queries:
            outcome = run("units", site["project"], site["admin"], xlsx(HEADERS, rows), "units.xlsx", language="en")
        assert outcome.unchanged == len(rows)
        counts.append(len(queries.captured_queries))
    # then: the same statements for 40 rows as for 3 (one read of the chunk's units by code, not one a row)
    assert counts[0] == counts[1]


def test_a_changed_cell_in_a_second_load_writes_that_unit_only(site):
    # given
    run("units", site["project"], site["admin"], xlsx(HEADERS, GOOD), "units.xlsx", language="en")
    history = Unit.history.count()
    changed = [list(r) for r in GOOD]
    changed[1][9] = "2,600,000.00"
    # when
    outcome = run("units", site["project"], site["admin"], xlsx(HEADERS, changed), "units.xlsx", language="en")
    # then
    assert (outcome.created, outcome.changed, outcome.unchanged) == (0, 1, 2)
    assert Unit.objects.get(code="3-1501").list_price == D("2600000.00")
    assert Unit.objects.get(code="3-1502").list_price == D("3058300.00")
    assert Unit.history.count() == history + 1


def test_a_floor_position_taken_twice_is_refused_in_the_file_and_against_the_project(site):
    # given: 3-1502 at floor 15 position 02
    run("units", site["project"], site["admin"], xlsx(HEADERS, GOOD[:1]), "units.xlsx", language="en")
    rows = [["3", "", "3-1599", 15, "02", "", 90, 70, "", 1, ""],  # where 3-1502 is
            ["5", "", "5-0201", 2, "01", "", 90, 70, "", 1, ""],
            ["5", "", "5-0299", 2, "01", "", 90, 70, "", 1, ""]]  # where the row above puts 5-0201
    # when
    outcome = run("units", site["project"], site["admin"], xlsx(HEADERS, rows), "units.xlsx", language="en")
    # then
    assert outcome.status == "refused"
    assert {(p.row, p.column, p.message) for p in outcome.problems} == {
        (2, "Position on the floor", "unit 3-1502 is already at floor 15 position 02 of building 3"),
        (4, "Position on the floor", "unit 5-0201 is already at floor 2 position 01 of building 5")}
    assert Unit.objects.count() == 1
