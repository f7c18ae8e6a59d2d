"""A client's own flow templates and entity schemas, stored in the database (issue 17).

Shipped templates are files in the code tree (`flows/*.yaml`, `schemas/*.json`). A
client's process that the product does not ship (a service-complaint flow, say) comes
in a bundle and is stored here as the files' TEXT, comments kept, with where it came
from, and is available to the projects the bundle names. The engine looks a project's
flow up here next to the shipped ones (`versions`, `environment`); publishing,
versions and records then work as for a shipped template.

A client template never shadows a shipped one: a name the product ships is refused
(and if a later release ships a name a client already uses, publishing that flow is
refused with both origins named, rather than silently switching templates).

The API the bundles use:

    problems(files, lang=...)              every problem, nothing written
    install(files, projects=..., source=...)   store / update; True when something changed
    withdraw(name, projects=...)           the projects no longer use it
    for_project(project)                   the client templates a project may use
    shipped_names()                        the templates in the code tree
    overrides_text(project, flow)          the overrides as the admin wrote them (defined in
                                           engine.versions, re-exported here)
"""
from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import simplejson
from django.conf import settings
from django.db import transaction

from definitions import DefinitionError, Environment, Problem, build, canonical
from definitions.entity import check_entity_schema
from definitions.errors import closest
from definitions.files import read_text
from definitions.loader import Template
from definitions.validator import resolve_entity
from definitions.yamlio import LoadedYaml, load_yaml
from kernel.models import Project

from .models import ClientTemplate

__all__ = [
    "ClientTemplate", "TemplateFiles", "for_project", "install", "names_for", "problems",
    "resolve", "shipped_names", "shipped_schema_names", "template_for", "withdraw",
]

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
PREFIX = "templates/"  # how problems name the files: the layout of a bundle's templates/ folder


@dataclass(frozen=True)
class TemplateFiles:
    name: str                     # flow name (file stem), e.g. "complaint"
    flow_text: str                # the flow YAML as written
    schema_texts: dict[str, str]  # entity schema file name (e.g. "complaint.json") -> its text


def shipped_names() -> frozenset[str]:
    """Flow templates in the code tree (flows/*.yaml)."""
    from .environment import flow_names

    return flow_names()


def shipped_schema_names() -> frozenset[str]:
    """Entity schema files in the code tree (schemas/*.json), by file name."""
    schemas_dir = Path(settings.SCHEMAS_DIR)
    return frozenset(p.name for p in schemas_dir.glob("*.json")) if schemas_dir.is_dir() else frozenset()


def files_hash(files: TemplateFiles) -> str:
    """The identity of the texts as written: a changed comment is another text (not another version)."""
    payload = canonical.dumps({"name": files.name, "flow": files.flow_text, "schemas": dict(files.schema_texts)})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- checking ------------------------------------------------------------------------------------------------

def problems(files: TemplateFiles, *, lang: str, others: Iterable[str] = (), prefix: str = PREFIX) -> list[str]:
    """Every problem of these files as `file: path: message (line N)`, in `lang`; nothing is written.

    Flows the template names (a linked flow, say) may be the shipped ones, those already
    installed, this one, or `others` (the other templates of the same bundle).
    """
    return [p.render(lang, with_line=True) for p in check(files, others=others, prefix=prefix)]


