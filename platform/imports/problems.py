"""Problems of an import file, each at (sheet, row, column, value, message), and the file handed back marked.

The marked copy is the uploaded file with one more column, "Problems", saying what is
wrong with each row that has something wrong, so a person fixes the rows in the file
they know and sends it again.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from django.utils.translation import gettext
from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill

from .reading import is_csv

SHOWN_IN_SUMMARY = 200  # the page lists the first problems; the marked file has them all


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int  # the row number Excel shows; 0 for the file as a whole
    column: str  # the column's title in the user's language; "" for the row or the file
    value: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def shown_value(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def marked_copy(content: bytes, file_name: str, problems: Sequence[Problem]) -> bytes:
    """The uploaded file with a problems column after its last column (rows keep their places)."""
    by_row: dict[int, list[str]] = defaultdict(list)
    for p in problems:
        by_row[p.row].append(f"{p.column}: {p.message}" if p.column else p.message)
    title = gettext("Problems")
    if is_csv(file_name):
        return _marked_csv(content, by_row, title)
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    column = sheet.max_column + 1
    header_row = next((r for r in range(1, sheet.max_row + 1)
                       if any(c.value not in (None, "") for c in sheet[r])), 1)
    red = PatternFill("solid", fgColor="FFC7CE")
    header = sheet.cell(row=header_row, column=column, value=title)
    header.font = Font(bold=True, color="9C0006")
    for row, messages in by_row.items():
        if row <= 0:
            continue
        cell = sheet.cell(row=row, column=column, value="; ".join(messages))
        cell.fill = red
    file_messages = by_row.get(0)
    if file_messages:
        header.value = f"{title}: {'; '.join(file_messages)}"
    sheet.column_dimensions[header.column_letter].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _marked_csv(content: bytes, by_row: dict[int, list[str]], title: str) -> bytes:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("gb18030", errors="replace")
    out = io.StringIO()
    writer = csv.writer(out)
    header_done = False
    for number, values in enumerate(csv.reader(io.StringIO(text)), 1):
        if not header_done and any(v.strip() for v in values):
            header_done = True
            writer.writerow([*values, title + (f": {'; '.join(by_row[0])}" if by_row.get(0) else "")])
            continue
        writer.writerow([*values, "; ".join(by_row.get(number, []))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
