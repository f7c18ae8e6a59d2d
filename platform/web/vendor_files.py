"""The browser files the pages load from the npm packages (bin/_env.sh installs them), and only those.

A finder listing single files instead of the packages' `dist` folders: collecting those
copied 6,640 files (320 MB, half a minute) for the four the pages use. Source maps come
along where the package has them, because the minified files name them and the
manifest storage checks every name a file refers to.
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

# static path -> path inside node_modules
FILES = {
    "vendor/mermaid/mermaid.min.js": "mermaid/dist/mermaid.min.js",
    "vendor/htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "vendor/tom-select/js/tom-select.complete.min.js": "tom-select/dist/js/tom-select.complete.min.js",
    "vendor/tom-select/css/tom-select.default.min.css": "tom-select/dist/css/tom-select.default.min.css",
    "vendor/echarts/echarts.min.js": "echarts/dist/echarts.min.js",
}


def installed() -> dict[str, Path]:
    """Static path -> file, for the files (and their source maps) that are installed."""
    found: dict[str, Path] = {}
    for static, inside in FILES.items():
        source = Path(settings.NPM_DIR) / inside
        for path, file in ((static, source), (static + ".map", source.with_name(source.name + ".map"))):
            if file.is_file():
                found[path] = file
    return found


class VendorFinder(BaseFinder):
    def check(self, **kwargs):
        return []

    def find(self, path: str, find_all: bool = False, **kwargs):
        file = installed().get(path)
        if file is None:
            return [] if find_all else None
        return [str(file)] if find_all else str(file)

    def list(self, ignore_patterns):
        for static, file in installed().items():
            storage = FileSystemStorage(location=str(file.parent))
            # collectstatic puts the file under the storage's prefix (an attribute it reads, not declared)
            storage.prefix = static.rsplit("/", 1)[0]  # type: ignore[attr-defined]
            yield file.name, storage