def check(files: TemplateFiles, *, others: Iterable[str] | None = (), prefix: str = PREFIX,
          flow_file: str | None = None, schemas_at: str | None = None, shipped_rule: bool = True,
          installed: bool = True) -> list[Problem]:
    """Every problem as `Problem`s; `others=None` leaves references to other flows unchecked.

    Files are named `<prefix>flows/<name>.yaml` and `<prefix>schemas/<file>` unless
    `flow_file` / `schemas_at` say otherwise (a single file checked where it lies).
    `shipped_rule=False` lets a name the product ships pass (a draft edit of a shipped
    flow checked outside the code tree); installing never does. `installed=False` does not
    count the client templates in the database among the known flows (a folder checked on
    its own, with no database needed).
    """
    from .environment import environment

    flow_file = flow_file or f"{prefix}flows/{files.name}.yaml"
    schemas_at = f"{prefix}schemas/" if schemas_at is None else schemas_at
    found: list[Problem] = []
    if not NAME.match(files.name):
        found.append(Problem("client.bad_name", (), {"name": files.name}, flow_file))
    elif shipped_rule and files.name in shipped_names():
        found.append(Problem("client.shadows_shipped", ("name",), {"name": files.name}, flow_file,
                             _parsed(files.flow_text, flow_file).lines.get(("name",), 1)))
    bad_schemas: set[str] = set()
    for file_name, text in sorted(files.schema_texts.items()):
        schema_problems = schema_file_problems(file_name, text, schemas_at, shipped_rule=shipped_rule)
        if schema_problems:
            found.extend(schema_problems)
            bad_schemas.add(file_name)
    env = environment()
    if others is None:
        env = replace(env, flow_names=None)
    else:
        assert env.flow_names is not None  # environment() always names the installed flows
        known = env.flow_names | {files.name} | set(others)
        env = replace(env, flow_names=known | _installed_names() if installed else known)
    template, resolved, flow_problems = resolve(files.name, files.flow_text, files.schema_texts, env, prefix,
                                                flow_file=flow_file, schemas_at=schemas_at)
    entity_file = _entity_file(template.document)
    entity_bad = entity_file in bad_schemas and entity_file in files.schema_texts
    if entity_bad:
        # said already about the schema file itself: not again under the flow's entity.schema
        flow_problems = [p for p in flow_problems if p.file != f"{schemas_at}{entity_file}"]
    if resolved is None:
        found.extend(flow_problems)
        return found
    try:
        build(resolved, env, template.file, template.lines, early=flow_problems)
    except DefinitionError as exc:
        found.extend(p for p in exc.problems if not (entity_bad and p.path[:2] == ("entity", "schema")))
    return found


def schema_file_problems(file_name: str, text: str, schemas_at: str = f"{PREFIX}schemas/", *,
                         shipped_rule: bool = True) -> list[Problem]:
    """What is wrong with one entity schema file: its name, a shipped name, its JSON, the schema."""
    schema_file = f"{schemas_at}{file_name}"
    if not file_name.endswith(".json") or not NAME.match(file_name[:-5]):
        return [Problem("client.schema_file_name", (), {"name": file_name}, schema_file)]
    found: list[Problem] = []
    if shipped_rule and file_name in shipped_schema_names():
        found.append(Problem("client.schema_shadows_shipped", (), {"name": file_name}, schema_file, 1))
    schema, syntax = _schema(text, schema_file)
    return found + (syntax or check_entity_schema(schema, (), schema_file))


def resolve(name: str, flow_text: str, schema_texts: Mapping[str, str], env: Environment, prefix: str = PREFIX,
            *, flow_file: str | None = None, schemas_at: str | None = None
            ) -> tuple[Template, object | None, list[Problem]]:
    """The flow text parsed, its entity schema inlined from its own schemas or the shipped ones.

    Returns (template, resolved document or None, problems so far); building the
    definition (with overrides) is the caller's.
    """
    display = flow_file or f"{prefix}flows/{name}.yaml"
    schemas_at = f"{prefix}schemas/" if schemas_at is None else schemas_at
    loaded = _parsed(flow_text, display)
    template = Template(display, copy.deepcopy(loaded.data), loaded.lines, loaded.problems)
    found = list(template.problems)
    document = template.document
    if document is None:
        return template, None, found or [Problem("doc.not_mapping", (), {}, display, 1)]
    if isinstance(document, dict) and isinstance(document.get("name"), str) and document["name"] != name:
        found.append(Problem("file.name_mismatch", ("name",), {"name": document["name"], "file_name": f"{name}.yaml"},
                             display, template.lines.get(("name",))))
    entity_file = _entity_file(document)
    # (an entity file is named only when the document is a mapping)
    if entity_file is not None and isinstance(document, Mapping) and entity_file in schema_texts:
        schema, schema_problems = _schema(schema_texts[entity_file], f"{schemas_at}{entity_file}")
        if schema_problems:
            return template, None, found + schema_problems
        expanded = dict(document)
        expanded["entity"] = {"name": document["entity"], "schema": schema}
        return template, expanded, found
    if entity_file is not None and isinstance(document, Mapping) and entity_file not in shipped_schema_names():
        # neither the template's own nor a shipped schema: name the file the client should add
        known = [n[:-5] for n in set(schema_texts) | shipped_schema_names()]
        return template, None, found + [Problem(
            "entity.unknown", ("entity",), {"name": document["entity"], "file": f"{schemas_at}{entity_file}"},
            display, template.lines.get(("entity",)), suggestion=closest(document["entity"], known))]
    resolved, entity_problems = resolve_entity(document, env, display)
    if entity_problems:
        return template, None, found + [
            Problem(p.code, p.path, p.params, p.file, p.line or template.lines.get(p.path), p.suggestion)
            for p in entity_problems]
    return template, resolved, found


