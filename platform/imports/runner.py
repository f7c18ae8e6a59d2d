"""Running an import: read and check every row (a dry run), then, only if nothing is wrong, write in one transaction.

All or nothing: the first pass goes through the whole file with the kind's resource in
django-import-export's dry-run mode and collects every problem; a problem anywhere
writes nothing. The second pass takes the same rows again (kept by the first in a
`RowSpool` off the Python heap rather than parsed from the .xlsx a second time; a
100,000-row file is never held whole) and writes them chunk by chunk inside one
transaction, so an error, a crash or a killed process leaves the database as it was.
A file whose every row is known and unchanged has no second pass. Progress is reported after
each chunk through `progress(phase, read, validated, written, total)`.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

import tablib
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from kernel.errors import KernelError
from kernel.models import Project

from .base import Context
from .columns import Column, header_map
from .keys import RowSpool
from .kinds import KINDS, Kind
from .problems import Problem, shown_value
from .reading import Sheet, UnreadableFile, open_sheet

log = logging.getLogger(__name__)
CHUNK = 1000
Progress = Callable[[str, int, int, int, "int | None"], None]


class Interrupted(Exception):
    """Raised by a progress callback to stop a run (tests stand in for a killed process with it)."""


class WriteRefused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems found while writing")
        self.problems = problems


@dataclass
class Outcome:
    status: str  # checked, done, refused
    rows: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: dict[str, int] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)


def run(kind_name: str, project: Project, user, content: bytes, file_name: str, *, dry_run: bool = False,
        language: str = "zh-hans", progress: Progress | None = None, job_id: int | None = None) -> Outcome:
    """Check `content` as a `kind_name` file for `project`; unless `dry_run` or a problem, write it."""
    kind = KINDS[kind_name]
    report = progress or (lambda *args: None)
    spool = None if dry_run else RowSpool()
    try:
        with translation.override(language):
            checked, read = _check(kind, project, user, content, file_name, language, report, job_id, spool)
            if checked.problems or dry_run:
                checked.status = "refused" if checked.problems else "checked"
                return checked
            if not checked.created and not checked.changed:
                # every row is known and unchanged (a file loaded again): a write pass would only go through the
                # rows again to write nothing, so the check's count is the outcome
                checked.status = "done"
                report("writing", checked.rows, checked.rows, checked.rows, checked.rows)
                return checked
            assert spool is not None and read is not None
            try:
                written = _write(kind, project, user, read, spool, language, report, job_id)
            except WriteRefused as refusal:  # something changed between the two passes: nothing was written
                checked.problems, checked.status = refusal.problems, "refused"
                return checked
            written.unknown_columns = checked.unknown_columns
            return written
    finally:
        if spool is not None:
            spool.close()


def _open(kind: Kind, content: bytes, file_name: str) -> tuple[Sheet, dict[int, Column], list[str]]:
    sheet = open_sheet(content, file_name, gettext("This is not an .xlsx or .csv file we can read; "
                                                   "save it from Excel as .xlsx and upload it again."))
    positions, unknown = header_map(kind.columns, sheet.headers)
    return sheet, positions, unknown


@dataclass
class _Read:
    """What the write pass needs of the file the check read."""
    sheet_name: str
    positions: dict[int, Column]
    total: int | None


def _check(kind, project, user, content, file_name, language, report, job_id,
           spool: RowSpool | None) -> tuple[Outcome, _Read | None]:
    try:
        sheet, positions, unknown = _open(kind, content, file_name)
    except UnreadableFile as exc:
        return Outcome("refused", problems=[Problem("", 0, "", file_name, str(exc))]), None
    outcome = Outcome("checked", unknown_columns=unknown)
    present = {c.key for c in positions.values()}
    for column in kind.columns:
        if column.required and column.key not in present:
            outcome.problems.append(Problem(sheet.name, sheet.header_row, column.title_in(language), "",
                                            gettext("this column is missing from the header row")))
    if outcome.problems:
        return outcome, None
    ctx = Context(project, user, language, job_id=job_id)
    resource = kind.resource(ctx)
    for chunk in _chunks(sheet.rows):
        if spool is not None:
            spool.append(chunk)
        result = resource.import_data(_dataset(chunk, positions), dry_run=True, use_transactions=True,
                                      raise_errors=False)
        outcome.problems += _problems(result, chunk, positions, sheet.name, kind.columns, language)
        _count(outcome, result)
        report("reading", outcome.rows, outcome.rows, 0, sheet.total)
    outcome.notes = dict(ctx.notes)
    if not outcome.rows and not outcome.problems:
        outcome.problems.append(Problem(sheet.name, sheet.header_row + 1, "", "",
                                        gettext("the file has no rows below its header row")))
    return outcome, _Read(sheet.name, positions, sheet.total)


def _write(kind, project, user, read: _Read, spool: RowSpool, language, report, job_id) -> Outcome:
    positions = read.positions
    ctx = Context(project, user, language, job_id=job_id, writing=True)
    outcome = Outcome("done")
    with transaction.atomic():
        resource = kind.resource(ctx)
        for chunk in spool:
            result = resource.import_data(_dataset(chunk, positions), dry_run=False, use_transactions=False,
                                          raise_errors=False)
            problems = _problems(result, chunk, positions, read.sheet_name, kind.columns, language)
            if problems or result.has_errors():
                raise WriteRefused(problems or [Problem(read.sheet_name, 0, "", "", gettext(
                    "the file could not be written; nothing was"))])
            _count(outcome, result)
            report("writing", outcome.rows, outcome.rows, outcome.rows, read.total)
        kind.finish(ctx, outcome)
    outcome.notes = dict(ctx.notes)
    return outcome


def _chunks(rows: Iterator[tuple[int, list]]) -> Iterator[list[tuple[int, list]]]:
    while True:
        chunk = list(islice(rows, CHUNK))
        if not chunk:
            return
        yield chunk


def _dataset(chunk: Sequence[tuple[int, list]], positions: dict[int, Column]) -> tablib.Dataset:
    order = sorted(positions)
    data = tablib.Dataset(headers=[positions[p].key for p in order])
    for _number, values in chunk:
        data.append([values[p] if p < len(values) else None for p in order])
    return data


def _count(outcome: Outcome, result) -> None:
    totals = result.totals
    outcome.rows += result.total_rows
    outcome.created += totals.get("new", 0)
    outcome.changed += totals.get("update", 0)
    outcome.unchanged += totals.get("skip", 0)


def _problems(result, chunk, positions, sheet_name: str, columns: Sequence[Column], language: str) -> list[Problem]:
    by_key = {c.key: c for c in columns}
    index = {c.key: p for p, c in positions.items()}
    out: list[Problem] = []
    for invalid in result.invalid_rows:
        number, values = chunk[invalid.number - 1]
        for key, messages in invalid.error_dict.items():
            column = by_key.get(key)
            raw = values[index[key]] if key in index and index[key] < len(values) else None
            for message in messages:
                out.append(Problem(sheet_name, number, column.title_in(language) if column else "",
                                   shown_value(raw), str(message)))
    for position, errors in result.row_errors():
        number, _values = chunk[position - 1]
        for error in errors:
            out.append(Problem(sheet_name, number, "", "", _said(error.error, language)))
    for error in result.base_errors:
        out.append(Problem(sheet_name, 0, "", "", _said(error.error, language)))
    return out


def _said(error: Exception, language: str) -> str:
    """An unexpected refusal in words: the kernel's and engine's errors carry their own; anything else is logged."""
    if isinstance(error, KernelError) or hasattr(error, "message") and callable(error.message):
        try:
            return error.message("zh" if language.startswith("zh") else "en")
        except TypeError:
            pass
    log.exception("import row failed", exc_info=error)
    return gettext("this row could not be imported (%(error)s)") % {"error": type(error).__name__}
