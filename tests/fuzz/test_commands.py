"""Every command that reads a file, given mutated and random files: a message naming the file, or a valid result.

Never a traceback, and nothing written when the file is refused (row counts unchanged).
The originals mutated are the files the product ships: a flow template, the demo
project's overrides and rule files, the demo file itself.
"""
from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given

from .conftest import FUZZ
from .rows import rolled_back, row_counts
from .strategies import any_file

ROOT = Path(__file__).resolve().parents[2]
FLOW = (ROOT / "flows" / "reservation.yaml").read_text(encoding="utf-8")
PRICING = (ROOT / "fixtures" / "demo" / "rules" / "DEMO2" / "pricing.yaml").read_text(encoding="utf-8")
DEMO = (ROOT / "fixtures" / "demo" / "demo.yaml").read_text(encoding="utf-8")
OVERRIDES = yaml.safe_dump(yaml.safe_load(DEMO)["projects"][1]["overrides"]["subscription"], allow_unicode=True)
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"/")

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, bool]:
    """(what the command printed, whether it refused); any other exception fails the test."""
    out, err = StringIO(), StringIO()
    try:
        with rolled_back():  # a file that loaded leaves nothing for the next example
            call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return f"{out.getvalue()}{err.getvalue()}{exc}", True
    except SystemExit as exc:
        assert exc.code == 1, f"exit code {exc.code}"
        return out.getvalue() + err.getvalue(), True
    return out.getvalue() + err.getvalue(), False


def _refused_in_words(printed: str, path: Path, *, also: str | None = None) -> None:
    """Words, no traceback, and the file named (or `also`: the label of a definition made from it)."""
    assert not TRACEBACK.search(printed), printed[-3000:]
    assert printed.strip(), "refused without a word"
    names = [str(path), path.name] + ([also] if also else [])
    assert any(name in printed for name in names), f"the message does not name the file:\n{printed[:2000]}"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_flows_validate_names_the_file_of_every_problem(tmp_path):
    @FUZZ
    @given(any_file(FLOW))
    def check(data: bytes) -> None:
        path = _write(tmp_path, "reservation.yaml", data)
        printed, refused = _run("flows", "validate", str(path))
        if refused:
            _refused_in_words(printed, path)
    check()


def test_flows_publish_with_overrides_refuses_in_words_and_publishes_nothing(people, tmp_path):
    @FUZZ
    @given(any_file(OVERRIDES))
    def check(data: bytes) -> None:
        path = _write(tmp_path, "overrides.yaml", data)
        before = row_counts()
        printed, refused = _run("flows", "publish", "--project", "P1", "--overrides", str(path), "subscription")
        if refused:
            # a problem deep in the effective definition (states[3].tasks[0]) is said by its path there
            _refused_in_words(printed, path, also="flows/subscription.yaml + P1 overrides: ")
            assert row_counts() == before
    check()


@pytest.mark.parametrize("plugin", ["pricing"])
def test_rules_validate_names_the_file(db, tmp_path, plugin):
    @FUZZ
    @given(any_file(PRICING))
    def check(data: bytes) -> None:
        path = _write(tmp_path, "pricing.yaml", data)
        printed, refused = _run("rules", "validate", plugin, str(path))
        if refused:
            _refused_in_words(printed, path)
    check()


def test_rules_publish_refuses_in_words_and_saves_nothing(people, tmp_path):
    @FUZZ
    @given(any_file(PRICING))
    def check(data: bytes) -> None:
        path = _write(tmp_path, "pricing.yaml", data)
        before = row_counts()
        printed, refused = _run("rules", "publish", "--project", "P1", "pricing", str(path))
        if refused:
            _refused_in_words(printed, path)
            assert row_counts() == before
    check()


def test_load_demo_with_a_broken_file_refuses_in_words_and_loads_nothing(db, tmp_path):
    rules = tmp_path / "rules"
    rules.symlink_to(ROOT / "fixtures" / "demo" / "rules")

    @FUZZ
    @given(any_file(DEMO))
    def check(data: bytes) -> None:
        path = _write(tmp_path, "demo.yaml", data)
        before = row_counts()
        printed, refused = _run("load_demo", "--file", str(path))
        if refused:
            _refused_in_words(printed, path)
            assert row_counts() == before
    check()
