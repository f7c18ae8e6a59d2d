"""`manage.py rules plugins|schema|validate|publish|show`: plugin rules for implementers and scripts."""
from __future__ import annotations

from pathlib import Path

import simplejson
from django.core.management.base import BaseCommand, CommandError

from kernel.models import Project

from extensions import registry
from extensions.errors import InvalidRules, PluginLoadError, UnknownPlugin
from extensions.models import RuleSet
from extensions.rule_files import check_rule_file
from extensions.rulesets import publish_rules


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
        p.add_argument("plugin")
        p.add_argument("file", metavar="FILE")
        p = sub.add_parser("show", help="print a project's current rules")
        p.add_argument("--project", required=True, metavar="CODE")
        p.add_argument("plugin")

    def handle(self, *args, action: str, lang: str, **options):
        try:
            getattr(self, f"do_{action}")(lang=lang, **options)
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
            _, problems = check_rule_file(plugin, Path(name))
            for problem in problems:
                self.stdout.write(problem.render(lang, with_line=True))
            failed = failed or bool(problems)
        if failed:
            raise SystemExit(1)
        self.stdout.write(f"{len(files)} file(s) valid")

    def do_publish(self, project: str, plugin: str, file: str, lang: str, **_):
        target = _project(project)
        config, problems = check_rule_file(plugin, Path(file))
        if problems:
            for problem in problems:
                self.stdout.write(problem.render(lang, with_line=True))
            raise SystemExit(1)
        try:
            rule_set = publish_rules(target, plugin, config or {})
        except InvalidRules as exc:  # valid a moment ago: only a plugin changing underneath gets here
            raise CommandError("\n".join(p.render(lang) for p in exc.problems)) from None
        self.stdout.write(f"{project}: {plugin} rules revision {rule_set.revision} published")

    def do_show(self, project: str, plugin: str, **_):
        rule_set = RuleSet.objects.filter(project=_project(project), plugin=plugin).first()
        if rule_set is None:
            raise CommandError(f"project {project} has no {plugin} rules")
        self.stdout.write(f"# revision {rule_set.revision}, saved {rule_set.updated_at:%Y-%m-%d %H:%M}")
        # keys sorted: PostgreSQL's jsonb does not keep them in the order they were written
        self.stdout.write(simplejson.dumps(rule_set.config, indent=2, ensure_ascii=False, use_decimal=True,
                                           sort_keys=True))


def _project(code: str) -> Project:
    try:
        return Project.objects.get(code=code)
    except Project.DoesNotExist:
        raise CommandError(f"no project with code {code!r}") from None
