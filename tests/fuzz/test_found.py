"""What the fuzz tests found, each pinned by the smallest input that showed it."""
from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engine.models import FlowVersion
from kernel.models import Project

from .rows import row_counts

pytestmark = pytest.mark.django_db


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", ["[]", "0", "false", "'('"])
def test_overrides_that_are_not_a_mapping_are_refused_at_the_file_not_published_as_none(people, tmp_path, text):
    # `[]` and `0` were read as "no overrides" and published the bare template; `(` was refused without the file
    path = _file(tmp_path, "overrides.yaml", text)
    out = StringIO()

    with pytest.raises(CommandError, match=r"1 problem\(s\); nothing was published"):
        call_command("flows", "publish", "--project", "P1", "--overrides", str(path), "subscription", stdout=out)

    assert out.getvalue().strip() == f"{path}: overrides must be a mapping (line 1)"
    assert FlowVersion.objects.count() == 0


def test_an_unknown_key_the_overrides_add_is_said_at_their_file_and_line(people, tmp_path):
    path = _file(tmp_path, "overrides.yaml", "# DEMO2's changes\ncolour: blue\n")
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("flows", "publish", "--project", "P1", "--overrides", str(path), "subscription", stdout=out)

    assert out.getvalue().strip() == f"{path}: colour: unknown key 'colour' (line 2)"


@pytest.mark.parametrize(("text", "said"), [
    ("", "the demo file must be a mapping of projects, users and deals (line 1)"),
    ("- DEMO\n", "the demo file must be a mapping of projects, users and deals (line 1)"),
    ("projects:\n  - {name: 示范花园}\n", "projects[0]: 'code' is missing (line 2)"),
    ("projects:\n  - DEMO\n", "projects[0]: a value has the wrong shape"),
    ("projects: []\nusers:\n  - {username: x, password: y, roles: {NOPE: [finance]}}\n", "users[0]: 'NOPE' is missing"),
])
def test_load_demo_with_a_file_of_the_wrong_shape_names_the_entry_and_loads_nothing(tmp_path, text, said):
    # each was an AttributeError, KeyError or TypeError traceback
    path = _file(tmp_path, "demo.yaml", text)
    before = row_counts()

    with pytest.raises(CommandError) as refused:
        call_command("load_demo", "--file", str(path), stdout=StringIO())

    assert str(refused.value).startswith(f"{path}: {said}")
    assert row_counts() == before
    assert not Project.objects.exists()


def test_load_demo_with_a_file_that_is_not_utf8_names_the_file_and_line(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_bytes("projects:\n  - {code: D, name: 示范}\n".encode("gbk"))

    with pytest.raises(CommandError) as refused:
        call_command("load_demo", "--file", str(path), stdout=StringIO())

    assert str(refused.value) == f"{path}: the file is not UTF-8 text (byte 0xB7, column 22): save it as UTF-8 (line 2)"
