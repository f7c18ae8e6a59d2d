"""A dashboard's tables as an .xlsx workbook: one sheet per table (or the one table asked for).

Numbers stay numbers: counts as integers, money as numeric cells with two decimals
(#,##0.00), rates as percentages (0.00%), days and months as date cells. A title row names
the projects, the period and the time zone; headers are in the user's language.
"""
from __future__ import annotations

import io
import re
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from figures.tables import COUNT, DAY, MONEY, MONTH, NUMBER, RATE

from .common import lang
from .dashboard import _board_for, _group_board
from .dashboard_view import period_text

FORMATS = {MONEY: "#,##0.00", RATE: "0.00%", DAY: "yyyy-mm-dd", MONTH: "yyyy-mm", COUNT: "#,##0", NUMBER: "0.0"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(board, title: str, zone: str, only: str | None = None) -> bytes:
    book = Workbook()
    book.remove(cast(Worksheet, book.active))  # a new workbook's one sheet
    tables = [t for t in board.tables() if only is None or t.key == only]
    if not tables:
        raise Http404()
    used: set[str] = set()
    for table in tables:
        name = re.sub(r"[\[\]:*?/\\]", " ", table.title)[:28] or table.key[:28]
        while name in used:
            name = name[:26] + str(len(used))
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append([f"{table.title} · {title} · {period_text(board.period)} ({zone})"])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([c.title for c in table.columns])
        for c in sheet[2]:
            c.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
        for i, column in enumerate(table.columns):
            fmt = FORMATS.get(column.kind)
            letter = sheet.cell(row=2, column=i + 1).column_letter
            sheet.column_dimensions[letter].width = max(12, min(40, len(column.title) * 2 + 2))
            if fmt:
                for (cell,) in sheet.iter_rows(min_row=3, min_col=i + 1, max_col=i + 1):
                    cell.number_format = fmt
        sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
def project_export(request, project: str):
    context, board = _board_for(request, project)
    if board is None:
        return context
    p = context["project"]
    who = f" {context['consultant_name']}" if context.get("consultant_name") else ""
    content = workbook(board, f"{p.code} {p.name}{who}", context["zone"], request.GET.get("table") or None)
    return _response(content, f"figures-{p.code}-{board.period.first:%Y%m%d}-{board.period.last:%Y%m%d}")


@login_required
def group_export(request, company: str):
    group, projects, chosen, today, zone, board = _group_board(request, company)
    if board is None:
        raise Http404()
    from kernel.zones import zone_name

    content = workbook(board, group.name, zone_name(zone, lang()), request.GET.get("table") or None)
    return _response(content, f"figures-{group.code.replace('/', '-')}-{board.period.first:%Y%m%d}")


__all__ = ["group_export", "gettext", "project_export", "workbook"]
