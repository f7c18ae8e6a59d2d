"""The definitions of stored flow versions, built once per process and kept.

A version never changes once stored, so its definition is built on first use and cached by
(id, content hash) for the process's life. Kept apart from engine.versions (publishing,
rollback, overrides), which re-exports these, so that the publish-time checks
(engine.versions_checks) read definitions without importing the module that calls them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from definitions import FlowDefinition, build, canonical

from .environment import environment
from .models import FlowVersion


def label(project_code: str, flow: str, number: int) -> str:
    """How problems of a stored version name it: `DEMO/subscription v3`."""
    return f"{project_code}/{flow} v{number}"


def remember(version: FlowVersion, definition: FlowDefinition) -> None:
    """Keep a definition just built from this very version's content (a publish): no second build on first use."""
    _definitions[(version.pk, version.content_hash)] = definition


def definition_of(version: FlowVersion) -> FlowDefinition:
    """The immutable definition of a stored version, built once per process."""
    return _cached(version.pk, version.content_hash,
                   lambda: (version.content, label(version.project.code, version.flow, version.number)))


def definition_by_id(version_id: int, content_hash: str | None = None) -> FlowDefinition:
    """The definition of a version by id; its content is read from the database only on a miss."""
    if content_hash is None:
        content_hash = FlowVersion.objects.filter(pk=version_id).values_list("content_hash", flat=True).get()

    def stored() -> tuple[str, str]:
        content, code, flow, number = FlowVersion.objects.filter(pk=version_id).values_list(
            "content", "project__code", "flow", "number").get()
        return content, label(code, flow, number)
    return _cached(version_id, content_hash, stored)


def definition_for(record) -> FlowDefinition:
    """The definition a record runs on (`version_hash` is annotated by the engine's record queries)."""
    return definition_by_id(record.version_id, getattr(record, "version_hash", None))


_definitions: dict[tuple[int, str], FlowDefinition] = {}


def _cached(pk: int, content_hash: str, stored: Callable[[], tuple[str, str]]) -> FlowDefinition:
    # One cache for the process's life, keyed by id and content hash: a version never
    # changes, and the hash keeps a reused id (a re-created database) from a stale entry.
    # `stored` gives (content, label) on a miss; problems name the version by its label.
    key = (pk, content_hash)
    definition = _definitions.get(key)
    if definition is None:
        content, label = stored()
        # Flow names are not checked again: the version was checked when it was published, and a
        # flow it links to may be a client template of its project (rollback does check them).
        env = replace(environment(), flow_names=None)
        definition = _definitions[key] = build(canonical.loads(content), env, label)
    return definition