def document_of(flow_text: str) -> object:
    """The parsed document of a flow text (cached; the caller must not change it), for its title."""
    return _parsed(flow_text, "").data


def entity_of(flow_text: str) -> str | None:
    """The entity a flow text names (`entity: complaint`), or None (inline, missing, unreadable)."""
    document = _parsed(flow_text, "").data
    entity = document.get("entity") if isinstance(document, Mapping) else None
    return entity if isinstance(entity, str) else None


def _entity_file(document: object) -> str | None:
    entity = document.get("entity") if isinstance(document, Mapping) else None
    return f"{entity}.json" if isinstance(entity, str) else None


@lru_cache(maxsize=64)
def _parsed(text: str, file: str) -> LoadedYaml:
    # as definitions.loader: parsing YAML is the slow part of a publish or a look at the studio
    return load_yaml(text, file)


def _schema(text: str, file: str) -> tuple[object, list[Problem]]:
    """A schema's JSON text read exactly (decimals stay Decimal), or the syntax error with its line."""
    try:
        return canonical.loads(text), []
    except simplejson.JSONDecodeError as exc:
        return None, [Problem("json.syntax", (), {"detail": exc.msg}, file, exc.lineno)]
    except (ValueError, RecursionError) as exc:
        return None, [Problem("json.syntax", (), {"detail": str(exc)[:200]}, file)]


def read_folder(folder: Path, display: str) -> tuple[list[TemplateFiles], dict[str, str], list[Problem]]:
    """The templates of a folder laid out as a bundle's `templates/` (flows/*.yaml, schemas/*.json).

    Returns the flows (each with every schema of the folder), the schema texts by file
    name, and the files that cannot be read (not UTF-8, say), named `<display><path>`.
    """
    unreadable: list[Problem] = []
    schemas: dict[str, str] = {}
    for path in sorted((folder / "schemas").glob("*.json")) if (folder / "schemas").is_dir() else []:
        text, problem = read_text(path, f"{display}schemas/{path.name}")
        if problem is not None:
            unreadable.append(problem)
        else:
            assert text is not None  # read_text gives the text whenever it gives no problem
            schemas[path.name] = text
    flows: list[TemplateFiles] = []
    for path in sorted((folder / "flows").iterdir()) if (folder / "flows").is_dir() else []:
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        text, problem = read_text(path, f"{display}flows/{path.name}")
        if problem is not None:
            unreadable.append(problem)
        else:
            assert text is not None  # read_text gives the text whenever it gives no problem
            flows.append(TemplateFiles(path.stem, text, schemas))
    return flows, schemas, unreadable


def check_folder(folder: Path, display: str) -> tuple[list[str], list[Problem]]:
    """Every problem of a folder of client templates (a bundle's `templates/`): (valid flow names, problems).

    The flows may name each other; each schema is checked once, with the flow that uses it
    or on its own when none does.
    """
    flows, schemas, found = read_folder(folder, display)
    if not flows and not found:
        return [], [Problem("client.no_flows", (), {}, display.rstrip("/") or ".")]
    names = {f.name for f in flows}
    used = {_entity_file(_parsed(f.flow_text, "").data) for f in flows}
    valid: list[str] = []
    seen: set[Problem] = set()
    for files in flows:
        # each flow sees only the schema it uses, so a schema's problems are said once
        entity = _entity_file(_parsed(files.flow_text, "").data)
        own = {entity: schemas[entity]} if entity in schemas else {}
        problems_here = check(replace(files, schema_texts=own), others=names - {files.name}, prefix=display,
                              installed=False)
        for problem in problems_here:
            if problem not in seen:
                seen.add(problem)
                found.append(problem)
        if not problems_here:
            valid.append(files.name)
    for file_name in sorted(set(schemas) - used):
        found.extend(schema_file_problems(file_name, schemas[file_name], f"{display}schemas/"))
    return valid, found


