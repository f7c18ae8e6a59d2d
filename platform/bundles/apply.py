"""Making this installation's configuration what a bundle says, inside the caller's transaction.

`apply` never stops at the first problem: each part runs in its own savepoint, a part that
fails is reported (file, path, line) and the next one runs, so `bundle check` lists every
problem at once. The caller rolls the whole transaction back when there is any problem,
or when it only wanted to know (`check`, `diff`, `load --dry-run`): the very code that
loads is the code that checks, against this installation as it is.

A flow is published only when its effective content (template + overrides, in the
canonical form) differs from the published version's; loading the same bundle twice
changes nothing. Records keep running on the versions they started on.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, TypeGuard

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history

from accounts.models import Membership
from definitions import canonical
from definitions.diff import diff_documents
from definitions.errors import closest
from definitions.overrides import apply_overrides
from definitions.roles import STANDARD_ROLE_NAMES
from documents.issuing import DocumentError, save_template
from documents.models import DocumentTemplate
from engine import client_templates, versions
from engine.models import FlowBinding
from extensions import registry
from extensions.errors import InvalidRules, UnknownPlugin
from extensions.models import RuleSet
from extensions.rulesets import publish_rules
from kernel.models import Building, Campaign, Company, Project, QueueBatch, Region, SaleStatus, Unit
from kernel.settings_schema import settings_problems

from . import layout
from .check import static_problems
from .problems import BundleProblem, at, by_name, from_definitions
from .reader import Bundle, Document, ProjectPart

CONFIGURING_ROLES = frozenset({"project_admin", "platform_admin", "implementer"})
SHOWN_UNIT_CHANGES = 20


@dataclass
class Report:
    problems: list[BundleProblem] = field(default_factory=list)
    changes: dict[str, list[str]] = field(default_factory=dict)   # heading -> lines, in the order found
    notes: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)           # "DEMO/subscription v3"

    def change(self, heading: str, *lines: str) -> None:
        self.changes.setdefault(heading, []).extend(lines)


def apply(bundle: Bundle, *, lang: str, user=None) -> Report:
    """Apply every part of the bundle; the caller's transaction decides whether any of it stays."""
    report = Report(problems=list(bundle.problems))
    found, broken = static_problems(bundle)
    report.problems.extend(found)
    loader = _Loader(bundle, report, broken, lang, user)
    loader.run()
    return report


