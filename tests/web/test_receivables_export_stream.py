"""应收欠款's export written row by row (web.views.receivables_due): read back with openpyxl, the same
queries for 3 and 30 deals (page and export), names read chunk by chunk giving the page's rows, and a
workbook of ten times the rows not taking ten times the memory.

Deals are made through the kernel's actions on real records of S1 (tests/flows/conftest.py): each a
subscription holding a unit, scheduled on installments at 1 000 000.00 (deposit 100 000.00 received,
300 000.00 down on 2020-01-01, 600 000.00 due on 2020-02-01), so each owes 900 000.00, all of it overdue
since 2020-01-01.
"""
from __future__ import annotations

import tempfile
import tracemalloc
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from engine.runtime import records
from kernel import customers, payments, receivables, units
from kernel.actions import ActionContext
from kernel.visibility import PhoneVisibility
from tests.flows.conftest import world  # noqa: F401  (the fixture)
from tests.kernel.conftest import make_units
from web.views.receivables_due import Filters, Row, rows_for, streamed_rows, write_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def add_deals(p, u, extra_units, start: int, stop: int) -> None:
    for i in range(start, stop):
        customer = customers.register(project_id=p.pk, consultant_id=u["sales_consultant"].pk, name=f"客户{i}",
                                      phone=f"1390000{i:04d}").customer
        unit = extra_units[i]
        rec = records.start_record(u["sales_consultant"], p, "subscription",
                                   {"customer_id": customer.pk, "unit_id": unit.pk})
        ctx = ActionContext(project_id=p.pk, record_id=rec.pk, reference=rec.reference, flow="subscription",
                            user_id=u["finance"].pk, now=timezone.now(), data={}, lineage=(rec.pk,))
        units.hold(ctx, unit.pk, "subscribed")
        receivables.schedule(ctx, payment_plan="installments", deal_price="1000000.00", deposit="100000.00",
                             down_payment="300000.00", signed_on="2020-01-01", installments=1, every_months=1)
        payments.record(ctx, "deposit", "100000.00")


def export(client, **params):
    return client.get(reverse("web:receivables-export", args=["S1"]), params, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_the_export_reads_back_with_numbers_dates_and_formats(client, world):
    # given: three deals owing 900 000.00 each, overdue since 2020-01-01
    p, u, _units = world
    add_deals(p, u, make_units(p, 3, building_code="5"), 0, 3)
    client.force_login(u["finance"])
    today = timezone.now().astimezone(p.zone).date()
    # when
    response = export(client)
    # then
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    cells = [[c.value for c in r] for r in sheet.iter_rows()]
    assert len(cells) == 2 + 3 + 1 and cells[1][0] == "单号"
    for n, line in enumerate(cells[2:5], start=3):
        assert line[1].startswith("客户") and line[2].startswith("139****")  # finance sees phones masked
        assert [Decimal(str(v)) for v in line[5:9]] == [Decimal("1000000"), Decimal("100000"), Decimal("900000"),
                                                       Decimal("900000")]
        assert line[9] == datetime(2020, 1, 1) and line[10] == (today - date(2020, 1, 1)).days
        assert Decimal(str(line[11])) == 0
        assert [sheet.cell(row=n, column=c).number_format for c in (6, 7, 8, 9, 12)] == ["#,##0.00"] * 5
        assert sheet.cell(row=n, column=10).is_date and sheet.cell(row=n, column=10).number_format == "yyyy-mm-dd"
        assert sheet.cell(row=n, column=11).data_type == "n"
    total = cells[5]
    assert total[0] == "合计" and Decimal(str(total[7])) == Decimal("2700000") and total[9] is None
    assert sheet.cell(row=6, column=8).number_format == "#,##0.00" and sheet.cell(row=6, column=8).font.b
    assert sheet.freeze_panes == "A3"


def test_the_page_and_the_export_read_the_same_queries_for_3_and_30_deals(client, world):
    p, u, _units = world
    extra = make_units(p, 30, building_code="5")
    client.force_login(u["finance"])
    counted = []
    for made, total in ((0, 3), (3, 30)):
        add_deals(p, u, extra, made, total)
        with CaptureQueriesContext(connection) as page_queries:
            page = client.get(reverse("web:receivables-due", args=["S1"]))
        with CaptureQueriesContext(connection) as export_queries:
            response = export(client)
        assert page.status_code == 200 and page.content.decode().count('<tr data-deal="') == total
        assert load_workbook(BytesIO(b"".join(response.streaming_content))).active.max_row == 2 + total + 1
        counted.append((len(page_queries), len(export_queries)))
    assert counted[0] == counted[1], counted


def test_names_read_chunk_by_chunk_give_the_pages_rows(world):
    p, u, _units = world
    add_deals(p, u, make_units(p, 5, building_code="5"), 0, 5)
    today = timezone.now().astimezone(p.zone).date()
    visibility = PhoneVisibility(u["sales_manager"].pk, {p.pk: frozenset({"sales_manager"})}, p.pk)
    f = Filters("overdue", 7)

    streamed = list(streamed_rows(p, visibility, today, f, chunk=2))

    assert streamed == rows_for(p, visibility, today, f)
    assert len(streamed) == 5 and all(r.customer.startswith("客户") and r.unit != "—" for r in streamed)


def _peak(rows: int) -> int:
    def made():
        for n in range(rows):
            yield Row(n, f"SUB-{n:06d}", None, f"客户{n}", "139****0000", f"5-{n:04d}", "顾问",
                      Decimal("1000000.00"), Decimal("100000.00"), Decimal("900000.00"), Decimal("600000.00"),
                      date(2020, 2, 1), 100, Decimal("0.00"))

    f = Filters("", 7)
    project = type("P", (), {"code": "S1", "name": "Smoke", "zone": timezone.get_current_timezone()})()
    with tempfile.TemporaryFile() as out:  # the file on disk, as the view writes it
        tracemalloc.start()
        try:
            write_workbook(out, project, date(2026, 6, 15), f, made())  # type: ignore[arg-type]  # a project's fields
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


@pytest.mark.django_db
def test_ten_times_the_rows_do_not_take_ten_times_the_memory():
    small, large = _peak(200), _peak(2_000)
    # an in-memory workbook keeps every cell (about 10x here); write-only keeps none once written
    assert large < 2 * small, (small, large)