def check_installed() -> tuple[list[str], list[Problem]]:
    """Every client template in the database checked against this installation as it is now
    (a release may have removed an action one uses, or shipped its name): (valid names, problems).

    Problems name the template by its source: `[bundle ACME 2026-12-02] templates/flows/complaint.yaml`.
    """
    templates = list(ClientTemplate.objects.prefetch_related("projects").order_by("name", "pk"))
    by_project: dict[int, set[str]] = {}
    for template in templates:
        for project in template.projects.all():
            by_project.setdefault(project.pk, set()).add(template.name)
    valid: list[str] = []
    found: list[Problem] = []
    for template in templates:
        others = set().union(*(by_project[p.pk] for p in template.projects.all())) - {template.name}
        files = TemplateFiles(template.name, template.flow_text, dict(template.schema_texts))
        problems_here = check(files, others=others, prefix=f"[{template.source}] {PREFIX}", installed=False)
        found.extend(problems_here)
        if not problems_here:
            valid.append(template.name)
    return valid, found


# --- storing -------------------------------------------------------------------------------------------------

def install(files: TemplateFiles, *, projects: Iterable[Project], source: str) -> bool:
    """Store the template for these projects, inside the caller's transaction; True when something changed.

    The same text twice changes nothing (False). Another text of the same name replaces
    the one these projects had (other projects keep theirs). Refuses with
    DefinitionError when the files have problems; references to other flows are checked
    when the flow is published, since the templates of one bundle may name each other
    and are installed one after the other.
    """
    projects = list(projects)
    if not projects:
        raise ValueError("install() needs at least one project")
    found = check(files, others=None)
    if found:
        raise DefinitionError(found)
    digest = files_hash(files)
    with transaction.atomic():
        template, changed = ClientTemplate.objects.get_or_create(
            name=files.name, content_hash=digest,
            defaults={"flow_text": files.flow_text, "schema_texts": dict(files.schema_texts),
                      "source": source[:200]})
        using = set(template.projects.filter(pk__in=[p.pk for p in projects]).values_list("pk", flat=True))
        for project in projects:
            for other in ClientTemplate.objects.filter(name=files.name, projects=project).exclude(pk=template.pk):
                other.projects.remove(project)
                changed = True
            if project.pk not in using:
                template.projects.add(project)
                changed = True
        _forget_unused(files.name)
    return changed


def withdraw(name: str, *, projects: Iterable[Project]) -> bool:
    """These projects no longer use the client template `name`; True when one did.

    Versions already published from it stay, and records keep running on them.
    """
    changed = False
    with transaction.atomic():
        for project in projects:
            for template in ClientTemplate.objects.filter(name=name, projects=project):
                template.projects.remove(project)
                changed = True
        _forget_unused(name)
    return changed


def _forget_unused(name: str) -> None:
    # a text no project uses is not configuration any more; versions carry their own copy
    ClientTemplate.objects.filter(name=name, projects=None).delete()


# --- looking up ----------------------------------------------------------------------------------------------

def for_project(project: Project) -> list[ClientTemplate]:
    """The client templates a project may use, by name (.name .flow_text .schema_texts .source .content_hash)."""
    return list(ClientTemplate.objects.filter(projects=project).order_by("name"))


def template_for(project: Project, flow: str) -> ClientTemplate | None:
    return ClientTemplate.objects.filter(projects=project, name=flow).first()


def names_for(project: Project) -> frozenset[str]:
    """The client templates installed in the project (engine.environment reads the same rows)."""
    return frozenset(ClientTemplate.objects.filter(projects=project).values_list("name", flat=True))


def _installed_names() -> frozenset[str]:
    return frozenset(ClientTemplate.objects.values_list("name", flat=True).distinct())
