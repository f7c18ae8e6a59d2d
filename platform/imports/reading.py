"""Reading an uploaded file row by row: .xlsx in openpyxl's read-only (streaming) mode, or .csv.

Rows come out as (sheet row number, cells) so a problem can name the row a person sees
in Excel; memory stays flat however long the file, since nothing keeps the rows read.

The .xlsx rows are parsed by openpyxl's own sheet parser (cells, shared strings, dates) but
not through its read-only sheet's iterator: that one reads with ElementTree's `iterparse`
and clears each `<row>` without removing it, so every row read stays in memory as an empty
element under `<sheetData>` until the end (some 70 bytes a row: 7 MiB at 100,000 rows).
`_xlsx_rows` removes each row once read. openpyxl is pinned (requirements.txt); the names it
uses are openpyxl 3.1's.
"""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import DATA_TAG, ROW_TAG, WorkSheetParser
from openpyxl.xml.functions import iterparse


class UnreadableFile(ValueError):
    """Not a spreadsheet we can read; the message says so in the user's language."""


@dataclass
class Sheet:
    name: str
    headers: list[object]
    header_row: int
    rows: Iterator[tuple[int, list[object]]]
    total: int | None  # rows below the header, when the file says (xlsx dimensions); None for csv


def is_csv(file_name: str) -> bool:
    return file_name.lower().endswith(".csv")


def open_sheet(content: bytes, file_name: str, unreadable: str) -> Sheet:
    """The first sheet's header row (the first row with a value) and an iterator over the rows below it."""
    if is_csv(file_name):
        return _csv_sheet(content, unreadable)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raise UnreadableFile(unreadable) from exc
    sheet = book.worksheets[0]
    rows = _xlsx_rows(sheet)
    number = 0
    headers: list[object] = []
    # `number` is read after the loop: the header's row number (0 for an empty sheet)
    for number, values in rows:  # noqa: B007
        if any(v not in (None, "") for v in values):
            headers = list(values)
            break
    max_row = sheet.max_row
    total = max(max_row - number, 0) if isinstance(max_row, int) and number else None

    def body() -> Iterator[tuple[int, list[object]]]:
        try:
            for n, values in rows:
                if any(v not in (None, "") for v in values):
                    yield n, values
        finally:
            book.close()

    return Sheet(sheet.title, headers, number, body(), total)


def _xlsx_rows(sheet) -> Iterator[tuple[int, list[object]]]:
    """(row number, values) of each row the sheet's XML holds, each row's element dropped once read."""
    book = sheet.parent
    with sheet._get_source() as source:
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=book.data_only, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        data = None
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                if element.tag == DATA_TAG:
                    data = element
                continue
            if element.tag != ROW_TAG:
                continue
            number, cells = parser.parse_row(element)
            parser.row_dimensions.clear()  # a row's height and style, kept per row by the parser: not needed
            element.clear()
            if data is not None:
                data.remove(element)
            values: list[object] = [None] * max((cell["column"] for cell in cells), default=0)
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, values


def _csv_sheet(content: bytes, unreadable: str) -> Sheet:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves csv in GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile(unreadable)
    reader = csv.reader(io.StringIO(text))
    number, headers = 0, list[object]()
    for number, values in enumerate(reader, 1):  # noqa: B007 (read after the loop, as above)
        if any(v.strip() for v in values):
            headers = list(values)
            break

    def body() -> Iterator[tuple[int, list[object]]]:
        for n, values in enumerate(reader, number + 1):
            if any(v.strip() for v in values):
                yield n, [v if v.strip() else None for v in values]

    return Sheet("csv", headers, number, body(), None)
