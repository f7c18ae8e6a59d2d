"""Publishing flow versions per project: validate, freeze, number, roll back, compare.

A version's content is the effective document (template + the project's overrides,
entity schema inline) as JSON; its hash is that of the canonical form
(`definitions.canonical.form`), so publishing content equal to the current version's,
however it is written, is a no-op; publishing an older version's content again is a
rollback.

The template is the shipped file `flows/<flow>.yaml`, or a client template of the
project stored in the database (`engine.client_templates`). The overrides are kept as
data and, when they were written as text (the studio, `flows publish --overrides`), as
that text with its comments (`overrides_text`).
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_noop

from definitions import DefinitionError, FlowDefinition, Problem, build, canonical, read_template
from definitions.diff import Change, diff_documents
from definitions.loader import Template
from definitions.overrides import apply_overrides
from definitions.validator import resolve_entity
from definitions.yamlio import load_yaml
from kernel.errors import Refusal
from kernel.models import Project

from . import client_templates
from .environment import environment, flow_names
from .lifecycle import VersionLifecycle
from .loaded import definition_by_id as definition_by_id
from .loaded import definition_for as definition_for
from .loaded import definition_of as definition_of
from .loaded import label, remember
from .models import FlowBinding, FlowVersion, VersionStatus

# definition_by_id, definition_for and definition_of live in engine.loaded and are re-exported: engine.versions
# stays the door the rest of the code uses.


class VersionError(Refusal):
    """A request about versions that cannot be met; `message(lang)` says why, str() in English.

    A refusal of the one family (`kernel.errors.Refusal`): the template, marked at the raise, is the
    msgid of the zh_Hans catalogue; the language rule is every refusal's (zh* Chinese, else English).
    """

    code = "version_refused"


class ChecksRefused(VersionError):
    """A publish that would break running work (`engine.versions_checks`): nothing was published.

    `findings` are every finding, blocking or not, for the caller to show; the message
    lists the blocking ones.
    """

    code = "checks_refused"
    template = gettext_noop("{project}/{flow} was not published: {findings_en}")

    def __init__(self, project: Project, flow: str, findings: list):
        self.findings = findings
        blocking = [f for f in findings if f.blocking]
        super().__init__(project=project.code, flow=flow, findings_en=" ".join(f.message("en") for f in blocking),
                         findings_zh=" ".join(f.message("zh") for f in blocking))


@dataclass(frozen=True)
class PublishResult:
    version: FlowVersion
    created: bool  # False when the content equals the version already published


def template_path(flow: str) -> Path:
    """The shipped template's file (a client template has none: see `template_of`)."""
    return Path(settings.FLOWS_DIR) / f"{flow}.yaml"


def template_of(project: Project, flow: str) -> tuple[Template, object | None, list[Problem]]:
    """The project's template of `flow` read and its entity inlined: (template, resolved document, problems).

    A client template of the project, else the shipped file. A name both shipped and
    installed for the project (a later release shipping a client's name) is refused,
    naming both, rather than one silently taking the other's place.
    """
    client = client_templates.template_for(project, flow)
    if client is not None:
        if flow in flow_names():
            raise VersionError(gettext_noop("flow {flow!r} is shipped with the product and also loaded for {project} "
                                            "from {source}; rename the client's template"),
                               flow=flow, project=project.code, source=client.source)
        return client_templates.resolve(flow, client.flow_text, client.schema_texts, environment(project))
    path = template_path(flow)
    display = f"flows/{path.name}"
    if not path.is_file():
        raise VersionError(gettext_noop("no flow template {file}"), file=display)
    template = read_template(path, display)
    if template.document is None:
        return template, None, list(template.problems)
    resolved, problems = resolve_entity(template.document, environment(project), display)
    return template, (None if problems else resolved), list(template.problems) + problems


def template_title(flow: str, project: Project | None = None, client=None):
    """The title a flow template gives itself (a `Text`), or None when the file has none or does not parse.

    `client`, when the caller has it (a list of a project's templates), is that client
    template, so no query is made per flow.
    """
    from definitions.model import Text

    if client is None and project is not None and flow not in flow_names():
        client = client_templates.template_for(project, flow)
    if client is not None:
        data = client_templates.document_of(client.flow_text)
    else:
        data = read_template(template_path(flow)).document
    title = data.get("title") if isinstance(data, dict) else None
    if isinstance(title, dict) and isinstance(title.get("zh"), str) and isinstance(title.get("en"), str):
        return Text(zh=title["zh"], en=title["en"])
    return None


