"""A client's configuration out of the database as the files of a bundle (docs/bundles.md).

Every file is generated in a stable order, so exporting twice gives the same bytes and a
bundle in git shows only what changed. Exporting into a folder that already holds the
bundle keeps a file's text as it is when its content is unchanged (so a comment someone
wrote in a rules file survives), and keeps the manifest, `created_at` included, when no
file changed at all.
"""
from __future__ import annotations

import io
import os
import re
import socket
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from definitions import canonical
from definitions.yamlio import load_yaml
from documents.models import DocumentTemplate
from engine import client_templates
from engine.models import FlowVersion, VersionStatus
from extensions.models import RuleSet
from kernel.models import Building, Campaign, Project, QueueBatch, SaleStatus, Unit

from . import layout
from .reader import file_hash, read_files
from .yamltext import Block, Row, dump, money_text


class ExportError(Exception):
    """A request that cannot be exported; the message is in the active language."""


@dataclass(frozen=True)
class Written:
    path: Path
    files: int
    changed: tuple[str, ...]  # the bundle's files whose bytes changed (or appeared, or went away)


def export_files(projects: Sequence[Project], *, client: dict | None = None) -> dict[str, str]:
    """Every file of the bundle of these projects (relative path -> text), the manifest without hashes."""
    files: dict[str, str] = {}
    templates: dict[str, client_templates.ClientTemplate] = {}
    for project in projects:
        flows = _published(project)
        for template in client_templates.for_project(project):
            if template.name not in flows:
                continue
            seen = templates.setdefault(template.name, template)
            if seen.content_hash != template.content_hash:
                raise ExportError(_("projects of this bundle use two different templates named %(name)s: "
                                    "export them in separate bundles") % {"name": template.name})
        files.update(_project_files(project, flows))
    for name, template in sorted(templates.items()):
        files[layout.flow_file(name)] = template.flow_text
        for schema_name, text in sorted(template.schema_texts.items()):
            files[layout.schema_file(schema_name)] = text
    groups = _groups_yaml(projects)
    if groups:
        files[layout.GROUPS] = groups
    files[layout.MANIFEST] = ""  # placed by `manifest_text`, which needs the other files' hashes
    return files


def default_client(projects: Sequence[Project]) -> dict:
    """The client of these projects: their company when they share one."""
    companies = {p.company_id for p in projects}
    if len(companies) == 1 and projects[0].company is not None:
        company = projects[0].company
        return {"code": company.code, "name": company.name}
    raise ExportError(_("these projects belong to different companies (or none): say which client the bundle is "
                        "for with --client CODE --client-name NAME"))


def manifest_text(client: dict, projects: Iterable[str], hashes: dict[str, str], created_at: str) -> str:
    document = {
        "format_version": layout.FORMAT_VERSION,
        "client": {"code": client["code"], "name": client["name"]},
        "created_at": created_at,
        "source": {"installation": installation_name()},
        "projects": list(projects),
        "files": Block(sorted(hashes.items())),
    }
    header = ("# A client bundle (docs/bundles.md). `files` are the files as exported; `bundle check` says which\n"
              "# have been edited since. Load with: python manage.py bundle load THIS_FOLDER\n")
    return dump(document, header=header)


def installation_name() -> str:
    """Which installation wrote a bundle: PLATFORM_INSTALLATION (e.g. `test`, `production`), else the host name."""
    return os.environ.get("PLATFORM_INSTALLATION") or socket.gethostname()


def export(projects: Sequence[Project], target: Path, *, client: dict | None = None) -> Written:
    """Write the bundle of `projects` to `target`, a folder or (name ending in .zip) one zip file."""
    client = client or default_client(projects)
    files = export_files(projects, client=client)
    existing, _problems = read_files(target) if target.exists() else ({}, [])
    texts = {name: _kept(name, text, existing) for name, text in files.items() if name != layout.MANIFEST}
    hashes = {name: file_hash(text.encode("utf-8")) for name, text in texts.items()}
    texts[layout.MANIFEST] = _manifest(client, [p.code for p in projects], hashes, existing)
    if target.suffix == ".zip":
        _write_zip(target, texts)
    else:
        _write_folder(target, texts, existing)
    changed = sorted({name for name in texts if existing.get(name) != texts[name].encode("utf-8")}
                     | {name for name in existing if name not in texts and _ours(name)})
    return Written(target, len(texts), tuple(changed))