class _Loader:
    def __init__(self, bundle: Bundle, report: Report, broken: set[str], lang: str, user):
        self.bundle, self.report, self.broken, self.lang, self.user = bundle, report, broken, lang, user
        self.projects: dict[str, Project] = {}
        self.roles: dict[str, set[str]] = {}     # project code -> roles its flows declare
        self.plugins_used: dict[str, dict[str, tuple[int, str]]] = {}  # code -> plugin -> (index in flows, flow)

    @contextmanager
    def part(self, file: str, path: tuple = (), lines: dict | None = None) -> Iterator[None]:
        """One part in its own savepoint: a database refusal becomes a problem of `file`, the next part runs."""
        try:
            with transaction.atomic():
                yield
        except _Refused:
            pass
        except (IntegrityError, ValidationError, DatabaseError) as exc:
            self.problem(file, path, lines or {}, _("the database refused it: %(detail)s") % {"detail": _detail(exc)})

    def problem(self, file: str, path: tuple, lines: dict, message: str) -> None:
        self.report.problems.append(at(file, lines, path, message))

    def run(self) -> None:
        parts = [p for code, p in sorted(self.bundle.projects.items())
                 if p.project is not None and p.project.file not in self.broken]
        for part in parts:
            with self.part(part.project_doc().file, (), part.project_doc().lines):
                self._project(part)
        self._templates()
        for part in parts:
            project = self.projects.get(part.code)
            if project is None:
                continue
            self._flows(part, project)
            self._rules(part, project)
            self._plugins_have_rules(part, project)
            if part.units is not None and part.units.file not in self.broken:
                with self.part(part.units.file, (), part.units.lines):
                    self._units(part.units, project)
            if part.members is not None:
                roles_known = self._member_roles(part.members, project)
                if roles_known and part.members.file not in self.broken:
                    with self.part(part.members.file, (), part.members.lines):
                        self._members(part.members, project)
            if part.campaigns is not None and part.campaigns.file not in self.broken:
                with self.part(part.campaigns.file, (), part.campaigns.lines):
                    self._campaigns(part.campaigns, project)
            self._documents(part, project)
        groups = self.bundle.groups
        if groups is not None and groups.file not in self.broken:
            with self.part(groups.file, (), groups.lines):
                self._groups(groups)

    # --- the project itself --------------------------------------------------------------------------------------

    def _project(self, part: ProjectPart) -> None:
        doc = part.project_doc()
        data = doc.data
        heading = part.code
        settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
        # reported, and the project still made: its flows and units are checked too; any problem rolls all back
        for text in settings_problems(settings, self.lang):
            where, sep, message = text.partition(": ")  # "reservation_hours: 0 is less than the minimum of 1"
            path = ("settings", *where.split(".")) if sep and where != "(settings)" else ("settings",)
            self.problem(doc.file, path, doc.lines, message if sep else text)
        company = self._company(data.get("company"), heading)
        region = self._region(company, data.get("region"), doc, heading)
        project = Project.objects.filter(code=part.code).first()
        if project is None:
            project = Project.objects.create(code=part.code, name=data["name"], settings=settings, company=company,
                                             region=region)
            self.report.change(heading, _("+ new project %(code)s %(name)s") % {"code": part.code,
                                                                                 "name": data["name"]})
        else:
            lines = []
            if project.name != data["name"]:
                lines.append(f"~ name: {project.name!r} → {data['name']!r}")
            if project.company_id != (company.pk if company else None):
                lines.append(f"~ company: {_name(project.company)} → {_name(company)}")
            if project.region_id != (region.pk if region else None):
                lines.append(f"~ region: {_name(project.region)} → {_name(region)}")
            lines += [f"{c.render(self.lang)[:2]}settings.{c.render(self.lang)[2:]}"
                      for c in diff_documents(project.settings or {}, settings)]
            if lines:
                project.name, project.settings, project.company, project.region = data["name"], settings, company, region
                project.save(update_fields=["name", "settings", "company", "region"])
                self.report.change(heading, *lines)
        self.projects[part.code] = project
        for batch in data.get("queue_batches") if isinstance(data.get("queue_batches"), list) else []:
            if not isinstance(batch, dict) or not isinstance(batch.get("code"), str):
                continue
            title = str(batch.get("title", ""))
            row, created = QueueBatch.objects.get_or_create(project=project, code=batch["code"],
                                                            defaults={"title": title})
            if created:
                self.report.change(heading, _("+ queue batch %(code)s") % {"code": batch["code"]})
            elif row.title != title:
                self.report.change(heading, f"~ queue batch {batch['code']}: {row.title!r} → {title!r}")
                row.title = title
                row.save(update_fields=["title"])

    def _company(self, data: object, heading: str) -> Company | None:
        if not _named(data):
            return None
        company = Company.objects.filter(code=data["code"]).first()
        share = data.get("share_customers") is True
        if company is None:
            self.report.change(heading, _("+ new company %(code)s %(name)s") % data)
            return Company.objects.create(code=data["code"], name=data["name"], share_customers=share)
        if (company.name, company.share_customers) != (data["name"], share):
            self.report.change(heading, f"~ company {company.code}: {company.name!r}, share_customers "
                                        f"{company.share_customers} → {data['name']!r}, {share}")
            company.name, company.share_customers = data["name"], share
            company.save(update_fields=["name", "share_customers"])
        return company

    def _region(self, company: Company | None, data: object, doc: Document, heading: str) -> Region | None:
        if not _named(data):
            return None
        if company is None:
            self.problem(doc.file, ("region",), doc.lines, _("a region belongs to a company: give the company too"))
            raise _Refused
        region = Region.objects.filter(company=company, code=data["code"]).first()
        if region is None:
            self.report.change(heading, _("+ new region %(code)s %(name)s") % data)
            return Region.objects.create(company=company, code=data["code"], name=data["name"])
        if region.name != data["name"]:
            self.report.change(heading, f"~ region {region.code}: {region.name!r} → {data['name']!r}")
            region.name = data["name"]
            region.save(update_fields=["name"])
        return region

    # --- client templates ---------------------------------------------------------------------------------------

    def _templates(self) -> None:
        names = set(self.bundle.flows)
        for name, doc in sorted(self.bundle.flows.items()):
            entity = doc.data.get("entity") if isinstance(doc.data, dict) else None
            schemas = {f"{entity}.json": self.bundle.schemas[f"{entity}.json"]} \
                if isinstance(entity, str) and f"{entity}.json" in self.bundle.schemas else {}
            files = client_templates.TemplateFiles(name=name, flow_text=doc.text, schema_texts=schemas)
            found = client_templates.problems(files, lang=self.lang, others=names - {name})
            if found:
                self.report.problems.extend(BundleProblem("", "", text) for text in found)
                continue
            users = [p for code, p in sorted(self.projects.items())
                     if name in (self._flows_of(code) or ())] or [p for _c, p in sorted(self.projects.items())]
            if not users:
                continue
            before = {p.pk: _template_hash(p, name) for p in users}
            with self.part(doc.file, (), doc.lines):
                if client_templates.install(files, projects=users, source=self._source()):
                    for project in users:
                        word = _("+ new flow template %(name)s") if before[project.pk] is None \
                            else _("~ flow template %(name)s: new text")
                        self.report.change(project.code, word % {"name": name})

    def _template_roles(self) -> set[str]:
        """Roles the bundle's own templates declare, known even when a template has problems of its own."""
        roles = set()
        for doc in self.bundle.flows.values():
            for role in (doc.data.get("roles") if isinstance(doc.data, dict) else None) or []:
                if isinstance(role, dict) and isinstance(role.get("name"), str):
                    roles.add(role["name"])
        return roles

    def _flows_of(self, code: str) -> list[str] | None:
        part = self.bundle.projects.get(code)
        data = part.project.data if part and part.project else None
        flows = data.get("flows") if isinstance(data, dict) else None
        return [f for f in flows if isinstance(f, str)] if isinstance(flows, list) else None

    def _source(self) -> str:
        client = self.bundle.client
        return _("bundle of %(client)s") % {"client": client.get("name") or client.get("code") or "?"}

    # --- flows --------------------------------------------------------------------------------------------------

    def _flows(self, part: ProjectPart, project: Project) -> None:
        doc = part.project_doc()
        flows = self._flows_of(part.code) or []
        roles = self.roles.setdefault(part.code, set())
        known = client_templates.shipped_names() | client_templates.names_for(project)
        for index, flow in enumerate(flows):
            if flow not in known and flow in self.bundle.flows:
                continue  # the bundle's own template did not install: its problems are said already
            if flow not in known:
                hint = closest(flow, known | set(self.bundle.flows))
                self.problem(doc.file, ("flows", index), doc.lines, _(
                    "there is no flow template %(flow)s here nor in the bundle's templates/flows/") % {"flow": flow}
                    + (_("; did you mean %(name)s?") % {"name": hint} if hint else ""))
                continue
            overrides_doc = part.overrides.get(flow)
            if overrides_doc is not None and overrides_doc.file in self.broken:
                continue
            with self.part(overrides_doc.file if overrides_doc else doc.file, (),
                           overrides_doc.lines if overrides_doc else doc.lines):
                self._flow(project, flow, overrides_doc, index, doc, roles)
        for binding in FlowBinding.objects.filter(project=project).exclude(flow__in=flows).order_by("flow"):
            if versions.published_version(project, binding.flow) is not None:
                self.report.notes.append(_("%(code)s/%(flow)s is published here and not in the bundle: left as it is")
                                         % {"code": project.code, "flow": binding.flow})

    def _flow(self, project: Project, flow: str, overrides_doc: Document | None, index: int, project_doc: Document,
              roles: set[str]) -> None:
        overrides = (overrides_doc.data or {}) if overrides_doc else {}
        text = overrides_doc.text if overrides_doc else None
        document, problems = versions.check_overrides(project, flow, overrides)
        if problems:
            if overrides_doc is not None:
                effective = _effective(project, flow, overrides)
                named = [replace(p, path=by_name(effective, p.path)) if p.path[:1] != ("overrides",) else p
                         for p in problems]
                self.report.problems.extend(from_definitions(named, overrides_doc.file, self.lang,
                                                             overrides_doc.lines, strip=("overrides",)))
            else:
                self.report.problems.extend(from_definitions(problems, f"{project_doc.file}: flows[{index}]",
                                                             self.lang))
            raise _Refused
        declared = document.get("roles") if isinstance(document, Mapping) else None  # without problems: a mapping
        roles.update(r["name"] for r in declared or [] if isinstance(r, dict) and "name" in r)
        for plugin in _plugins_called(document):
            self.plugins_used.setdefault(project.code, {}).setdefault(plugin, (index, flow))
        current = versions.published_version(project, flow)
        binding = FlowBinding.objects.filter(project=project, flow=flow).first()
        same_content = current is not None and \
            canonical.content_hash(canonical.loads(current.content)) == canonical.content_hash(document)
        # overrides set as data (a script, the demo) have no text: equal data is the same overrides
        stored_text = getattr(binding, "overrides_text", None) if binding is not None else None
        same_overrides = binding is not None and canonical.dumps(binding.overrides or {}) == canonical.dumps(overrides) \
            and (stored_text is None or stored_text == text)
        if same_content and same_overrides:
            return
        changes = [] if current is None else versions.diff_against_published(project, flow, document)
        try:
            if text is not None:
                result = versions.publish(project, flow, overrides_text=text, user=self.user)
            else:
                result = versions.publish(project, flow, overrides={}, user=self.user)
        except versions.ChecksRefused as exc:
            # a version that would break running work or a linking flow (engine.versions_checks): a problem
            # of this part, like any other; a newly required field is chosen for with `flows publish`
            doc = overrides_doc or project_doc
            for finding in exc.findings:
                if finding.blocking:
                    self.problem(doc.file, (), doc.lines, finding.message(self.lang))
            raise _Refused from exc
        heading = f"{project.code}/{flow}"
        if result.created:
            self.report.published.append(f"{heading} v{result.version.number}")
            if current is None:
                self.report.change(heading, _("+ new flow: version %(number)s") % {"number": result.version.number})
            else:
                self.report.change(heading, _("new version v%(number)s (published now: v%(old)s):") % {
                    "number": result.version.number, "old": current.number},
                    *(f"  {c.render(self.lang)}" for c in changes))
        else:
            self.report.change(heading, _("overrides as written changed; the effective flow is the same: no new version"))

    # --- plugin rules ---------------------------------------------------------------------------------------------

    def _rules(self, part: ProjectPart, project: Project) -> None:
        for plugin, doc in sorted(part.rules.items()):
            with self.part(doc.file, (), doc.lines):
                self._rule_set(project, plugin, doc)

    def _rule_set(self, project: Project, plugin: str, doc: Document) -> None:
        try:
            registry.plugin(plugin)
        except UnknownPlugin as exc:
            self.report.problems.append(BundleProblem(doc.file, "", exc.message(self.lang)))
            raise _Refused from None
        config = doc.data if doc.data is not None else {}
        found = registry.validate_rules(plugin, config, file=doc.file)
        if found:
            self.report.problems.extend(from_definitions(found, doc.file, self.lang, doc.lines))
            raise _Refused
        current = RuleSet.objects.filter(project=project, plugin=plugin).first()
        if current is not None and canonical.dumps(current.config) == canonical.dumps(config):
            return
        changes = diff_documents(current.config if current else {}, config)
        try:
            rule_set = publish_rules(project, plugin, config, user=self.user, validated=True)
        except InvalidRules as exc:
            self.report.problems.extend(from_definitions(exc.problems, doc.file, self.lang, doc.lines))
            raise _Refused from None
        heading = _("%(code)s rules %(plugin)s") % {"code": project.code, "plugin": plugin}
        self.report.change(heading, _("published r%(revision)s") % {"revision": rule_set.revision}
                           + (":" if current else _(" (the project's first)")),
                           *(f"  {c.render(self.lang)}" for c in (changes if current else [])))

    def _plugins_have_rules(self, part: ProjectPart, project: Project) -> None:
        """A flow that calls a plugin's action needs the project's rules for it (no silent defaults)."""
        for plugin, (index, flow) in sorted(self.plugins_used.get(part.code, {}).items()):
            try:
                if registry.plugin(plugin).rule_schema is None:
                    continue
            except UnknownPlugin:
                continue  # the flow's own problems say so
            if plugin in part.rules or RuleSet.objects.filter(project=project, plugin=plugin).exists():
                continue
            self.problem(part.project_doc().file, ("flows", index), part.project_doc().lines, _(
                "%(flow)s calls the %(plugin)s plugin, and the project has no %(plugin)s rules: add %(file)s")
                % {"flow": flow, "plugin": plugin, "file": layout.rules_file(part.code, plugin)})

    # --- units ---------------------------------------------------------------------------------------------------

    def _units(self, doc: Document, project: Project) -> None:
        heading = project.code
        buildings = {b.code: b for b in Building.objects.filter(project=project)}
        existing = {u.code: u for u in Unit.objects.filter(project=project)}
        new: list[tuple[tuple, Unit]] = []
        changed: list[str] = []
        added_buildings = 0
        for b, item in enumerate(doc.data.get("buildings") or []):
            building = buildings.get(item["code"])
            name = item.get("name", "")
            if building is None:
                building = buildings[item["code"]] = Building.objects.create(project=project, code=item["code"],
                                                                             name=name)
                added_buildings += 1
            elif building.name != name:
                changed.append(f"~ building {building.code}: {building.name!r} → {name!r}")
                building.name = name
                building.save(update_fields=["name"])
            for u, row in enumerate(item.get("units") or []):
                values = {"floor": row["floor"], "position": row["position"], "layout": row.get("layout", ""),
                          "built_area": Decimal(row["built_area"]), "inner_area": Decimal(row["inner_area"]),
                          "orientation": row.get("orientation", ""), "list_price": Decimal(row["list_price"])}
                unit = existing.get(row["code"])
                path = ("buildings", b, "units", u)
                wanted = SaleStatus.WITHHELD if row.get("status") == SaleStatus.WITHHELD else SaleStatus.AVAILABLE
                if unit is None:
                    new.append((path, Unit(project=project, building=building, code=row["code"], status=wanted,
                                           **values)))
                    continue
                if unit.status in (SaleStatus.AVAILABLE, SaleStatus.WITHHELD):
                    values["status"] = wanted  # on sale or withheld is the setup's; a deal's status stays the deal's
                if unit.building_id != building.pk:
                    self.problem(doc.file, path + ("code",), doc.lines, _(
                        "unit %(code)s is in building %(other)s here: a unit does not move to another building")
                        % {"code": unit.code, "other": unit.building.code})
                    continue
                diffs = [f"{key} {getattr(unit, key)} → {value}" for key, value in values.items()
                         if getattr(unit, key) != value]
                if diffs:
                    changed.append(f"~ unit {unit.code}: " + ", ".join(diffs))
                    for key, value in values.items():
                        setattr(unit, key, value)
                    unit.save()
        self._insert_units(doc, new)
        if added_buildings:
            self.report.change(heading, ngettext("+ %(n)s building", "+ %(n)s buildings", added_buildings)
                               % {"n": added_buildings})
        if new:
            self.report.change(heading, ngettext("+ %(n)s unit", "+ %(n)s units", len(new)) % {"n": len(new)})
        if changed:
            self.report.change(heading, *changed[:SHOWN_UNIT_CHANGES])
            if len(changed) > SHOWN_UNIT_CHANGES:
                self.report.change(heading, _("… and %(n)s more changes of units") % {
                    "n": len(changed) - SHOWN_UNIT_CHANGES})

    def _insert_units(self, doc: Document, new: list[tuple[tuple, Unit]]) -> None:
        """All at once; when the database refuses, one by one, to say which unit and why."""
        if not new:
            return
        try:
            with transaction.atomic():
                bulk_create_with_history([unit for _path, unit in new], Unit, batch_size=500)
            return
        except IntegrityError:
            pass
        failed = False
        for path, unit in new:
            try:
                with transaction.atomic():
                    unit.pk = None
                    unit.save()
            except IntegrityError as exc:
                failed = True
                clash = Unit.objects.filter(building=unit.building, floor=unit.floor, position=unit.position).first()
                message = (_("unit %(other)s is already on floor %(floor)s at position %(position)s of building "
                             "%(building)s") % {"other": clash.code, "floor": unit.floor, "position": unit.position,
                                                "building": unit.building.code}) if clash else \
                    _("the database refused it: %(detail)s") % {"detail": _detail(exc)}
                self.problem(doc.file, path, doc.lines, message)
        if failed:
            raise _Refused

    # --- members --------------------------------------------------------------------------------------------------

    def _member_roles(self, doc: Document, project: Project) -> bool:
        """Every role members.yaml gives is the standard catalogue's or declared by a flow of the project."""
        known_roles = STANDARD_ROLE_NAMES | self.roles.get(project.code, set()) | self._template_roles()
        members = doc.data.get("members") if isinstance(doc.data, dict) else None
        good = True
        for index, member in enumerate(members if isinstance(members, list) else []):
            roles = member.get("roles") if isinstance(member, dict) else None
            for r, role in enumerate(roles if isinstance(roles, list) else []):
                if isinstance(role, str) and role not in known_roles:
                    hint = closest(role, known_roles)
                    self.problem(doc.file, ("members", index, "roles", r), doc.lines, _(
                        "no flow of the project nor the standard catalogue knows the role %(role)s") % {"role": role}
                        + (_("; did you mean %(name)s?") % {"name": hint} if hint else ""))
                    good = False
        return good

    def _members(self, doc: Document, project: Project) -> None:
        User = get_user_model()
        heading = project.code
        entries = doc.data.get("members") or []
        wanted = {(member["username"], role) for member in entries for role in member["roles"]}
        users = {u.username: u for u in User.objects.filter(username__in=[m["username"] for m in entries])}
        for member in entries:
            self._user(users, member, heading, is_staff=bool(CONFIGURING_ROLES & set(member["roles"])))
        have = {(m.user.username, m.role): m for m in Membership.objects.filter(project=project).select_related("user")}
        for username, role in sorted(wanted - set(have)):
            Membership.objects.create(user=users[username], project=project, role=role)
            self.report.change(heading, f"+ {username}: {role}")
        for key in sorted(set(have) - wanted):
            have[key].delete()
            self.report.change(heading, f"- {key[0]}: {key[1]}")

    def _user(self, users: dict, member: dict, heading: str, *, is_staff: bool = False):
        """The member's user: made (without a password) when new, its display name brought to the bundle's."""
        User = get_user_model()
        user = users.get(member["username"])
        display = member.get("display_name", "")
        if user is None:
            user = users[member["username"]] = User(username=member["username"], display_name=display,
                                                    is_staff=is_staff)
            user.set_unusable_password()
            user.save()
            self.report.change(heading, _("+ new user %(username)s (no password yet)") % member)
        elif display and user.display_name != display:
            self.report.change(heading, f"~ user {user.username}: {user.display_name!r} → {display!r}")
            user.display_name = display
            user.save(update_fields=["display_name"])
        return user

    # --- group roles ----------------------------------------------------------------------------------------------

    def _groups(self, doc: Document) -> None:
        """The group roles of the bundle's companies become groups.yaml's (other companies' are left alone)."""
        from figures.models import GroupMembership

        User = get_user_model()
        heading = layout.GROUPS
        entries = doc.data.get("members") or []
        companies = {p.company.code: p.company for p in self.projects.values() if p.company is not None}
        regions = {(r.company.code, r.code): r for r in Region.objects.filter(company__in=companies.values())
                   .select_related("company")}
        users = {u.username: u for u in User.objects.filter(username__in=[m["username"] for m in entries])}
        wanted = set()
        for index, member in enumerate(entries):
            self._user(users, member, heading)
            region = member.get("region")
            if region is not None and (member["company"], region) not in regions:
                self.problem(doc.file, ("members", index, "region"), doc.lines, _(
                    "no region %(region)s in %(company)s here") % member)
                raise _Refused
            wanted.add((member["username"], member["company"], region, member["role"]))
        have = {(g.user.username, g.company.code, g.region.code if g.region else None, g.role): g
                for g in GroupMembership.objects.filter(company__in=companies.values())
                .select_related("user", "company", "region")}
        for key in sorted(wanted - set(have), key=str):
            username, company, region, role = key
            GroupMembership.objects.create(user=users[username], company=companies[company],
                                           region=regions.get((company, region)), role=role)
            self.report.change(heading, f"+ {username}: {role} {company}" + (f"/{region}" if region else ""))
        for key in sorted(set(have) - wanted, key=str):
            have[key].delete()
            self.report.change(heading, f"- {key[0]}: {key[3]} {key[1]}" + (f"/{key[2]}" if key[2] else ""))

    # --- document templates ----------------------------------------------------------------------------------------

    def _documents(self, part: ProjectPart, project: Project) -> None:
        """The project's own document templates made the bundle's: a new revision only where one changed.

        Saved through documents.issuing.save_template, the studio's own way: the same check
        (every field the text names exists in the flow's entity schema), a revision kept per
        save. Templates the bundle does not name are left as they are: issued papers name
        their revisions, which deleting a template would take with it.
        """
        doc = part.documents
        have = {t.name: t for t in DocumentTemplate.objects.filter(project=project)}
        # each well-formed entry is saved even when another one is not, so `check` lists every problem at once
        entries = _entries(doc.data, "documents") if doc is not None else []
        for name in sorted(set(have) - {entry.get("name") for _i, entry in entries}):
            self.report.notes.append(_("%(code)s: document template %(name)s is here and not in the bundle: "
                                       "left as it is") % {"code": project.code, "name": name})
        if doc is None:
            return  # no documents.yaml: nothing to save
        bundle_flows = self._flows_of(part.code) or []
        for index, entry in entries:
            name, body = entry["name"], part.bodies.get(entry["name"])
            file = layout.document_body_file(part.code, name)
            if body is None or file in self.broken:
                continue  # said by the files' own check
            flow = entry.get("flow", "")
            current = have.get(name)
            wanted = (flow, entry["title_zh"], entry["title_en"], body)
            if current is not None and (current.flow, current.title_zh, current.title_en, current.body) == wanted:
                continue
            if flow and versions.published_version(project, flow) is None:
                if flow not in bundle_flows:
                    hint = closest(flow, bundle_flows)
                    self.problem(doc.file, ("documents", index, "flow"), doc.lines, _(
                        "the flow %(flow)s is not published in %(code)s: a document belongs to a flow of its "
                        "project") % {"flow": flow, "code": project.code}
                        + (_("; did you mean %(name)s?") % {"name": hint} if hint else ""))
                continue  # else the flow did not build here: its own problems are said
            with self.part(file):
                try:
                    saved = save_template(project, name, flow=flow, title_zh=entry["title_zh"],
                                          title_en=entry["title_en"], body=body, user=self.user,
                                          lang="zh-hans" if self.lang.startswith("zh") else "en")
                except DocumentError as exc:
                    # the text's problems at their lines in the .html; the others are about the flow it is for
                    for found in exc.found:
                        self.report.problems.append(BundleProblem(file, "", found.message(self.lang), found.line))
                    if not exc.found:
                        self.problem(doc.file, ("documents", index, "flow"), doc.lines, exc.message(self.lang))
                    raise _Refused from None
                self.report.change(project.code, *_document_change(current, saved, entry["title_zh"]))

    # --- campaigns ------------------------------------------------------------------------------------------------

    def _campaigns(self, doc: Document, project: Project) -> None:
        heading = project.code
        existing = {c.name: c for c in Campaign.objects.filter(project=project)}
        bad = False
        for index, row in enumerate(doc.data.get("campaigns") or []):
            try:
                starts, ends = date.fromisoformat(row["starts_on"]), date.fromisoformat(row["ends_on"])
            except ValueError:
                self.problem(doc.file, ("campaigns", index), doc.lines, _("not a date of the calendar"))
                bad = True
                continue
            values = {"source_type": row["source_type"], "channel": row.get("channel", ""), "starts_on": starts,
                      "ends_on": ends, "cost": Decimal(row.get("cost", "0")), "active": row.get("active", True)}
            campaign = existing.get(row["name"])
            if campaign is None:
                Campaign.objects.create(project=project, name=row["name"], **values)
                self.report.change(heading, _("+ campaign %(name)s") % {"name": row["name"]})
                continue
            diffs = [f"{key} {getattr(campaign, key)} → {value}" for key, value in values.items()
                     if getattr(campaign, key) != value]
            if diffs:
                for key, value in values.items():
                    setattr(campaign, key, value)
                campaign.save()
                self.report.change(heading, f"~ campaign {campaign.name}: " + ", ".join(diffs))
        if bad:
            raise _Refused