def _build_effective(project: Project, flow: str, overrides: object,
                     defaults: Mapping[str, object] | None = None) -> tuple[object, str, FlowDefinition]:
    """Template + overrides, checked: (document, template hash, definition) or DefinitionError.

    Problems are labelled `flows/<flow>.yaml + <PROJECT> overrides` when the project has
    overrides, those of the overrides themselves with their path under `overrides.`.
    `defaults` (a publish's choice for newly required fields) become those fields' `default`
    in the version's entity schema: the value records lacking it are given when moved to it.
    """
    template, resolved, problems = template_of(project, flow)
    display = template.file
    if resolved is None:
        raise DefinitionError(problems)
    document, override_problems = apply_overrides(resolved, overrides)
    if defaults:
        document = _with_defaults(project, flow, document, defaults)
    label = f"{display} + {project.code} overrides" if overrides else display
    problems = problems + [
        Problem(p.code, ("overrides",) + p.path, p.params, label) for p in override_problems]
    return document, canonical.content_hash(resolved), build(document, environment(project), label, early=problems)


def _with_defaults(project: Project, flow: str, document: object, defaults: Mapping[str, object]) -> object:
    """The document with `default` set on these entity fields, each value checked against its field."""
    from jsonschema import Draft202012Validator

    from definitions.entity import format_checker

    document = copy.deepcopy(document)
    properties = document.get("entity", {}).get("schema", {}).get("properties", {}) \
        if isinstance(document, dict) and isinstance(document.get("entity"), dict) else {}
    for name, value in defaults.items():
        spec = properties.get(name)
        if not isinstance(spec, dict):
            raise VersionError(gettext_noop("{project}/{flow} has no field {name!r} to give a default"),
                               project=project.code, flow=flow, name=name)
        error = next(iter(Draft202012Validator(spec, format_checker=format_checker).iter_errors(value)), None)
        if error is not None:
            raise VersionError(gettext_noop("the default of {name!r} does not fit the field: {problem}"),
                               name=name, problem=error.message)
        spec["default"] = value
    return document


def publish_findings(project: Project, flow: str, overrides: object = None,
                     choices: Mapping[str, object] | None = None) -> list:
    """What publishing the flow now (with these overrides, else the stored ones) would do to running work.

    DefinitionError when the content itself is invalid; the findings otherwise
    (`engine.versions_checks.Finding`), with `choices` applied.
    """
    from . import versions_checks

    if overrides is None:
        overrides = stored_overrides(project, flow)
    _, _, definition = _build_effective(project, flow, overrides, _defaults(choices))
    return versions_checks.resolve(versions_checks.findings(project, flow, definition), choices)


def _defaults(choices: Mapping[str, object] | None) -> dict:
    return {name: c["default"] for name, c in (choices or {}).items() if isinstance(c, Mapping) and "default" in c}


def parse_overrides(text: str, file: str = "overrides") -> object:
    """Overrides written as YAML (or JSON, which YAML reads too): the data, or DefinitionError with lines."""
    loaded = load_yaml(text, file)
    if loaded.problems:
        raise DefinitionError(loaded.problems)
    return loaded.data if loaded.data is not None else {}


def publish(project: Project, flow: str, *, overrides: object = None, overrides_text: str | None = None,
            user=None, expected_hash: str | None = None,
            choices: Mapping[str, object] | None = None) -> PublishResult:
    """Validate template + overrides and publish it as the project's next version.

    `overrides` (data) or `overrides_text` (YAML as the admin wrote it, parsed here unless
    `overrides` is its data already, and kept with its comments), when given, replaces the project's stored overrides in the
    same transaction, so a failed publish leaves the old overrides in place. Content
    equal to the published version's in canonical form publishes nothing.

    The checks across flows and running records (`engine.versions_checks`) run first:
    ChecksRefused while one blocks. A newly required field that running records lack
    blocks until `choices[field]` is `versions_checks.NEW_ONLY` or `{"default": value}`.
    """
    if overrides_text is not None and overrides is None:
        overrides = parse_overrides(overrides_text)
    with transaction.atomic():
        binding = _lock_binding(project, flow)
        if overrides is not None:
            binding.overrides = overrides
            binding.overrides_text = overrides_text
        document, template_hash, definition = _build_effective(project, flow, binding.overrides)
        if expected_hash is not None and definition.content_hash != expected_hash:
            # the studio's confirmation showed a diff: publish that content or nothing
            raise VersionError(gettext_noop("{project}/{flow} changed since its changes were shown; nothing was "
                                            "published: review them again"), project=project.code, flow=flow)
        _refuse_breaking(project, flow, definition, choices)
        if _defaults(choices):  # the content shown, with the defaults chosen for it
            document, template_hash, definition = _build_effective(project, flow, binding.overrides,
                                                                   _defaults(choices))
        if overrides is not None:
            binding.save(update_fields=["overrides", "overrides_text", "updated_at"])
        return _freeze(project, flow, document, definition, definition.content_hash, binding.overrides,
                       template_hash, user, restored_from=None, overrides_text=binding.overrides_text)


