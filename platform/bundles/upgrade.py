"""Older bundle formats upgraded step by step to the current one, as SpiffWorkflow migrates its serialised state.

A step takes the documents of a bundle of format N (file name -> parsed YAML or JSON) and
returns them as format N+1 would write them; the reader applies every step from the
bundle's version to FORMAT_VERSION in order, so a bundle written years ago loads through
each format it has missed. Format 1 is the first: there is no step yet. A new format adds
`STEPS[N] = upgrade_N_to_N_plus_1` here and keeps the frozen samples in fixtures/clients/
(written in the old format) loading in tests/bundles/.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from .layout import FORMAT_VERSION, MANIFEST

Documents = dict[str, object]
Step = Callable[[Documents], Documents]

STEPS: dict[int, Step] = {}


class FormatTooNew(Exception):
    def __init__(self, version: int):
        super().__init__(version)
        self.version = version


def upgrade(documents: Documents, *, steps: Mapping[int, Step] = STEPS, target: int = FORMAT_VERSION) -> Documents:
    """`documents` at the current format: each missing step applied in turn, the manifest's version set."""
    manifest = documents.get(MANIFEST)
    version = manifest.get("format_version") if isinstance(manifest, dict) else None
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return documents  # the manifest's own check reports it
    if version > target:
        raise FormatTooNew(version)
    while version < target:
        step = steps.get(version)
        if step is None:
            raise LookupError(f"no upgrade step from bundle format {version}")
        documents = step(dict(documents))
        version += 1
        stepped = documents[MANIFEST]
        documents[MANIFEST] = {**(stepped if isinstance(stepped, dict) else {}), "format_version": version}
    return documents
