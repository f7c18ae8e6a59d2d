"""`manage.py bundle export|check|diff|load`: a client's whole configuration as files (docs/bundles.md)."""
from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from bundles.apply import Report, apply
from bundles.export import ExportError, default_client, export
from bundles.reader import read_bundle
from kernel.models import Project


class Command(BaseCommand):
    help = "Export a client's configuration as a bundle of files, and check, compare and load one."
    requires_system_checks = []  # a bundle is checked against the installation by the command itself

    def add_arguments(self, parser):
        parser.add_argument("--lang", choices=["en", "zh"], default="en",
                            help="language of messages (default en)")
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        p = sub.add_parser("export", help="write the bundle of these projects to DIR (a .zip when DIR ends in .zip)")
        p.add_argument("--project", action="append", required=True, metavar="CODE", dest="projects")
        p.add_argument("--client", metavar="CODE", help="the client's code (default: the projects' company)")
        p.add_argument("--client-name", metavar="NAME", help="the client's name (default: the company's)")
        p.add_argument("dir", metavar="DIR")
        for name, text in (("check", "validate the bundle against this installation; write nothing"),
                           ("diff", "what loading the bundle would change, per project and flow")):
            p = sub.add_parser(name, help=text)
            p.add_argument("dir", metavar="DIR")
        p = sub.add_parser("load", help="make this installation's configuration the bundle's, all or nothing")
        p.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
        p.add_argument("dir", metavar="DIR")

    def handle(self, *args, action: str, lang: str, **options):
        self.lang = lang
        with translation.override("zh-hans" if lang == "zh" else "en"):
            return getattr(self, f"do_{action}")(**options)

    # --- export ---------------------------------------------------------------------------------------------------

    def do_export(self, projects: list[str], dir: str, client: str | None, client_name: str | None, **_options):
        found = {p.code: p for p in Project.objects.filter(code__in=projects).select_related("company", "region")}
        missing = [code for code in projects if code not in found]
        if missing:
            raise CommandError(_("no project with code %(codes)s") % {"codes": ", ".join(missing)})
        chosen = [found[code] for code in dict.fromkeys(projects)]
        try:
            who = {"code": client, "name": client_name or client} if client else default_client(chosen)
            written = export(chosen, Path(dir), client=who)
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        if written.changed:
            for name in written.changed:
                self.stdout.write(f"  {name}")
            self.stdout.write(self.style.SUCCESS(_("wrote %(dir)s: %(n)s files, %(changed)s changed") % {
                "dir": dir, "n": written.files, "changed": len(written.changed)}))
        else:
            self.stdout.write(_("%(dir)s is up to date: nothing changed") % {"dir": dir})

    # --- check, diff, load ------------------------------------------------------------------------------------------

    def run(self, dir: str, *, keep: bool) -> Report:
        """Apply the bundle in one transaction; keep it only when asked and nothing was wrong."""
        bundle = read_bundle(Path(dir), self.lang)
        with transaction.atomic():
            report = apply(bundle, lang=self.lang)
            if report.problems or not keep:
                transaction.set_rollback(True)
        for name in bundle.edited:
            report.notes.append(_("%(file)s: edited since it was exported") % {"file": name})
        for name in bundle.missing:
            report.notes.append(_("%(file)s: in the manifest, not in the bundle") % {"file": name})
        return report

    def fail(self, report: Report, written: bool = False) -> None:
        for problem in sorted(report.problems, key=lambda p: (p.file != "manifest.yaml", p.file, p.line or 0)):
            self.stdout.write(problem.render(self.lang))
        files = len({p.file for p in report.problems})
        self.stderr.write(_("%(n)s problem(s) in %(files)s file(s); nothing was changed") % {
            "n": len(report.problems), "files": files})
        sys.exit(1)

    def do_check(self, dir: str, **_options):
        report = self.run(dir, keep=False)
        self.notes(report)
        if report.problems:
            self.fail(report)
        self.stdout.write(self.style.SUCCESS(_("the bundle is valid for this installation")))

    def do_diff(self, dir: str, **_options):
        report = self.run(dir, keep=False)
        if report.problems:
            self.fail(report)
        self.changes(report)
        self.notes(report)

    def do_load(self, dir: str, dry_run: bool, **_options):
        report = self.run(dir, keep=not dry_run)
        if report.problems:
            self.fail(report)
        self.changes(report)
        self.notes(report)
        if dry_run:
            self.stdout.write(_("dry run: nothing was written"))
        elif report.changes:
            self.stdout.write(self.style.SUCCESS(_("loaded: %(n)s flow version(s) published") % {
                "n": len(report.published)}))
        else:
            self.stdout.write(_("nothing to change: the installation already has this configuration"))

    def changes(self, report: Report) -> None:
        if not report.changes:
            self.stdout.write(_("no differences"))
        for heading, lines in sorted(report.changes.items(), key=lambda item: _order(item[0])):
            self.stdout.write(heading)
            for line in lines:
                self.stdout.write(f"  {line}")

    def notes(self, report: Report) -> None:
        for note in report.notes:
            self.stdout.write(f"# {note}")


def _order(heading: str) -> tuple:
    """A project's own changes first, then its flows and rules, project by project."""
    code = heading.replace("/", " ").split(" ")[0]
    return code, heading != code, heading