def rollback(project: Project, flow: str, number: int, *, user=None,
             expected_current: int | None = None) -> PublishResult:
    """Publish version `number`'s content again as a new version, and restore its overrides.

    The old content is validated again: an action or role that has since disappeared
    from the installation must not come back through a rollback.
    """
    with transaction.atomic():
        binding = _lock_binding(project, flow)
        old = FlowVersion.objects.filter(project=project, flow=flow, number=number).first()
        if old is None:
            raise _no_version(project, flow, number)
        if old.status == VersionStatus.DRAFT:
            raise VersionError(gettext_noop("{project}/{flow} v{number} is a draft; only published content can be "
                                            "restored"), project=project.code, flow=flow, number=number)
        current = published_version(project, flow)
        if expected_current is not None and (current.number if current else 0) != expected_current:
            # the confirmation's diff was against another published version
            raise VersionError(gettext_noop("{project}/{flow} was published again since the changes were shown; "
                                            "nothing was published: review them again"), project=project.code, flow=flow)
        document = canonical.loads(old.content)
        definition = build(document, environment(project), label(project.code, flow, number))
        # a linked flow it would break refuses the rollback as it refuses a publish; a field the old
        # content requires is required of new records only (running records keep their version)
        _refuse_breaking(project, flow, definition, None, new_only=True)
        binding.overrides = canonical.loads(old.overrides)
        binding.overrides_text = old.overrides_text
        binding.save(update_fields=["overrides", "overrides_text", "updated_at"])
        # the hash of the canonical form, also for a version frozen before hashes were canonical
        return _freeze(project, flow, document, definition, definition.content_hash, binding.overrides,
                       old.template_hash, user, restored_from=old, overrides_text=old.overrides_text)


def _refuse_breaking(project: Project, flow: str, definition: FlowDefinition, choices, *,
                     new_only: bool = False) -> None:
    """ChecksRefused when publishing `definition` would break running work (`engine.versions_checks`)."""
    from . import versions_checks

    current = published_version(project, flow)
    if current is not None and _same_content(current, definition.content_hash):
        return  # nothing would be published
    found = versions_checks.findings(project, flow, definition)
    if new_only:
        choices = {f.name: versions_checks.NEW_ONLY for f in found if f.kind == versions_checks.NEWLY_REQUIRED}
    found = versions_checks.resolve(found, choices)
    if any(f.blocking for f in found):
        raise ChecksRefused(project, flow, found)


def _lock_binding(project: Project, flow: str) -> FlowBinding:
    """Serialise publishes of one flow in one project on its binding row."""
    FlowBinding.objects.get_or_create(project=project, flow=flow)
    return FlowBinding.objects.select_for_update().get(project=project, flow=flow)


def _freeze(project, flow, document, definition: FlowDefinition, content_hash: str, overrides, template_hash, user,
            restored_from, overrides_text: str | None = None) -> PublishResult:
    current = FlowVersion.objects.filter(project=project, flow=flow, status=VersionStatus.PUBLISHED).first()
    if current is not None and _same_content(current, content_hash):
        return PublishResult(current, created=False)
    last = FlowVersion.objects.filter(project=project, flow=flow).aggregate(n=Max("number"))["n"] or 0
    version = FlowVersion(
        project=project, flow=flow, number=last + 1, content=canonical.dumps(document),
        content_hash=content_hash, overrides=canonical.dumps(overrides or {}), overrides_text=overrides_text,
        template_hash=template_hash, created_by=user, restored_from=restored_from,
    )
    if current is not None:
        VersionLifecycle(current).retire()
        current.save(update_fields=["status", "retired_at"])
    VersionLifecycle(version).publish()
    version.save()
    remember(version, definition)  # just checked and built from this very content
    return PublishResult(version, created=True)


def _same_content(version: FlowVersion, content_hash: str) -> bool:
    """Whether a stored version has this content; a version frozen before hashes were taken of the
    canonical form (docs/decisions.md) keeps its old hash, so its content is hashed again."""
    return (version.content_hash == content_hash
            or canonical.content_hash(canonical.loads(version.content)) == content_hash)


def published_version(project: Project, flow: str) -> FlowVersion | None:
    return FlowVersion.objects.filter(project=project, flow=flow, status=VersionStatus.PUBLISHED).first()


def get_version(project: Project, flow: str, number: int) -> FlowVersion:
    version = FlowVersion.objects.filter(project=project, flow=flow, number=number).first()
    if version is None:
        raise _no_version(project, flow, number)
    return version


def _no_version(project: Project, flow: str, number: int) -> VersionError:
    return VersionError(gettext_noop("{project}/{flow} has no version {number}"), project=project.code, flow=flow,
                        number=number)