class _Refused(Exception):
    """A part had problems, already reported: its savepoint is rolled back and the next part runs."""


def _entries(data: object, key: str) -> list[tuple[int, dict]]:
    """(index, entry) of the entries of `data[key]` the schema found well formed (strings where it wants them)."""
    items = data.get(key) if isinstance(data, dict) else None
    return [(i, item) for i, item in enumerate(items if isinstance(items, list) else [])
            if isinstance(item, dict) and all(isinstance(item.get(k), str) for k in ("name", "title_zh", "title_en"))
            and isinstance(item.get("flow", ""), str)]


def _document_change(before, after, title: str) -> list[str]:
    if before is None:
        return [_("+ document template %(name)s (%(title)s)") % {"name": after.name, "title": title}]
    lines = [_("~ document template %(name)s: revision r%(old)s → r%(new)s") % {
        "name": after.name, "old": before.revision, "new": after.revision}]
    for key in ("flow", "title_zh", "title_en"):
        if getattr(before, key) != getattr(after, key):
            lines.append(f"  ~ {key}: {getattr(before, key)!r} → {getattr(after, key)!r}")
    if before.body != after.body:
        added = removed = 0
        for line in difflib.ndiff(before.body.splitlines(), after.body.splitlines()):
            added += line.startswith("+ ")
            removed += line.startswith("- ")
        lines.append("  " + _("~ text: %(added)s line(s) added, %(removed)s removed") % {"added": added,
                                                                                     "removed": removed})
    return lines