def _kept(name: str, text: str, existing: dict[str, bytes]) -> str:
    """The text already in the target when it says the same (comments and key order kept), else ours."""
    old = existing.get(name)
    if old is None:
        return text
    try:
        old_text = old.decode("utf-8-sig")
    except UnicodeDecodeError:
        return text
    if old_text == text or not name.endswith(".yaml"):
        return text
    before, after = load_yaml(old_text, name), load_yaml(text, name)
    if before.problems or after.problems:
        return text
    return old_text if canonical.dumps(before.data) == canonical.dumps(after.data) else text


def _manifest(client: dict, codes: list[str], hashes: dict[str, str], existing: dict[str, bytes]) -> str:
    old = existing.get(layout.MANIFEST)
    if old is not None:
        loaded = load_yaml(old.decode("utf-8-sig", errors="replace"), layout.MANIFEST)
        data = loaded.data if isinstance(loaded.data, dict) else {}
        if (data.get("files") == hashes and data.get("client") == {"code": client["code"], "name": client["name"]}
                and data.get("projects") == codes and data.get("format_version") == layout.FORMAT_VERSION):
            return old.decode("utf-8-sig")  # nothing changed: the bundle keeps its date
    created_at = timezone.localtime(timezone.now()).replace(microsecond=0).isoformat()
    return manifest_text(client, codes, hashes, created_at)


def _ours(name: str) -> bool:
    return name == layout.MANIFEST or name.startswith((layout.PROJECTS + "/", "templates/"))


