"""What can be said about a bundle from its files alone: their shape and their references to each other.

What needs the installation (does the flow build with its overrides here, is the plugin
installed, does a unit clash with one already there) is said by `apply`, which the
`check` command runs in a transaction it then rolls back.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from definitions.errors import closest
from kernel.settings_schema import effective_settings

from . import layout
from .problems import BundleProblem, at
from .reader import Bundle, Document, ProjectPart
from .schema import schema_problems


def static_problems(bundle: Bundle) -> tuple[list[BundleProblem], set[str]]:
    """Every problem the files show by themselves, and the files too broken to apply."""
    problems: list[BundleProblem] = []
    broken: set[str] = set()

    def shape(kind: str, document: Document | None) -> bool:
        if document is None:
            return False
        found = schema_problems(kind, document.data, document.file, document.lines)
        problems.extend(found)
        if found:
            broken.add(document.file)
        return not found

    shape("manifest", bundle.manifest)
    manifest = bundle.manifest
    listed = manifest.data.get("projects") if manifest is not None and isinstance(manifest.data, dict) else None
    if manifest is not None and isinstance(listed, list):
        for index, code in enumerate(listed):
            if isinstance(code, str) and code not in bundle.projects:
                problems.append(at(layout.MANIFEST, manifest.lines, ("projects", index),
                                   _("there is no folder projects/%(code)s/") % {"code": code}))
    for _code, part in sorted(bundle.projects.items()):
        _project(part, shape, problems, broken)
    if bundle.groups is not None:
        shape("groups", bundle.groups)
        _groups(bundle, problems, broken)
    used_schemas = set()
    for _name, document in bundle.flows.items():
        entity = document.data.get("entity") if isinstance(document.data, dict) else None
        if isinstance(entity, str):
            used_schemas.add(f"{entity}.json")
    for file_name in sorted(set(bundle.schemas) - used_schemas):
        problems.append(BundleProblem(layout.schema_file(file_name), "", _(
            "no flow template of the bundle has this entity (a flow names its schema with entity: NAME)")))
    return problems, broken


def _project(part: ProjectPart, shape, problems: list[BundleProblem], broken: set[str]) -> None:
    folder = f"{layout.PROJECTS}/{part.code}/"
    project = part.project
    if project is None:
        problems.append(BundleProblem(folder + "project.yaml", "", _("every project folder needs its project.yaml")))
        broken.add(folder + "project.yaml")
        return
    shape("project", project)
    data: dict = project.data if isinstance(project.data, dict) else {}
    # the rest of a project.yaml with a wrong key is still applied (and rolled back): its other problems show too
    if isinstance(data.get("code"), str) and isinstance(data.get("name"), str) and data.get("name"):
        broken.discard(project.file)
    if data.get("code") != part.code:
        problems.append(at(project.file, project.lines, ("code",), _(
            "the code must be the folder's name, %(code)s") % {"code": part.code}))
        broken.add(project.file)
    listed_flows = data.get("flows")
    flows: list = listed_flows if isinstance(listed_flows, list) else []
    for flow, document in sorted(part.overrides.items()):
        if flow not in flows:
            hint = closest(flow, [f for f in flows if isinstance(f, str)])
            problems.append(BundleProblem(document.file, "", _(
                "overrides of %(flow)s, which project.yaml does not list under flows") % {"flow": flow}
                + (_("; did you mean %(name)s?") % {"name": hint} if hint else "")))
            broken.add(document.file)
        elif document.data is not None and not isinstance(document.data, dict):
            problems.append(BundleProblem(document.file, "", _("overrides must be a mapping of keys to values"), 1))
            broken.add(document.file)
    # each row is checked even when another row of the file is malformed: every problem at once
    if part.units is not None:
        shape("units", part.units)
        _units(part.units, problems, broken)
    if part.members is not None:
        shape("members", part.members)
        _members(part.members, problems, broken)
    if part.documents is not None:
        shape("documents", part.documents)
    _documents(part, problems, broken)
    listed_settings = data.get("settings")
    settings: dict = listed_settings if isinstance(listed_settings, dict) else {}
    if part.campaigns is not None:
        shape("campaigns", part.campaigns)
        _campaigns(part.campaigns, settings, problems, broken)


def _units(document: Document, problems: list[BundleProblem], broken: set[str]) -> None:
    codes: dict[str, tuple] = {}
    buildings: set[str] = set()
    before = len(problems)
    for b, building in _rows(document.data, "buildings", ("code",)):
        if building["code"] in buildings:
            problems.append(at(document.file, document.lines, ("buildings", b, "code"),
                               _("building %(code)s appears twice") % {"code": building["code"]}))
        buildings.add(building["code"])
        places: set[tuple] = set()
        for u, unit in _rows(building, "units", ("code", "floor", "position", "built_area", "inner_area")):
            path = ("buildings", b, "units", u)
            if unit["code"] in codes:
                problems.append(at(document.file, document.lines, path + ("code",), _(
                    "unit %(code)s appears twice in the project") % {"code": unit["code"]}))
            codes[unit["code"]] = path
            place = (unit["floor"], unit["position"])
            if place in places:
                problems.append(at(document.file, document.lines, path + ("position",), _(
                    "two units of building %(building)s on floor %(floor)s at position %(position)s") % {
                    "building": building["code"], "floor": unit["floor"], "position": unit["position"]}))
            places.add(place)
            built, inner = _decimal(unit["built_area"]), _decimal(unit["inner_area"])
            if built is not None and built <= 0:
                problems.append(at(document.file, document.lines, path + ("built_area",),
                                   _("the built area must be more than 0")))
            if built is not None and inner is not None and not (0 < inner <= built):
                problems.append(at(document.file, document.lines, path + ("inner_area",), _(
                    "the inner area (%(inner)s m²) must be more than 0 and not more than the built area (%(built)s m²)")
                    % {"inner": unit["inner_area"], "built": unit["built_area"]}))
    if len(problems) > before:
        broken.add(document.file)


def _documents(part: ProjectPart, problems: list[BundleProblem], broken: set[str]) -> None:
    """Each entry of documents.yaml once and with its body; each body named by an entry."""
    document = part.documents
    named: set[str] = set()
    if document is not None:
        for index, entry in _rows(document.data, "documents", ("name",)):
            name = entry["name"]
            if name in named:
                problems.append(at(document.file, document.lines, ("documents", index, "name"), _(
                    "document %(name)s appears twice") % {"name": name}))
                broken.add(document.file)
            named.add(name)
            if name not in part.bodies:
                hint = closest(name, list(part.bodies))
                problems.append(at(document.file, document.lines, ("documents", index, "name"), _(
                    "its text is missing: there is no %(file)s") % {"file": layout.document_body_file(part.code, name)}
                    + (_("; did you mean %(name)s?") % {"name": hint} if hint else "")))
                broken.add(document.file)
    for name in sorted(set(part.bodies) - named):
        where = layout.document_body_file(part.code, name)
        problems.append(BundleProblem(where, "", _(
            "a document template's text without its entry (name, titles, flow) in %(file)s")
            % {"file": layout.documents_file(part.code)}))
        broken.add(where)


def _members(document: Document, problems: list[BundleProblem], broken: set[str]) -> None:
    seen: set[str] = set()
    for index, member in _rows(document.data, "members", ("username",)):
        if member["username"] in seen:
            problems.append(at(document.file, document.lines, ("members", index, "username"), _(
                "%(username)s appears twice: give all their roles in one entry") % {"username": member["username"]}))
            broken.add(document.file)
        seen.add(member["username"])


def _groups(bundle: Bundle, problems: list[BundleProblem], broken: set[str]) -> None:
    """Each group role in a company (and region) of the bundle's projects, once."""
    document = bundle.groups
    if document is None:  # called only when the bundle has groups.yaml
        return
    companies: dict[str, set[str]] = {}  # company code -> the region codes the bundle's projects name
    for part in bundle.projects.values():
        data = part.project.data if part.project is not None and isinstance(part.project.data, dict) else {}
        company, region = data.get("company"), data.get("region")
        if isinstance(company, dict) and isinstance(company.get("code"), str):
            regions = companies.setdefault(company["code"], set())
            if isinstance(region, dict) and isinstance(region.get("code"), str):
                regions.add(region["code"])
    seen: set[tuple] = set()
    for index, member in _rows(document.data, "members", ("username", "company", "role")):
        path = ("members", index)
        company, region = member["company"], member.get("region")
        if company not in companies:
            hint = closest(str(company), list(companies))
            problems.append(at(document.file, document.lines, path + ("company",), _(
                "%(company)s is not the company of any project of the bundle") % {"company": company}
                + (_("; did you mean %(name)s?") % {"name": hint} if hint else "")))
            broken.add(document.file)
        elif region is not None and region not in companies[company]:
            problems.append(at(document.file, document.lines, path + ("region",), _(
                "no project of the bundle is in region %(region)s of %(company)s") % {"region": region,
                                                                                     "company": company}))
            broken.add(document.file)
        if member["role"] == "region_director" and region is None:
            problems.append(at(document.file, document.lines, path + ("region",), _(
                "a regional director needs the region they direct")))
            broken.add(document.file)
        key = (member["username"], company, region, member["role"])
        if key in seen:
            problems.append(at(document.file, document.lines, path, _("this group role appears twice")))
            broken.add(document.file)
        seen.add(key)


