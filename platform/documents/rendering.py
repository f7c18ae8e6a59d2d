"""Document text and PDF: a template engine of its own, A4 pages by WeasyPrint, QR codes by segno.

The engine loads only platform/documents/templates (a project's template may extend the
shipped base, never include a staff page) and has the document filters built in. PDF
fonts are Debian's Noto CJK (fonts-noto-cjk): without them Chinese would print as boxes,
so `pdf` refuses to run when fontconfig finds no CJK font, naming the package.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import shutil
import subprocess
from pathlib import Path

from django.template import Context, Engine

TEMPLATES = Path(__file__).resolve().parent / "templates"
ENGINE = Engine(dirs=[str(TEMPLATES)], app_dirs=False, autoescape=True, string_if_invalid="",
                builtins=["documents.templatetags.document_filters"])
COPY_MARK = "<!--copy-mark-->"  # where a reprint's 副本 / COPY banner goes in the issued text
FONT_PACKAGE = "fonts-noto-cjk"
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # seven INFO lines per PDF otherwise


class FontsMissing(RuntimeError):
    pass


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def qr_data_uri(text: str) -> str:
    """An SVG QR code of `text` as a data URI, for an <img> in the document."""
    import segno

    return segno.make(text, error="m").svg_data_uri(scale=3, border=2)


def render_body(body: str | None, name: str, context: dict) -> str:
    """The document's HTML: a project's template body, else the shipped documents/NAME.html."""
    template = ENGINE.from_string(body) if body is not None else ENGINE.get_template(f"documents/{name}.html")
    return template.render(Context(context, autoescape=True))


def copy_text(html: str, copy_number: int) -> str:
    """The issued text of a reprint: the original's, with the 副本 / COPY banner in its place."""
    # COPY beside 副本: the one English word on the paper, for a bank or an authority that reads either
    banner = f'<div class="copy-mark">副本 COPY · 第 {copy_number} 份副本 · 内容与原件一致</div>'
    return html.replace(COPY_MARK, banner, 1)


@functools.cache
def cjk_font_installed() -> bool:
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    return "Noto" in found and "CJK" in found


def pdf(html: str) -> bytes:
    """A4 PDF of a document's HTML."""
    if not cjk_font_installed():
        raise FontsMissing(f"no Chinese font: install Debian's {FONT_PACKAGE} (apt-get install {FONT_PACKAGE}); "
                           "Chinese would print as boxes")
    import weasyprint

    return weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
