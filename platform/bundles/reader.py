"""Reading a bundle (a folder, or the same as one .zip) into its documents, each with its lines.

Nothing here touches the database: `read_bundle` only parses, upgrades an older format
and says what is not where a bundle keeps it. What the documents mean for this
installation is `check`'s and `apply`'s business.
"""
from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.utils.translation import gettext as _

from definitions.yamlio import load_yaml

from . import layout
from .problems import BundleProblem, from_definitions
from .upgrade import FormatTooNew, upgrade

MAX_FILES = 5_000
MAX_BYTES = 64 * 1024 * 1024


@dataclass
class Document:
    file: str
    text: str
    # the parsed YAML, as json.loads gives JSON (Any): its shape is the bundle's schemas', checked by
    # bundles.check before apply reads a field, and each reader still tests what it relies on
    data: Any
    lines: dict = field(default_factory=dict)


@dataclass
class ProjectPart:
    code: str
    project: Document | None = None
    units: Document | None = None
    members: Document | None = None
    campaigns: Document | None = None
    documents: Document | None = None                               # documents.yaml: names, flows, titles
    bodies: dict[str, str] = field(default_factory=dict)            # documents/NAME.html by name, as written
    overrides: dict[str, Document] = field(default_factory=dict)
    rules: dict[str, Document] = field(default_factory=dict)

    def project_doc(self) -> Document:
        """project.yaml, for a part being applied: apply takes only the parts that have one (check says so)."""
        if self.project is None:
            raise LookupError(f"projects/{self.code}/ has no project.yaml")
        return self.project


@dataclass
class Bundle:
    manifest: Document | None = None
    groups: Document | None = None                                 # group roles in the projects' companies
    flows: dict[str, Document] = field(default_factory=dict)      # the client's own flow templates by name
    schemas: dict[str, str] = field(default_factory=dict)          # their entity schemas: file name -> text
    projects: dict[str, ProjectPart] = field(default_factory=dict)
    problems: list[BundleProblem] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)                # files whose hash is not the manifest's
    missing: list[str] = field(default_factory=list)               # in the manifest, not in the bundle

    @property
    def client(self) -> dict:
        data = self.manifest.data if self.manifest else None
        client = data.get("client") if isinstance(data, dict) else None
        return client if isinstance(client, dict) else {}


