"""`manage.py rules plugins|schema|validate|publish|show|apply-to-open`: plugin rules for implementers and scripts.

Times are printed in the project's zone, named (`2026-12-10 00:00 Asia/Shanghai`).
"""
from __future__ import annotations

import sys
from datetime import date, datetime, time
from pathlib import Path

import simplejson
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from extensions import deal_rules, registry
from extensions.errors import InvalidRules, PluginLoadError, UnknownPlugin, ValidFromInPast
from extensions.rule_files import check_rule_file
from extensions.rulesets import in_force_revision, publish_rules, timeline
from kernel.models import Project


class Command(BaseCommand):
    help = "List plugins, show their rule schemas, and validate, publish or show a project's rules."
    requires_system_checks = []  # checking rules must work while a flow elsewhere is broken

    def add_arguments(self, parser):
        parser.add_argument("--lang", choices=["en", "zh"], default="en",
                            help="language of problem messages (default en)")
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser("plugins", help="installed plugins, their actions and what they write")
        p = sub.add_parser("schema", help="print a plugin's rule schema (JSON Schema 2020-12)")
        p.add_argument("plugin")
        p = sub.add_parser("validate", help="check rule files; exit 1 listing every problem")
        p.add_argument("plugin")
        p.add_argument("files", nargs="+", metavar="FILE", help="YAML or JSON")
        p = sub.add_parser("publish", help="validate a file and store it as the project's rules")
        p.add_argument("--project", required=True, metavar="CODE")
        p.add_argument("--valid-from", metavar="WHEN",
                       help="in force from this moment (a date: its midnight at the project; or an ISO date and "
                            "time, with an offset or at the project's zone); default now. Later: scheduled")
        p.add_argument("--apply-to-open", action="store_true",
                       help="after publishing, list the open deals frozen at earlier rules and apply these to them")
        p.add_argument("--yes", action="store_true", help="with --apply-to-open: apply without asking")
        p.add_argument("plugin")
        p.add_argument("file", metavar="FILE")
        p = sub.add_parser("show", help="print a project's rules in force, and every revision with its dates")
        p.add_argument("--project", required=True, metavar="CODE")
        p.add_argument("plugin")
        p = sub.add_parser("apply-to-open", help="list the open deals frozen at earlier rules, then give them the "
                                                 "rules in force now")
        p.add_argument("--project", required=True, metavar="CODE")
        p.add_argument("--yes", action="store_true", help="apply without asking")
        p.add_argument("--dry-run", action="store_true", help="only list them")
        p.add_argument("plugin")

    def handle(self, *args, action: str, lang: str, **options):
        with translation.override("zh-hans" if lang == "zh" else "en"):
            try:
                getattr(self, f"do_{action.replace('-', '_')}")(lang=lang, **options)
            except UnknownPlugin as exc:
                raise CommandError(exc.message(lang)) from None
            except PluginLoadError as exc:
                raise CommandError("plugins could not be loaded:\n" + str(exc)) from None

    def do_plugins(self, **_):
        for plugin in registry.plugins():
            info = plugin.info
            self.stdout.write(f"{info.name} {info.version}  {info.title_en} / {info.title_zh}  [{plugin.origin}]")
            for action in plugin.actions:
                params = ", ".join(f"{k}{'' if p.required else '?'}: {p.kind.value}"
                                   for k, p in action.spec.params.items())
                self.stdout.write(f"  action {action.spec.name}({params})")
            for write in plugin.writes:
                self.stdout.write(f"  writes {write.kind.value} {write.target}: {write.description}")

    def do_schema(self, plugin: str, **_):
        schema = registry.rule_schema(plugin)
        # Schemas are read exactly (a 0.01 stays Decimal), so they are written the same way.
        self.stdout.write(simplejson.dumps(schema, ensure_ascii=False, indent=2, use_decimal=True)
                          if schema is not None else "null")

    def do_validate(self, plugin: str, files: list[str], lang: str, **_):
        registry.plugin(plugin)  # an unknown plugin is one error, not one per file
        failed = False
        for name in files:
            _config, problems = check_rule_file(plugin, Path(name))
            for problem in problems:
                self.stdout.write(problem.render(lang, with_line=True))
            failed = failed or bool(problems)
        if failed:
            raise SystemExit(1)
        self.stdout.write(f"{len(files)} file(s) valid")

    def do_publish(self, project: str, plugin: str, file: str, lang: str, valid_from: str | None = None,
                   apply_to_open: bool = False, yes: bool = False, **_rest):
        target = _project(project)
        moment = None if valid_from is None else _moment(valid_from, target)
        if apply_to_open and moment is not None:
            raise CommandError(_("--apply-to-open gives open deals the rules in force now: a scheduled revision can "
                                 "be applied to them once it is in force (rules apply-to-open)"))
        config, problems = check_rule_file(plugin, Path(file))
        if problems:
            for problem in problems:
                self.stdout.write(problem.render(lang, with_line=True))
            raise SystemExit(1)
        try:
            rule_set = publish_rules(target, plugin, config or {}, valid_from=moment)
        except InvalidRules as exc:  # valid a moment ago: only a plugin changing underneath gets here
            raise CommandError("\n".join(p.render(lang) for p in exc.problems)) from None
        except ValidFromInPast as exc:
            raise CommandError(exc.message(lang)) from None
        row = next(r for r in timeline(target.pk, plugin) if r.revision == rule_set.revision)
        self.stdout.write(_("%(project)s: %(plugin)s rules revision %(revision)d published, in force from %(when)s")
                          % {"project": project, "plugin": plugin, "revision": rule_set.revision,
                             "when": _at(row.valid_from, target)})
        if apply_to_open:
            self.do_apply_to_open(project, plugin, yes=yes)

    def do_show(self, project: str, plugin: str, **_rest):
        target = _project(project)
        rows = timeline(target.pk, plugin)
        if not rows:
            raise CommandError(f"project {project} has no {plugin} rules")
        current = in_force_revision(target.pk, plugin)
        for row in rows:
            if current is not None and row.revision == current.revision:
                state = _("in force")
            elif row.valid_from > timezone.now():
                state = _("scheduled")
            else:
                state = _("superseded")
            self.stdout.write("# " + _("revision %(revision)d: from %(when)s, published %(published)s (%(state)s)")
                              % {"revision": row.revision, "when": _at(row.valid_from, target),
                                 "published": _at(row.published_at, target), "state": state})
        shown = current or rows[-1]
        self.stdout.write("# " + _("rules of revision %(revision)d:") % {"revision": shown.revision})
        # keys sorted: PostgreSQL's jsonb does not keep them in the order they were written
        self.stdout.write(simplejson.dumps(shown.config, indent=2, ensure_ascii=False, use_decimal=True,
                                           sort_keys=True))

    def do_apply_to_open(self, project: str, plugin: str, yes: bool = False, dry_run: bool = False, **_rest):
        """The open deals first, then (asked, or --yes) the rules in force now applied to exactly those."""
        target = _project(project)
        registry.plugin(plugin)
        revision, listed = deal_rules.open_deals(target.pk, plugin)
        if revision is None:
            raise CommandError(_("project %(project)s has no %(plugin)s rules in force")
                               % {"project": project, "plugin": plugin})
        if not listed:
            self.stdout.write(_("No open deal is frozen at %(plugin)s rules other than revision %(revision)d, "
                                "in force: nothing to apply.") % {"plugin": plugin, "revision": revision.revision})
            return
        self.stdout.write(_("Revision %(revision)d of the %(plugin)s rules is in force (from %(when)s). "
                            "%(count)d open deal(s) are frozen at earlier rules:")
                          % {"revision": revision.revision, "plugin": plugin, "count": len(listed),
                             "when": _at(revision.valid_from, target)})
        for deal in listed:
            self.stdout.write("  " + _("%(reference)s: revision %(revision)d, decided %(when)s")
                              % {"reference": deal.reference, "revision": deal.revision,
                                 "when": _at(deal.decided_at, target)})
        if dry_run:
            return
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError(_("Nothing applied: run again with --yes to apply revision %(revision)d to "
                                     "these deals.") % {"revision": revision.revision})
            answer = input(_("Apply revision %(revision)d to these %(count)d deal(s)? [y/N] ")
                           % {"revision": revision.revision, "count": len(listed)})
            if answer.strip().lower() not in ("y", "yes", "是"):
                self.stdout.write(_("Nothing applied."))
                return
        try:
            changed = deal_rules.apply_to_open(target.pk, plugin, listed, revision.revision)
        except deal_rules.StaleList:
            raise CommandError(_("Other rules took effect while the deals were listed: nothing applied; run the "
                                 "command again.")) from None
        self.stdout.write(_("%(count)d deal(s) now read revision %(revision)d.")
                          % {"count": len(changed), "revision": revision.revision})


def _moment(text: str, project: Project) -> datetime:
    """A date is its midnight at the project; a date and time without an offset is at the project's zone."""
    try:
        if len(text.strip()) == 10:
            return datetime.combine(date.fromisoformat(text.strip()), time(0), tzinfo=project.zone)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(_("--valid-from %(value)s is not a date (2026-12-10) or a date and time "
                             "(2026-12-10T09:00+08:00)") % {"value": text}) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=project.zone)


def _at(moment: datetime, project: Project) -> str:
    """A moment at the project, its zone named."""
    return f"{moment.astimezone(project.zone):%Y-%m-%d %H:%M} {project.zone.key}"


def _project(code: str) -> Project:
    try:
        return Project.objects.get(code=code)
    except Project.DoesNotExist:
        raise CommandError(f"no project with code {code!r}") from None
