"""`python manage.py figures --project CODE [--group CODE] --from DATE --to DATE [--json]`: the dashboard's figures.

The same figures (figures.board) the dashboard pages show for that period: a project's
(--project), a group's (--group COMPANY or COMPANY/REGION), or a consultant's own
(--project with --consultant USERNAME). Text for people, --json for scripts: money and
rates as decimal strings, dates as ISO days.
"""
from __future__ import annotations

import json
from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from figures import board as boards
from figures.groups import group_projects
from figures.periods import BadPeriod, as_of, local_today, period_between
from figures.tables import plain
from figures.text import change_text, shown
from kernel.models import Project


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: '{value}' is not a date; write it as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Print a project's, a group's or a consultant's figures for a period, as the dashboards show them."

    def add_arguments(self, parser):
        parser.add_argument("--project", help="project code")
        parser.add_argument("--group", help="company code, or COMPANY/REGION for one region")
        parser.add_argument("--consultant", help="a consultant's username: their own figures in --project")
        parser.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="JSON instead of text")
        parser.add_argument("--language", default="en", help="language of titles: en or zh-hans")

    def handle(self, *args, **options):
        first, last = _day(options["first"], "--from"), _day(options["last"], "--to")
        try:
            period = period_between(first, last)
        except BadPeriod as exc:
            raise CommandError(f"--from/--to: {first}..{last} is not a period we chart ({exc})") from None
        with translation.override(options["language"]):
            board = self._board(options, period)
            if options["json"]:
                self.stdout.write(json.dumps(as_json(board), ensure_ascii=False, indent=1))
            else:
                self._print(board)

    def _board(self, options, period):
        if options["group"]:
            try:
                projects, label = group_projects(options["group"])
            except LookupError as exc:
                raise CommandError(f"--group: {exc}") from None
            if not projects:
                raise CommandError(f"--group: {label} has no projects")
            return boards.build(boards.GROUP, projects, period, as_of(period, local_today(projects[0].zone)))
        if not options["project"]:
            raise CommandError("give --project CODE or --group CODE")
        project = Project.objects.filter(code=options["project"]).first()
        if project is None:
            raise CommandError(f"--project: no project has the code '{options['project']}'")
        today = as_of(period, local_today(project.zone))
        if options["consultant"]:
            user = get_user_model().objects.filter(username=options["consultant"]).first()
            if user is None:
                raise CommandError(f"--consultant: no user is called '{options['consultant']}'")
            return boards.build(boards.OWN, [project], period, today, consultant_id=user.pk)
        return boards.build(boards.PROJECT, [project], period, today)

    def _print(self, board) -> None:
        names = ", ".join(f"{p.code} {p.name}" for p in board.projects)
        self.stdout.write(f"{names}: {board.period.first} .. {board.period.last} ({board.period.kind.value}), "
                          f"trends to {board.today}; compared with {board.compared.first} .. {board.compared.last}")
        for section in board.sections:
            self.stdout.write(f"\n== {section.title}")
            for h in section.headlines:
                before = "" if h.previous is None else f"  (previous {shown(h.previous, h.kind)} {change_text(h)})"
                self.stdout.write(f"  {h.title}: {shown(h.value, h.kind)}{before}")
            for table in section.tables:
                self.stdout.write(f"\n  -- {table.title}")
                cells = [[c.title for c in table.columns]] + [
                    [shown(v, c.kind) for v, c in zip(row, table.columns)] for row in table.rows]
                widths = [max(len(r[i]) for r in cells) for i in range(len(table.columns))]
                for r in cells:
                    self.stdout.write("  " + "  ".join(v.rjust(w) if i else v.ljust(w)
                                                        for i, (v, w) in enumerate(zip(r, widths))))


def as_json(board) -> dict:
    return {"view": board.view, "projects": [p.code for p in board.projects],
            "period": {"kind": board.period.kind.value, "from": board.period.first.isoformat(),
                       "to": board.period.last.isoformat()}, "as_of": board.today.isoformat(),
            # what the headlines' `previous` values are of: the previous period, to date while this one runs
            "compared": {"from": board.compared.first.isoformat(), "to": board.compared.last.isoformat()},
            "sections": [{"key": s.key, "title": s.title,
                          "headlines": [{"key": h.key, "title": h.title, "kind": h.kind, "value": plain(h.value),
                                         "previous": plain(h.previous)} for h in s.headlines],
                          "tables": [{"key": t.key, "title": t.title,
                                      "columns": [{"key": c.key, "title": c.title, "kind": c.kind} for c in t.columns],
                                      "rows": [[plain(v) for v in row] for row in t.rows]} for t in s.tables]}
                         for s in board.sections]}
