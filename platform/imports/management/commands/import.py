"""`manage.py import KIND FILE --project CODE [--dry-run]` and `manage.py import KIND --template FILE`.

The run is recorded as an import job like an upload (who: --user, else nobody), with a
progress bar on stderr. Problems are listed as sheet, row, column, value and message,
and the file comes back marked next to the input (NAME-problems.xlsx); exit status 1.
"""
from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from accounts.models import User
from imports.jobs import create_job, run_job
from imports.kinds import KINDS, NAMES
from imports.models import JobStatus
from imports.template_files import template_workbook
from kernel.models import Project


class Command(BaseCommand):
    help = "Import a spreadsheet (units, measured-areas, customers, price-list, targets), or write its template."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=NAMES)
        parser.add_argument("file", nargs="?", help="the .xlsx or .csv file to import")
        parser.add_argument("--project", help="project code")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--template", metavar="FILE", help="write the kind's template to FILE")
        parser.add_argument("--user", help="username the import is recorded as (and customers' visits received by)")
        parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of titles and messages")

    def handle(self, *args, kind, file, project, dry_run, template, user, lang, **options):
        language = "zh-hans" if lang == "zh" else "en"
        with translation.override(language):
            found = Project.objects.filter(code=project).first() if project else None
            if project and found is None:
                raise CommandError(f"no project {project}")
            if template:
                Path(template).write_bytes(template_workbook(kind, found, language))
                self.stdout.write(f"{template}: {KINDS[kind].title} template")
                return
            if not file or found is None:
                raise CommandError("give FILE and --project CODE (or --template FILE)")
            person = None
            if user:
                person = User.objects.filter(username=user).first()
                if person is None:
                    raise CommandError(f"no user {user}")
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"{file}: no such file")
            job = create_job(kind, found, person, path.read_bytes(), path.name, dry_run=dry_run, language=language)
            job = run_job(job.pk, progress=self._bar)
            sys.stderr.write("\n")
            self._report(job, path)
            if job.status == JobStatus.REFUSED:
                sys.exit(1)

    def _bar(self, phase, read, validated, written, total) -> None:
        done = written if phase == "writing" else validated
        width = 30
        if total:
            filled = min(width, int(width * done / total))
            bar = "#" * filled + "-" * (width - filled)
            sys.stderr.write(f"\r{phase:8} [{bar}] {done}/{total}")
        else:
            sys.stderr.write(f"\r{phase:8} {done} rows")
        sys.stderr.flush()

    def _report(self, job, path: Path) -> None:
        self.stdout.write(f"{job.get_status_display()}: {job.rows_total or 0} rows; created {job.created_count}, "
                          f"changed {job.changed_count}, unchanged {job.unchanged_count}")
        for note, count in sorted(job.summary.get("notes", {}).items()):
            self.stdout.write(f"  {note}: {count}")
        if job.summary.get("unknown_columns"):
            self.stdout.write("  columns not read: " + ", ".join(job.summary["unknown_columns"]))
        for p in job.summary.get("problems", []):
            where = f"{p['sheet']}!{p['row']}" if p["row"] else p["sheet"] or "file"
            self.stdout.write(f"  {where} {p['column']} {p['value']!r}: {p['message']}")
        if job.problem_count > len(job.summary.get("problems", [])):
            self.stdout.write(f"  … {job.problem_count} problems in all")
        if job.error_file:
            marked = path.with_name(f"{path.stem}-problems{path.suffix}")
            marked.write_bytes(bytes(job.error_file))
            self.stdout.write(f"the file with its problems marked: {marked}")
