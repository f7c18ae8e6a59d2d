"""The forms a page offers, read from its HTML as a browser would: where each posts and which fields it sends."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin


@dataclass
class Field:
    name: str
    kind: str  # text, hidden, select, textarea, file, checkbox, number, date, ...
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return self.method, self.action, tuple(sorted({f.name for f in self.fields}))


class _Forms(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self._form, self._select = page, [], None, None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(self.page, urljoin(self.page, a.get("action") or self.page),
                              (a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif self._form is None or "name" not in a:
            if tag == "option" and self._select is not None:
                self._select.options.append(a.get("value", ""))
            return
        elif tag == "input" and a.get("type", "text") not in ("submit", "button", "reset", "image"):
            self._form.fields.append(Field(a["name"], a.get("type", "text"), a.get("value", "")))
        elif tag == "button" and a.get("value") is not None:
            self._form.fields.append(Field(a["name"], "button", a.get("value", "")))
        elif tag == "textarea":
            self._form.fields.append(Field(a["name"], "textarea"))
        elif tag == "select":
            self._select = Field(a["name"], "select")
            self._form.fields.append(self._select)
        if tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_of(page: str, html: str) -> list[Form]:
    parser = _Forms(page)
    parser.feed(html)
    return parser.forms