def _plugins_called(document: object) -> set[str]:
    """The plugins whose actions a flow document calls (`action: pricing.quote`)."""
    found: set[str] = set()
    names = {p.name for p in registry.plugins()}

    def walk(value: object) -> None:
        if isinstance(value, dict):
            action = value.get("action")
            if isinstance(action, str) and action.partition(".")[0] in names:
                found.add(action.partition(".")[0])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(document)
    return found


def _effective(project: Project, flow: str, overrides: object) -> object:
    """Template + overrides, unchecked: to turn a problem's position in it into the names the overrides use."""
    try:
        _template, resolved, _problems = versions.template_of(project, flow)
    except versions.VersionError:
        return None
    return apply_overrides(resolved, overrides)[0] if resolved is not None else None


def _template_hash(project: Project, name: str) -> str | None:
    template = client_templates.template_for(project, name)
    return template.content_hash if template else None


def _named(data: object) -> TypeGuard[dict[str, Any]]:
    """A company or region entry fit to apply: a mapping with a code and a name (the schema reports the rest)."""
    return isinstance(data, dict) and isinstance(data.get("code"), str) and isinstance(data.get("name"), str)


def _name(value) -> str:
    return "-" if value is None else f"{value.code} {value.name}"


def _detail(exc: Exception) -> str:
    text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    return text.splitlines()[0][:200] if text else type(exc).__name__
