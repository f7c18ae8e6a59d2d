"""The downloadable template of a kind: titles in the user's language, validation lists, an example sheet.

The first sheet is the one that is read: its header row only (required titles end in
" *"), each enum column with a drop-down list (openpyxl DataValidation) of the titles
the project offers, read from a hidden "lists" sheet. The second sheet shows the same
headers with an example row, so a filled-in template never imports the example.
"""
from __future__ import annotations

import io
from typing import cast

from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kernel.models import Project

from .kinds import KINDS

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
MAX_ROWS = 100_000  # how far down the drop-down lists reach


def template_workbook(kind_name: str, project: Project | None, language: str) -> bytes:
    kind = KINDS[kind_name]
    book = Workbook()
    sheet = cast(Worksheet, book.active)  # a new workbook has its one sheet
    sheet.title = kind.sheet_title
    example = book.create_sheet(gettext("Example")[:31])
    lists = book.create_sheet("lists")
    lists.sheet_state = "hidden"
    list_column = 0
    for position, column in enumerate(kind.columns, 1):
        letter = get_column_letter(position)
        title = column.title_in(language) + (" *" if column.required else "")
        for target in (sheet, example):
            cell = target.cell(row=1, column=position, value=title)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            target.column_dimensions[letter].width = max(column.width, len(title) + 4)
        if column.help:
            sheet.cell(row=1, column=position).comment = Comment(str(column.help), "platform")
        example.cell(row=2, column=position, value=column.example if column.example != "" else None)
        if column.choices is not None and project is not None:
            titles = [c.title(language) for c in column.choices(project)]
            if titles:
                list_column += 1
                list_letter = get_column_letter(list_column)
                for i, value in enumerate(titles, 1):
                    lists.cell(row=i, column=list_column, value=value)
                rule = DataValidation(type="list", formula1=f"=lists!${list_letter}$1:${list_letter}${len(titles)}",
                                      allow_blank=not column.required, showErrorMessage=True,
                                      errorTitle=column.title_in(language),
                                      error=gettext("Pick one of the list."))
                rule.add(f"{letter}2:{letter}{MAX_ROWS}")
                sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
