"""`manage.py flows validate|check|publish|rollback|diff|list|show`: flows for implementers and scripts."""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from definitions import DefinitionError, canonical, load_flows
from definitions.errors import Problem, closest
from definitions.files import read_text
from definitions.yamlio import load_yaml
from engine import client_templates, versions
from engine.environment import environment
from kernel.models import Project
from kernel.zones import local_text


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _display(path: Path) -> str:
    """A path as problems name it: relative to the project root when inside it, else as given."""
    root = Path(settings.FLOWS_DIR).parent
    return str(path.resolve().relative_to(root.resolve())) if _inside(path, root) else str(path)


def _check_single(path: Path) -> tuple[list[str], list]:
    """A flow file outside the code tree, with its entity schema next to it (or in ../schemas/ of a
    flows/ folder), else the shipped one. A shipped name is allowed here: a draft edit of a shipped
    flow is checked before it is copied in."""
    display = _display(path)
    text, unreadable = read_text(path, display)
    if unreadable is not None:
        return [], [unreadable]
    assert text is not None  # read_text gives the text whenever it gives no problem
    folder = path.parent
    if folder.name == "flows" and (folder.parent / "schemas").is_dir():
        folder = folder.parent / "schemas"
    entity = client_templates.entity_of(text)
    schemas: dict[str, str] = {}
    schema_path = folder / f"{entity}.json" if entity else None
    if schema_path is not None and schema_path.is_file():
        schema_text, unreadable = read_text(schema_path, _display(schema_path))
        if unreadable is not None:
            return [], [unreadable]
        assert schema_text is not None  # read_text gives the text whenever it gives no problem
        schemas[schema_path.name] = schema_text
    files = client_templates.TemplateFiles(path.stem, text, schemas)
    found = client_templates.check(files, others=(), flow_file=display, schemas_at=_display(folder) + "/",
                                   shipped_rule=False, installed=False)
    return ([] if found else [path.stem]), found