def _write_folder(target: Path, texts: dict[str, str], existing: dict[str, bytes]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in existing:
        if name not in texts and _ours(name):
            (target / name).unlink()  # a flow no longer overridden, a project's rules withdrawn
    for name, text in sorted(texts.items()):
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if existing.get(name) != text.encode("utf-8"):
            path.write_text(text, encoding="utf-8", newline="\n")
    for folder in sorted((p for p in target.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(folder.iterdir()) and ".git" not in folder.parts:
            folder.rmdir()


def _write_zip(target: Path, texts: dict[str, str]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(texts.items()):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # the same bytes for the same bundle
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(buffer.getvalue())


# --- one project ----------------------------------------------------------------------------------------------

def _published(project: Project) -> dict[str, FlowVersion]:
    return {v.flow: v for v in FlowVersion.objects.filter(project=project, status=VersionStatus.PUBLISHED)}


def _project_files(project: Project, flows: dict[str, FlowVersion]) -> dict[str, str]:
    code = project.code
    files = {layout.project_file(code, "project.yaml"): _project_yaml(project, sorted(flows))}
    for flow, version in sorted(flows.items()):
        text = _overrides_text(version)
        if text is not None:
            files[layout.overrides_file(code, flow)] = text
    for rule_set in RuleSet.objects.filter(project=project).order_by("plugin"):
        files[layout.rules_file(code, rule_set.plugin)] = dump(rule_set.config or {}, sort_keys=True)
    units = _units_yaml(project)
    if units:
        files[layout.project_file(code, "units.yaml")] = units
    members = _members_yaml(project)
    if members:
        files[layout.project_file(code, "members.yaml")] = members
    campaigns = _campaigns_yaml(project)
    if campaigns:
        files[layout.project_file(code, "campaigns.yaml")] = campaigns
    files.update(_documents_files(project))
    return files


def _documents_files(project: Project) -> dict[str, str]:
    """documents.yaml (name, flow, titles) and each body as documents/NAME.html, the text exactly as saved."""
    files: dict[str, str] = {}
    rows = []
    for template in DocumentTemplate.objects.filter(project=project).order_by("name"):
        row = Row(name=template.name)
        if template.flow:
            row["flow"] = template.flow
        row.update(title_zh=template.title_zh, title_en=template.title_en)
        rows.append(row)
        files[layout.document_body_file(project.code, template.name)] = template.body
    if rows:
        header = ("# The project's own document templates: a shipped document's name replaces its text in this\n"
                  "# project, another name adds a document. Each text is documents/NAME.html as saved; the revisions\n"
                  "# stay with the installation (a load that changes a text saves a new one).\n")
        files[layout.documents_file(project.code)] = dump({"documents": rows}, header=header)
    return files


def _overrides_text(version: FlowVersion) -> str | None:
    """The overrides of the published version as the admin wrote them, else written from the data (sorted)."""
    data = canonical.loads(version.overrides or "{}")
    if not data:
        return None
    text = getattr(version, "overrides_text", None)
    if text and text.strip():
        return text if text.endswith("\n") else text + "\n"
    return dump(data, sort_keys=True)


def _project_yaml(project: Project, flows: list[str]) -> str:
    document: dict = {"code": project.code, "name": project.name}
    if project.company is not None:
        company = project.company
        document["company"] = {"code": company.code, "name": company.name, "share_customers": company.share_customers}
    if project.region is not None:
        document["region"] = {"code": project.region.code, "name": project.region.name}
    document["settings"] = Block(sorted((project.settings or {}).items()))
    document["flows"] = flows
    batches = [Row(code=b.code, title=b.title) if b.title else Row(code=b.code)
               for b in QueueBatch.objects.filter(project=project).order_by("code")]
    if batches:
        document["queue_batches"] = batches
    return dump(document)


def natural(code: str) -> tuple:
    """`2` before `10`: codes sorted as people read them."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code))


def _units_yaml(project: Project) -> str:
    buildings = sorted(Building.objects.filter(project=project).prefetch_related(
        Prefetch("units", queryset=Unit.objects.order_by("floor", "position", "code"))), key=lambda b: natural(b.code))
    if not buildings:
        return ""
    out = []
    for building in buildings:
        units = []
        for unit in building.units.all():
            row = Row(code=unit.code, floor=unit.floor, position=unit.position)
            if unit.layout:
                row["layout"] = unit.layout
            row.update(built_area=money_text(unit.built_area), inner_area=money_text(unit.inner_area))
            if unit.orientation:
                row["orientation"] = unit.orientation
            row["list_price"] = money_text(unit.list_price)
            if unit.status == SaleStatus.WITHHELD:  # 销控 is the setup's; every other status is a deal's, not written
                row["status"] = SaleStatus.WITHHELD.value
            units.append(row)
        out.append({"code": building.code, "name": building.name, "units": units})
    # the header stays as the frozen samples have it; `status: withheld` is explained in docs/bundles.md
    header = "# Buildings and units: the approved price list (list_price) and each unit's areas in m².\n"
    return dump({"buildings": out}, header=header)


def _members_yaml(project: Project) -> str:
    rows: dict[str, Row] = {}
    for membership in (Membership.objects.filter(project=project).select_related("user")
                       .order_by("user__username", "role")):
        user = membership.user
        row = rows.get(user.username)
        if row is None:
            row = rows[user.username] = Row(username=user.username)
            if user.display_name:
                row["display_name"] = user.display_name
            row["roles"] = []
        row["roles"].append(membership.role)
    if not rows:
        return ""
    header = "# Who works in the project, in which roles. Users missing from an installation are created without a\n" \
             "# password (set one in the admin, or they use the password reset); passwords never travel in a bundle.\n"
    return dump({"members": [rows[name] for name in sorted(rows)]}, header=header)


def _groups_yaml(projects: Sequence[Project]) -> str:
    """The group roles (figures.GroupMembership) in the companies of these projects, by user, company, region."""
    from figures.models import GroupMembership

    companies = {p.company_id for p in projects if p.company_id is not None}
    rows = []
    for g in (GroupMembership.objects.filter(company_id__in=companies).select_related("user", "company", "region")
              .order_by("user__username", "company__code", "region__code", "role")):
        row = Row(username=g.user.username)
        if g.user.display_name:
            row["display_name"] = g.user.display_name
        row["company"] = g.company.code
        if g.region is not None:
            row["region"] = g.region.code
        row["role"] = g.role
        rows.append(row)
    if not rows:
        return ""
    header = "# Group roles: who sees the figures of the company's projects (group_executive) or of one region's\n" \
             "# (region_director). Figures only, never records or customers (docs/figures.md).\n"
    return dump({"members": rows}, header=header)


def _campaigns_yaml(project: Project) -> str:
    rows = []
    for campaign in Campaign.objects.filter(project=project).order_by("name"):
        row = Row(name=campaign.name, source_type=campaign.source_type)
        if campaign.channel:
            row["channel"] = campaign.channel
        row.update(starts_on=campaign.starts_on.isoformat(), ends_on=campaign.ends_on.isoformat(),
                   cost=money_text(campaign.cost), active=campaign.active)
        rows.append(row)
    return dump({"campaigns": rows}) if rows else ""