def diff_versions(project: Project, flow: str, old: int, new: int) -> list[Change]:
    a, b = get_version(project, flow, old), get_version(project, flow, new)
    return diff_documents(canonical.loads(a.content), canonical.loads(b.content))


def check_overrides(project: Project, flow: str, overrides: object) -> tuple[object, list[Problem]]:
    """The effective document for these overrides and every problem in it (none: valid)."""
    try:
        document, _, _ = _build_effective(project, flow, overrides)
    except DefinitionError as exc:
        return None, list(exc.problems)
    return document, []


def save_overrides(project: Project, flow: str, overrides: object, text: str | None = None) -> list[Problem]:
    """Store the project's overrides (and the text they were written as) if the result validates;
    return the problems otherwise.

    Saving does not publish: the admin reviews the diff against the published version
    and publishes when ready.
    """
    _, problems = check_overrides(project, flow, overrides)
    if problems:
        return problems
    with transaction.atomic():
        binding = _lock_binding(project, flow)
        binding.overrides = overrides or {}
        binding.overrides_text = text if text and text.strip() else None
        binding.save(update_fields=["overrides", "overrides_text", "updated_at"])
    return []


def edit_overrides(project: Project, flow: str, change: Callable[[str | None, object], str]) -> tuple[list[Problem], str]:
    """Change the stored overrides' text with `change(text, data)` and save it if the result validates.

    The structured editor's edits go through here: read, change and save happen under
    the binding's lock, so two admins editing at once each edit what the other saved.
    Returns (problems, the new text); with problems nothing is saved.
    """
    with transaction.atomic():
        binding = _lock_binding(project, flow)
        text = change(binding.overrides_text, binding.overrides)
        loaded = load_yaml(text, "overrides")
        if loaded.problems:
            return list(loaded.problems), text
        data = loaded.data if loaded.data is not None else {}
        _, problems = check_overrides(project, flow, data)
        if problems:
            transaction.set_rollback(True)
            return problems, text
        binding.overrides = data
        binding.overrides_text = text if text.strip() else None
        binding.save(update_fields=["overrides", "overrides_text", "updated_at"])
    return [], text


def saved_effective(project: Project, flow: str) -> tuple[object, FlowDefinition | None, list[Problem]]:
    """The flow as saved (template + stored overrides, not yet published): (document, definition, problems)."""
    try:
        document, _, definition = _build_effective(project, flow, stored_overrides(project, flow))
    except DefinitionError as exc:
        return None, None, list(exc.problems)
    return document, definition, []


def next_number(project: Project, flow: str) -> int:
    """The number the flow's next publish or rollback will get."""
    last = FlowVersion.objects.filter(project=project, flow=flow).order_by("-number").values_list("number", flat=True)
    return (last.first() or 0) + 1


def rollback_changes(project: Project, flow: str, number: int) -> tuple[FlowVersion | None, list[Change]]:
    """(the published version, the changes rolling back to `number` would make to it), for a confirmation."""
    target = get_version(project, flow, number)
    current = published_version(project, flow)
    return current, diff_documents(canonical.loads(current.content) if current else {}, canonical.loads(target.content))


def rollback_findings(project: Project, flow: str, number: int) -> list:
    """What publishing `number`'s content again would do to running work, as `rollback` judges it.

    A field the old content requires is required of new records only (running records keep
    their version), so only a linked flow it would break blocks; the confirmation shows them all.
    """
    from . import versions_checks

    target = get_version(project, flow, number)
    definition = definition_of(target)
    current = published_version(project, flow)
    if current is not None and _same_content(current, definition.content_hash):
        return []
    found = versions_checks.findings(project, flow, definition)
    choices = {f.name: versions_checks.NEW_ONLY for f in found if f.kind == versions_checks.NEWLY_REQUIRED}
    return versions_checks.resolve(found, choices)


def diff_against_published(project: Project, flow: str, document: object) -> list[Change]:
    current = published_version(project, flow)
    return diff_documents(canonical.loads(current.content) if current else {}, document)


def stored_overrides(project: Project, flow: str) -> object:
    binding = FlowBinding.objects.filter(project=project, flow=flow).first()
    return binding.overrides if binding else {}


def overrides_text(project: Project, flow: str) -> str | None:
    """The project's overrides of `flow` as the admin wrote them (YAML, comments kept).

    None when the project has no overrides of the flow, or they were set as data (not
    from a text: a script's `publish(overrides=...)`): then `stored_overrides` is all
    there is. Defined here in engine.versions; engine.client_templates re-exports it.
    """
    binding = FlowBinding.objects.filter(project=project, flow=flow).only("overrides_text").first()
    return binding.overrides_text if binding else None
