"""Documents' tests: Debian's Noto CJK fonts (PDF text in Chinese) and poppler-utils (pdftotext).

Installed with apt-get when missing, the way tests/browser installs chromium; the
machines have apt and root.
"""
import os
import shutil
import subprocess

import pytest

PACKAGES = {"fonts-noto-cjk": None, "poppler-utils": "/usr/bin/pdftotext"}


def _installed(package: str) -> bool:
    found = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return found.returncode == 0 and "install ok installed" in found.stdout


@pytest.fixture(scope="session", autouse=True)
def document_packages():
    missing = [p for p in PACKAGES if not _installed(p)]
    if not missing:
        return
    if shutil.which("apt-get") is None:
        pytest.fail(f"{', '.join(missing)} missing and apt-get is not available to install them")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "-q", *missing], env=env, capture_output=True).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        result = subprocess.run(["apt-get", "install", "-y", "-q", *missing], env=env, capture_output=True, text=True)
        if result.returncode:
            pytest.fail(f"could not install {', '.join(missing)}: {result.stderr[-500:]}")
    from documents import rendering

    rendering.cjk_font_installed.cache_clear()


def pdf_text(data: bytes, tmp_path) -> str:
    """The PDF's text by pdftotext, with its white space removed (table cells wrap lines)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True)
    return "".join(out.stdout.split())