def _campaigns(document: Document, settings: dict, problems: list[BundleProblem], broken: set[str]) -> None:
    known = [s.get("code") for s in effective_settings(settings).get("source_types") or [] if isinstance(s, dict)]
    names: set[str] = set()
    before = len(problems)
    for index, campaign in _rows(document.data, "campaigns", ("name", "source_type", "starts_on", "ends_on")):
        path = ("campaigns", index)
        if campaign["name"] in names:
            problems.append(at(document.file, document.lines, path + ("name",), _(
                "campaign %(name)s appears twice") % {"name": campaign["name"]}))
        names.add(campaign["name"])
        if campaign["source_type"] not in known:
            hint = closest(campaign["source_type"], [k for k in known if isinstance(k, str)])
            problems.append(at(document.file, document.lines, path + ("source_type",), _(
                "%(code)s is not one of the project's source types (%(known)s)") % {
                "code": campaign["source_type"], "known": ", ".join(map(str, known))}
                + (_("; did you mean %(name)s?") % {"name": hint} if hint else "")))
        try:
            starts, ends = date.fromisoformat(str(campaign["starts_on"])), date.fromisoformat(str(campaign["ends_on"]))
        except ValueError:
            field = "starts_on" if not _is_date(campaign["starts_on"]) else "ends_on"
            problems.append(at(document.file, document.lines, path + (field,), _(
                "%(value)s is not a date of the calendar") % {"value": campaign[field]}))
            continue
        if ends < starts:
            problems.append(at(document.file, document.lines, path + ("ends_on",), _(
                "the campaign cannot end (%(ends)s) before it starts (%(starts)s)") % {
                "ends": campaign["ends_on"], "starts": campaign["starts_on"]}))
    if len(problems) > before:
        broken.add(document.file)


def _rows(data: object, key: str, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    """(index, row) of the well-formed rows of `data[key]`; the malformed ones are the schema's to report."""
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [(i, row) for i, row in enumerate(items)
            if isinstance(row, dict) and all(isinstance(row.get(k), (str, int)) and not isinstance(row.get(k), bool)
                                             for k in required)]


def _is_date(value: object) -> bool:
    try:
        date.fromisoformat(str(value))
        return True
    except ValueError:
        return False


def _decimal(text: object) -> Decimal | None:
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None
