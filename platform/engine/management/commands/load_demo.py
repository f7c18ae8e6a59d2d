"""Load fixtures/demo/demo.yaml: projects with their published flows and plugin rules, units, customers, users.

Idempotent: run it again and it only fills in what is missing.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Membership
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

    @transaction.atomic
    def handle(self, *args, **options):
        path = Path(options["file"])
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        projects = {}
        for item in data.get("projects", []):
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
        if demo_front_desk.load_companies(data.get("companies", []), projects):
            self.stdout.write("companies added")
        self._users(data.get("users", []), projects)
        for item in data.get("projects", []):
            added = demo.load_customers(projects[item["code"]], item.get("customers", []))
            if added:
                self.stdout.write(f"{item['code']}: {added} customers registered")
            made = demo_front_desk.load_front_desk(projects[item["code"]], item)
            if any(made.values()):
                self.stdout.write(f"{item['code']}: {made['campaigns']} campaigns, {made['visits']} visits and "
                                  f"calls, {made['follow_ups']} follow-ups added")
        self._deals(data.get("deals", []), projects)
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
                if key == "unit":
                    out["unit_id"] = _named(Unit.objects.filter(project=project, code=value), f"unit {value}").pk
                elif key in ("customer", "referrer"):
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
        for item in entries:
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