def file_hash(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def read_files(path: Path) -> tuple[dict[str, bytes], list[BundleProblem]]:
    """Every file of the bundle at `path` (a folder or a .zip) by its path inside the bundle."""
    where = str(path)
    if path.is_dir():
        files = {}
        for item in sorted(path.rglob("*")):
            relative = item.relative_to(path).as_posix()
            if item.is_file() and not _ignored(relative):
                files[relative] = item.read_bytes()
        return files, []
    if path.is_file() and zipfile.is_zipfile(path):
        return _read_zip(path)
    if path.is_file():
        return {}, [BundleProblem(where, "", _("not a bundle: give its folder or a .zip of it"))]
    return {}, [BundleProblem(where, "", _("there is no such folder or file"))]


def _read_zip(path: Path) -> tuple[dict[str, bytes], list[BundleProblem]]:
    files: dict[str, bytes] = {}
    problems: list[BundleProblem] = []
    with zipfile.ZipFile(path) as archive:
        entries = [e for e in archive.infolist() if not e.is_dir()]
        if len(entries) > MAX_FILES or sum(e.file_size for e in entries) > MAX_BYTES:
            return {}, [BundleProblem(str(path), "", _("the archive is too large for a bundle"))]
        names = [PurePosixPath(e.filename) for e in entries]
        # a zip made by compressing the folder holds it as one top folder: read inside it
        tops = {n.parts[0] for n in names if n.parts}
        prefix = tops.pop() if len(tops) == 1 and all(len(n.parts) > 1 for n in names) else None
        for entry, name in zip(entries, names):
            if name.is_absolute() or ".." in name.parts:
                problems.append(BundleProblem(entry.filename, "", _("a path outside the bundle")))
                continue
            relative = PurePosixPath(*name.parts[1:]).as_posix() if prefix else name.as_posix()
            if not _ignored(relative):
                files[relative] = archive.read(entry)
    return files, problems


def _ignored(relative: str) -> bool:
    parts = PurePosixPath(relative).parts
    return any(part.startswith(".") for part in parts) or relative.endswith(".md")


def read_bundle(path: Path, lang: str) -> Bundle:
    files, problems = read_files(path)
    bundle = Bundle(problems=problems)
    if not files and not problems:
        bundle.problems.append(BundleProblem(str(path), "", _("the folder is empty: no manifest.yaml")))
    documents: dict[str, Document] = {}
    for name, data in files.items():
        if name.startswith(layout.TEMPLATE_SCHEMAS + "/"):
            text = _text(name, data, bundle, lang)
            if text is not None:
                _place_schema(bundle, name, text)
            continue
        if _is_document_body(name):
            text = _text(name, data, bundle, lang)
            if text is not None:
                parts = PurePosixPath(name).parts
                bundle.projects.setdefault(parts[1], ProjectPart(parts[1])).bodies[PurePosixPath(name).stem] = text
            continue
        if not name.endswith(".yaml"):
            bundle.problems.append(BundleProblem(name, "", _("not a file of a bundle (see docs/bundles.md)")))
            continue
        text = _text(name, data, bundle, lang)
        if text is None:
            continue
        loaded = load_yaml(text, name)
        if loaded.problems:
            bundle.problems.extend(from_definitions(loaded.problems, name, lang))
            continue
        documents[name] = Document(name, text, loaded.data, loaded.lines)
    _upgrade(documents, bundle)
    for name, document in sorted(documents.items()):
        _place(bundle, name, document)
    if bundle.manifest is None and files:
        bundle.problems.append(BundleProblem(layout.MANIFEST, "", _("the bundle has no manifest.yaml")))
    _compare_hashes(bundle, files)
    return bundle


def _text(name: str, data: bytes, bundle: Bundle, lang: str) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bundle.problems.append(BundleProblem(name, "", _(
            "not UTF-8 text (byte 0x%(byte)s): save the file as UTF-8") % {"byte": f"{data[exc.start]:02X}"}, line))
        return None


def _upgrade(documents: dict[str, Document], bundle: Bundle) -> None:
    try:
        upgraded = upgrade({name: doc.data for name, doc in documents.items()})
    except FormatTooNew as exc:
        bundle.problems.append(BundleProblem(layout.MANIFEST, "format_version", _(
            "format %(version)s is newer than this installation reads (%(current)s): upgrade the platform first")
            % {"version": exc.version, "current": layout.FORMAT_VERSION}))
        return
    for name, data in upgraded.items():
        if name in documents:
            documents[name].data = data


def _is_document_body(name: str) -> bool:
    """`projects/CODE/documents/NAME.html`: a document template's body, read as text and kept byte for byte."""
    parts = PurePosixPath(name).parts
    return len(parts) == 4 and parts[0] == layout.PROJECTS and parts[2] == "documents" and name.endswith(".html")


def _place_schema(bundle: Bundle, name: str, text: str) -> None:
    file_name = name[len(layout.TEMPLATE_SCHEMAS) + 1:]
    if "/" in file_name or not file_name.endswith(".json"):
        bundle.problems.append(BundleProblem(name, "", _("an entity schema is a .json file in templates/schemas/")))
        return
    bundle.schemas[file_name] = text


def _place(bundle: Bundle, name: str, document: Document) -> None:
    parts = PurePosixPath(name).parts
    if name == layout.MANIFEST:
        bundle.manifest = document
    elif name == layout.GROUPS:
        bundle.groups = document
    elif len(parts) == 3 and name.startswith(layout.TEMPLATE_FLOWS + "/"):
        bundle.flows[PurePosixPath(name).stem] = document
    elif parts[0] == layout.PROJECTS and len(parts) in (3, 4):
        part = bundle.projects.setdefault(parts[1], ProjectPart(parts[1]))
        stem = PurePosixPath(name).stem
        if len(parts) == 3 and stem in ("project", "units", "members", "campaigns", "documents"):
            setattr(part, stem, document)
        elif len(parts) == 4 and parts[2] == "overrides":
            part.overrides[stem] = document
        elif len(parts) == 4 and parts[2] == "rules":
            part.rules[stem] = document
        else:
            bundle.problems.append(BundleProblem(name, "", _("not a file of a bundle (see docs/bundles.md)")))
    else:
        bundle.problems.append(BundleProblem(name, "", _("not a file of a bundle (see docs/bundles.md)")))


def _compare_hashes(bundle: Bundle, files: dict[str, bytes]) -> None:
    data = bundle.manifest.data if bundle.manifest else None
    listed = data.get("files") if isinstance(data, dict) else None
    if not isinstance(listed, dict):
        return
    for name, expected in sorted(listed.items()):
        if name not in files:
            bundle.missing.append(name)
        elif file_hash(files[name]) != expected:
            bundle.edited.append(name)
