"""A project to import into, its people, and real .xlsx files written with openpyxl."""
from __future__ import annotations

import io
from collections.abc import Sequence

import pytest
from openpyxl import Workbook, load_workbook

from kernel.models import Project
from tests.kernel.conftest import make_user


def xlsx(headers: Sequence[str], rows: Sequence[Sequence[object]], sheet: str = "Sheet") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_xlsx(content: bytes) -> list[list[object]]:
    book = load_workbook(io.BytesIO(content))
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def site(db):
    """Project NEW (7-day protection), an admin, two consultants and a manager."""
    project = Project.objects.create(code="NEW", name="New garden", settings={"protection_days": 7})
    return {
        "project": project,
        "admin": make_user("admin1", project, "project_admin"),
        "wang": make_user("wang", project, "sales_consultant"),
        "li": make_user("li", project, "sales_consultant"),
        "manager": make_user("boss", project, "sales_manager"),
        "finance": make_user("fin", project, "finance"),
    }
