"""Load fixtures/demo/demo.yaml: projects with their published flows and plugin rules, units, customers, users.

Idempotent: run it again and it only fills in what is missing.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from accounts.models import Membership
from definitions import DefinitionError
from definitions.errors import format_path
from definitions.files import read_text
from definitions.yamlio import load_yaml
from engine import versions
from engine.models import Record, Task
from engine.runtime import EngineError, approvals, records, transitions
from engine.runtime.access import roles_in
from extensions.models import RuleSet
from extensions.rule_files import check_rule_file
from extensions.rulesets import publish_rules
from kernel import demo, demo_front_desk
from kernel.models import Customer, Project, Unit
from kernel.phones import normalise_phone


class Command(BaseCommand):
    help = "Load the demo projects, users, units, customers, published flows and plugin rules."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(Path(settings.ROOT_DIR) / "fixtures" / "demo" / "demo.yaml"))
        parser.add_argument("--no-history", action="store_true", help="only the file's data, without the months of "
                            "figures behind the dashboards (figures.demo)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        text, unreadable = read_text(path)  # not there, a folder, not UTF-8: said with the file and line
        if unreadable is not None:
            raise CommandError(unreadable.render(with_line=True))
        assert text is not None  # read_text gives the text whenever it gives no problem
        checked = load_yaml(text, str(path))  # syntax, duplicate keys, alias bombs: with the line
        if checked.problems:
            raise CommandError("\n".join(p.render(with_line=True) for p in checked.problems))
        if not isinstance(checked.data, dict):
            raise CommandError(f"{path}: the demo file must be a mapping of projects, users and deals (line 1)")
        data = yaml.safe_load(text)  # as it always was read: floats are floats where the loaders expect them
        self.where: tuple = ()
        self.history = not options.get("no_history")
        try:
            with transaction.atomic():
                self._load(path, data)
        except _SHAPE_ERRORS as exc:
            # a key missing, a list where a mapping belongs, a value no column takes: name the entry
            line = _line(checked.lines, self.where)
            raise CommandError(f"{path}: {format_path(self.where) or 'top level'}: {_detail(exc)}"
                               + (f" (line {line})" if line else "")) from exc

    def _load(self, path: Path, data: dict) -> None:
        projects = {}
        for index, item in enumerate(data.get("projects", [])):
            self.where = ("projects", index)
            project, created = Project.objects.get_or_create(
                code=item["code"], defaults={"name": item["name"], "settings": item.get("settings", {})})
            project.full_clean()
            projects[project.code] = project
            for flow in item.get("publish", []):
                result = versions.publish(project, flow, overrides=item.get("overrides", {}).get(flow))
                if result.created:
                    self.stdout.write(f"published {project.code}/{flow} v{result.version.number}")
            self._rules(project, item.get("rules", {}), path.parent)
            loaded = demo.load_inventory(project, item)
            if loaded.units or loaded.withheld or loaded.batches:
                self.stdout.write(f"{project.code}: {loaded.buildings} buildings, {loaded.units} units "
                                  f"({loaded.withheld} withheld), {loaded.batches} queue batches added")
        self.where = ("companies",)
        if demo_front_desk.load_companies(data.get("companies", []), projects):
            self.stdout.write("companies added")
        self.where = ("users",)
        self._users(data.get("users", []), projects)
        for index, item in enumerate(data.get("projects", [])):
            self.where = ("projects", index)
            added = demo.load_customers(projects[item["code"]], item.get("customers", []))
            if added:
                self.stdout.write(f"{item['code']}: {added} customers registered")
            made = demo_front_desk.load_front_desk(projects[item["code"]], item)
            if any(made.values()):
                self.stdout.write(f"{item['code']}: {made['campaigns']} campaigns, {made['visits']} visits and "
                                  f"calls, {made['follow_ups']} follow-ups added")
        self._deals(data.get("deals", []), projects)
        if apps.is_installed("figures") and self.history:  # the months of figures behind the dashboards (figures.demo)
            call_command("demo_history", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("demo loaded"))

    def _deals(self, entries: list[dict], projects: dict[str, Project]) -> None:
        """Run the demo deals through the engine, as staff would; only into projects with no records.

        A step fires a transition (`fire`), votes on the open approval the user may vote
        on (`vote: approve`), or carries on with the record's newest linked record of a
        flow (`follow: contract`). A deal that cannot run stops the load, naming it.
        """
        used = set(Record.objects.filter(project__in=projects.values()).values_list("project__code", flat=True)
                   .distinct())  # people have used these demos since: leave them as they are
        started = 0
        for number, entry in enumerate(entries, 1):
            if entry["project"] in used:
                continue
            self.where = ("deals", number - 1)
            where = f"deals[{number}] ({entry['flow']} in {entry['project']})"
            try:
                self._deal(entry, projects[entry["project"]])
            except ObjectDoesNotExist as exc:
                raise CommandError(f"{where}: {exc}") from exc
            except EngineError as exc:
                raise CommandError(f"{where}: {exc.message('en')}") from exc
            started += 1
        if started:
            self.stdout.write(f"{started} demo deals started")

    def _deal(self, entry: dict, project: Project) -> None:
        User = get_user_model()

        def resolve(values: dict) -> dict:
            out = {}
            for key, value in values.items():
                # a unit by its code, a customer by their phone: `unit`, `new_unit`, `customer`, `owner_customer` …
                if key == "unit" or key.endswith("_unit"):
                    out[f"{key}_id"] = _named(Unit.objects.filter(project=project, code=value), f"unit {value}").pk
                elif key in ("customer", "referrer") or key.endswith("_customer"):
                    out[f"{key}_id"] = _customer(value).pk
                elif key == "buyers":
                    out["buyers"] = [{"customer_id": _customer(b["customer"]).pk} for b in value]
                else:
                    out[key] = value
            return out

        record = records.start_record(_named(User.objects.filter(username=entry["by"]), f"user {entry['by']}"),
                                      project, entry["flow"], resolve(entry.get("start", {})))
        for step in entry.get("steps", []):
            if "follow" in step:
                record = _named(Record.objects.filter(parent=record, flow=step["follow"]).order_by("-pk"),
                                f"{step['follow']} record linked to {record.reference}")
                continue
            user = _named(User.objects.filter(username=step["by"]), f"user {step['by']}")
            if "vote" in step:
                held = roles_in(user, project.pk)
                task = next((t for t in Task.objects.filter(record=record, status="open", kind="approval")
                             .order_by("pk") if held & set(t.roles)), None)
                if task is None:
                    raise ObjectDoesNotExist(f"no open approval {step['by']} may vote on in {record.reference}")
                approvals.vote(user, task.pk, step["vote"])
            else:
                record = transitions.fire(user, record.pk, step["fire"], resolve(step.get("form", {})))

    def _rules(self, project: Project, files: dict[str, str], folder: Path) -> None:
        """Publish each plugin's rule file, only where the project has no rules for it yet.

        So loading again never replaces rules someone changed in the demo since.
        """
        for plugin, name in files.items():
            if RuleSet.objects.filter(project=project, plugin=plugin).exists():
                continue
            config, problems = check_rule_file(plugin, folder / name)
            if problems:
                raise CommandError("\n".join(p.render(with_line=True) for p in problems))
            rule_set = publish_rules(project, plugin, config or {})
            self.stdout.write(f"published {project.code} {plugin} rules r{rule_set.revision}")

    def _users(self, entries: list[dict], projects: dict[str, Project]) -> None:
        User = get_user_model()
        for index, item in enumerate(entries):
            self.where = ("users", index)
            user, created = User.objects.get_or_create(username=item["username"], defaults={
                "display_name": item.get("display_name", ""),
                "is_superuser": item.get("superuser", False),
                # the admin site is for those who configure: staff do their work on the pages
                "is_staff": item.get("superuser", False) or bool(CONFIGURING_ROLES & _roles_of(item))})
            if created:
                user.set_password(item["password"])
                user.save()
            for code, roles in item.get("roles", {}).items():
                for role in roles:
                    Membership.objects.get_or_create(user=user, project=projects[code], role=role)
            self.stdout.write(f"login: {item['username']} / {item['password']}  {item.get('note', '')}")


# What a file of the wrong shape makes the loaders raise: a key missing, a list where a mapping
# belongs, a value no field or column takes (too long for PostgreSQL's column, a decimal that is not).
_SHAPE_ERRORS = (KeyError, IndexError, TypeError, AttributeError, ValueError, ArithmeticError, ValidationError,
                 DatabaseError, ObjectDoesNotExist, EngineError, versions.VersionError, DefinitionError)


def _detail(exc: BaseException) -> str:
    if isinstance(exc, (EngineError, versions.VersionError)):
        return exc.message("en")
    if isinstance(exc, DefinitionError):
        return "; ".join(exc.render(with_line=True))
    if isinstance(exc, KeyError):
        return f"{exc.args[0]!r} is missing"
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    if isinstance(exc, (TypeError, AttributeError)):
        return f"a value has the wrong shape (a list, a mapping or a text where another is expected): {exc}"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _line(lines: dict, path: tuple) -> int | None:
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


CONFIGURING_ROLES = frozenset({"project_admin", "platform_admin", "implementer"})


def _roles_of(item: dict) -> set[str]:
    return {role for roles in item.get("roles", {}).values() for role in roles}


def _named(rows, what: str):
    """The first of `rows` (a query), or an error that says what was looked for."""
    found = rows.first()
    if found is None:
        raise ObjectDoesNotExist(f"no {what}")
    return found


def _customer(phone: str):
    return _named(Customer.objects.filter(phone=normalise_phone(phone)), f"customer with phone {phone}")