class Command(BaseCommand):
    help = "Validate, publish, roll back, compare and list flow definitions."

    def add_arguments(self, parser):
        parser.add_argument("--lang", choices=["en", "zh"], default="en",
                            help="language of problem messages (default en)")
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        p = sub.add_parser("validate", help="check flow files; exit 1 listing every problem")
        p.add_argument("paths", nargs="*", metavar="PATH",
                       help="files or folders (default: flows/); a folder with flows/ and schemas/ (or a bundle "
                            "with templates/) is checked as a client's templates")
        p.add_argument("--installed", action="store_true",
                       help="also check the client templates stored in the database (after an upgrade, say)")

        p = sub.add_parser("publish", help="publish template + the project's overrides as a new version")
        p.add_argument("--project", required=True, metavar="CODE")
        p.add_argument("--overrides", metavar="FILE", help="YAML or JSON file replacing the project's overrides")
        p.add_argument("--new-only", action="append", default=[], metavar="FIELD",
                       help="a newly required field running records lack: require it of new records only")
        p.add_argument("--default", action="append", default=[], metavar="FIELD=VALUE",
                       help="a newly required field running records lack: the value they are given when moved "
                            "(VALUE read as YAML: 3, true, text)")
        p.add_argument("flow")

        p = sub.add_parser("check", help="what publishing would do to running work and to the flows that link; "
                                         "the settings nothing reads. Exit 1 when a publish would be refused")
        p.add_argument("--project", required=True, metavar="CODE")
        p.add_argument("flows", nargs="*", metavar="FLOW", help="default: every flow published in the project")

        p = sub.add_parser("rollback", help="publish an earlier version's content again")
        p.add_argument("--project", required=True, metavar="CODE")
        p.add_argument("flow")
        p.add_argument("version", type=int)

        p = sub.add_parser("diff", help="what changed between two versions")
        p.add_argument("--project", required=True, metavar="CODE")
        p.add_argument("flow")
        p.add_argument("v1", type=int)
        p.add_argument("v2", type=int)

        p = sub.add_parser("list", help="versions of the project's flows")
        p.add_argument("--project", required=True, metavar="CODE")

        p = sub.add_parser("migrate", help="move running records from one version to another")
        p.add_argument("--project", required=True, metavar="CODE")
        p.add_argument("--map", action="append", default=[], metavar="OLD=NEW",
                       help="state mapping; states with the same name map to themselves")
        p.add_argument("--record", action="append", metavar="REFERENCE", help="only these records")
        p.add_argument("--run", action="store_true", help="perform the move (default: a dry run)")
        p.add_argument("--as-user", default="admin", metavar="USERNAME", help="recorded in the history")
        p.add_argument("flow")
        p.add_argument("from_version", type=int)
        p.add_argument("to_version", type=int)

        p = sub.add_parser("docs", help="write docs/flows/<flow>.md with its generated diagram")
        p.add_argument("flows", nargs="*", metavar="FLOW", help="default: every flow in flows/")
        p.add_argument("--check", action="store_true", help="exit 1 if a page is out of date; write nothing")

        p = sub.add_parser("show", help="print a version's effective definition as JSON")
        p.add_argument("--project", required=True, metavar="CODE")
        p.add_argument("flow")
        p.add_argument("version", type=int)

    def handle(self, *args, **options):
        self.lang = options["lang"]
        action = options["action"]
        try:
            return getattr(self, f"do_{action}")(options)
        except versions.ChecksRefused as exc:
            for finding in exc.findings:
                self.stdout.write(self.finding_line(finding))
            raise CommandError(self.say(
                "a publish would break running work or a flow that links to this one; nothing was published",
                "发布会影响在办记录或关联流程；未发布任何版本"), returncode=1) from exc
        except versions.VersionError as exc:
            raise CommandError(exc.message(self.lang)) from exc
        except DefinitionError as exc:
            for line in exc.render(self.lang, with_line=True):
                self.stdout.write(line)
            count = len(exc.problems)
            if action in ("publish", "rollback"):
                summary = self.say(f"{count} problem(s); nothing was published", f"{count} 个问题；未发布任何版本")
            else:
                summary = self.say(f"{count} problem(s); nothing was changed", f"{count} 个问题；未做任何更改")
            raise CommandError(summary, returncode=1) from exc

    def say(self, en: str, zh: str) -> str:
        """The command's own words in the language asked for with --lang."""
        return zh if self.lang == "zh" else en

    def project(self, code: str) -> Project:
        project = Project.objects.filter(code=code).first()
        if project is None:
            known = ", ".join(Project.objects.values_list("code", flat=True)[:20]) or self.say("none", "无")
            raise CommandError(self.say(f"no project with code {code!r} (projects: {known})",
                                        f"没有代码为 {code!r} 的项目（现有项目：{known}）"))
        return project

    def load(self, paths: list[Path]) -> tuple[dict, list]:
        """The valid flows under `paths`, every problem written out, with file and line."""
        definitions, problems = load_flows(paths, environment(), Path(settings.FLOWS_DIR).parent)
        for problem in problems:
            self.stdout.write(problem.render(self.lang, with_line=True))
        return definitions, problems

    def do_validate(self, options):
        paths = [Path(p) for p in options["paths"]]
        if not paths and not options["installed"]:
            paths = [Path(settings.FLOWS_DIR)]
        valid: list[str] = []
        problems: list[Problem] = []
        in_tree: list[Path] = []
        if options["installed"]:
            valid, problems = client_templates.check_installed()
        for path in paths:
            folder = path / "templates" if (path / "templates").is_dir() else path
            if path.is_dir() and (folder / "flows").is_dir():
                names, found = client_templates.check_folder(folder, _display(folder) + "/")
            elif path.is_file() and not _inside(path, Path(settings.FLOWS_DIR)):
                names, found = _check_single(path)
            else:
                in_tree.append(path)
                continue
            valid.extend(names)
            problems.extend(found)
        if in_tree:
            loaded, found = load_flows(in_tree, environment(), Path(settings.FLOWS_DIR).parent)
            valid.extend(loaded)
            problems = found + problems
        for problem in problems:
            self.stdout.write(problem.render(self.lang, with_line=True))
        definitions = dict.fromkeys(valid)
        if problems:
            files = len({p.file for p in problems})
            self.stderr.write(self.say(f"{len(problems)} problem(s) in {files} file(s)",
                                       f"{files} 个文件中有 {len(problems)} 个问题"))
            sys.exit(1)
        listed = ", ".join(sorted(definitions))
        self.stdout.write(self.style.SUCCESS(self.say(f"{len(definitions)} flow(s) valid: {listed}",
                                                      f"{len(definitions)} 个流程有效：{listed}")))

    def do_publish(self, options):
        project = self.project(options["project"])
        overrides: dict | None = None
        lines: dict = {}
        text: str | None = None
        if options["overrides"]:
            path = Path(options["overrides"])
            overrides, lines, text = self.read_overrides(path)
        try:
            # the file's text is kept with the overrides, comments and all, for the studio and bundle export
            result = versions.publish(project, options["flow"], overrides=overrides, overrides_text=text,
                                      choices=self.choices(options))
        except DefinitionError as exc:
            if not options["overrides"]:
                raise
            # the overrides' own problems are said at their file and line, where the implementer edits them
            raise DefinitionError([_in_file(p, str(path), lines) for p in exc.problems]) from exc
        v = result.version
        if result.created:
            self.stdout.write(self.style.SUCCESS(
                f"published {project.code}/{v.flow} v{v.number} ({v.content_hash[:12]})"))
        else:
            self.stdout.write(f"{project.code}/{v.flow} v{v.number} already has this content; nothing published")

    def choices(self, options) -> dict:
        """The admin's choices for newly required fields, from --new-only and --default."""
        from engine.versions_checks import NEW_ONLY

        choices: dict = {name: NEW_ONLY for name in options["new_only"]}
        for item in options["default"]:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise CommandError(self.say(f"--default {item!r}: write FIELD=VALUE",
                                            f"--default {item!r}：请写成 字段=值"))
            loaded = load_yaml(value or "''", "--default")
            choices[name] = {"default": value if loaded.problems else loaded.data}
        return choices

    def finding_line(self, finding) -> str:
        mark = self.say("refused", "拒绝") if finding.blocking else self.say("note", "提示")
        where = finding.flow or self.say("settings", "项目设置")
        return f"{where}: [{mark}] {finding.message(self.lang)}"

    def do_check(self, options):
        from engine.versions_checks import unread_settings

        project = self.project(options["project"])
        names = options["flows"] or sorted(set(project.flow_versions.values_list("flow", flat=True)))
        blocking = 0
        for name in names:
            for finding in versions.publish_findings(project, name):
                blocking += finding.blocking
                self.stdout.write(self.finding_line(finding))
        for finding in unread_settings(project):
            self.stdout.write(self.finding_line(finding))
        if blocking:
            raise CommandError(self.say(f"{blocking} finding(s) would refuse a publish",
                                        f"{blocking} 项会导致发布被拒绝"), returncode=1)
        self.stdout.write(self.style.SUCCESS(self.say(
            f"{len(names)} flow(s) checked: a publish would break no running record",
            f"已检查 {len(names)} 个流程：发布不会影响任何在办记录")))

    def read_overrides(self, path: Path) -> tuple[dict, dict, str | None]:
        """The overrides in the file, the line of each path in it, and the text (None for an empty file)."""
        text, unreadable = read_text(path)  # not there, a folder, not UTF-8: said with the file (and line)
        if unreadable is not None:
            raise DefinitionError([unreadable])
        assert text is not None  # read_text gives the text whenever it gives no problem
        loaded = load_yaml(text, str(path))  # YAML is a superset of JSON
        if loaded.problems:
            raise DefinitionError(loaded.problems)
        if loaded.data is None:
            return {}, {}, text if text.strip() else None  # an empty file (or comments only): no overrides
        if not isinstance(loaded.data, dict):  # `[]`, `0` or a bare word: not "no overrides"
            raise DefinitionError([Problem("override.not_mapping", (), {}, str(path), loaded.lines.get((), 1))])
        return loaded.data, loaded.lines, text

    def do_rollback(self, options):
        project = self.project(options["project"])
        result = versions.rollback(project, options["flow"], options["version"])
        v = result.version
        if result.created:
            self.stdout.write(self.style.SUCCESS(
                f"published {project.code}/{v.flow} v{v.number} with the content of v{options['version']}"))
        else:
            self.stdout.write(f"{project.code}/{v.flow} v{v.number} already has this content; nothing published")

    def do_diff(self, options):
        project = self.project(options["project"])
        changes = versions.diff_versions(project, options["flow"], options["v1"], options["v2"])
        if not changes:
            self.stdout.write("no differences" if self.lang == "en" else "没有差异")
        for change in changes:
            self.stdout.write(change.render(self.lang))

    def do_list(self, options):
        project = self.project(options["project"])
        rows = project.flow_versions.select_related("restored_from").order_by("flow", "number")
        if not rows:
            self.stdout.write(f"{project.code} has no published flows")
        for v in rows:
            # the project's zone, named: the studio shows the same moment the same way
            when = local_text(v.published_at, project.zone, self.lang) if v.published_at else "-"
            restored = f" (restores v{v.restored_from.number})" if v.restored_from is not None else ""
            self.stdout.write(f"{v.flow:<20} v{v.number:<4} {v.status:<10} {when}  {v.content_hash[:12]}{restored}")

    def do_migrate(self, options):
        from django.contrib.auth import get_user_model

        from engine.runtime import EngineError
        from engine.runtime.migration import migrate

        project = self.project(options["project"])
        user = get_user_model().objects.filter(username=options["as_user"]).first()
        if user is None:
            raise CommandError(self.say(f"no user {options['as_user']!r}", f"没有用户 {options['as_user']!r}"))
        state_map = {}
        for item in options["map"]:
            old, sep, new = item.partition("=")
            if not sep or not old or not new:
                raise CommandError(self.say(f"--map {item!r}: write OLD=NEW", f"--map {item!r}：请写成 旧状态=新状态"))
            state_map[old] = new
        try:
            steps = migrate(user, project, options["flow"], options["from_version"], options["to_version"],
                            state_map, references=options["record"], dry_run=not options["run"])
        except EngineError as exc:
            raise CommandError(exc.message(self.lang)) from exc
        for step in steps:
            self.stdout.write(step.render(self.lang))
        refused = sum(1 for s in steps if s.reason)
        dry = not options["run"]
        summary = self.say(f"{len(steps)} record(s), {refused} refused" + (" (dry run)" if dry else ""),
                           f"{len(steps)} 条记录，{refused} 条被拒绝" + ("（试运行）" if dry else ""))
        if refused:
            # a script (or a person) must not read "done" when records stayed behind: exit 1, and say it in words
            stays = self.say(f"; refused records stay on v{options['from_version']}",
                             f"；被拒绝的记录留在 v{options['from_version']}")
            raise CommandError(summary + stays, returncode=1)
        self.stdout.write(summary)

    def do_docs(self, options):
        from definitions.render import markdown

        definitions, problems = self.load([Path(settings.FLOWS_DIR)])
        if problems:
            raise CommandError(self.say(f"{len(problems)} problem(s) in flows/; no pages written",
                                        f"flows/ 中有 {len(problems)} 个问题；未写入任何页面"), returncode=1)
        names = options["flows"] or sorted(definitions)
        for name in names:  # before writing anything
            if name not in definitions:
                hint = closest(name, definitions)
                raise CommandError(self.say(
                    f"no flow {name!r} in flows/" + (f"; did you mean {hint!r}?" if hint else ""),
                    f"flows/ 中没有流程 {name!r}" + (f"；是否应为 {hint!r}？" if hint else "")))
        target_dir = Path(settings.ROOT_DIR) / "docs" / "flows"
        stale = []
        for name in names:
            page = target_dir / f"{name}.md"
            text = markdown(definitions[name])
            if page.is_file() and page.read_text(encoding="utf-8") == text:
                continue
            stale.append(str(page.relative_to(Path(settings.ROOT_DIR))))
            if not options["check"]:
                target_dir.mkdir(parents=True, exist_ok=True)
                page.write_text(text, encoding="utf-8")
        if options["check"] and stale:
            self.stdout.write("out of date: " + ", ".join(stale))
            sys.exit(1)
        self.stdout.write(f"wrote: {', '.join(stale)}" if stale else "flow pages are up to date")

    def do_show(self, options):
        project = self.project(options["project"])
        version = versions.get_version(project, options["flow"], options["version"])
        self.stdout.write(canonical.pretty(canonical.loads(version.content)))


def _in_file(problem: Problem, file: str, lines: dict) -> Problem:
    """A problem of the overrides named by the overrides file and its line.

    Those of the overrides themselves (path `overrides.…`), and those of the effective
    definition at a path the file spells out (`a: 1` at the top: unknown key 'a'); the rest stay
    labelled `flows/<flow>.yaml + <PROJECT> overrides` with their path in the effective definition.
    """
    own = problem.path[:1] == ("overrides",)
    if not own:
        # only a path the file spells out: `transitions[2]` counts the effective list, not the file's names
        return replace(problem, file=file, line=lines[problem.path]) if problem.path in lines else problem
    path = found = problem.path[1:]
    while found not in lines and found:
        found = found[:-1]  # a key that is missing: the mapping that lacks it
    return replace(problem, file=file, path=path, line=lines.get(found))
