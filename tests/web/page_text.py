"""What a person reads on a page, and the codes, blobs and wrong-language words that must not be in it.

Used by the crawler test: the visible text of a page (no scripts, styles, hidden inputs,
attribute values or code editors), checked against the rules of the developers' guide: a
person never reads a raw code (enum value, state or transition name, user id, `None`, a
JSON blob), and a Chinese page has no English words in it (nor the reverse), data aside.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements whose content is not read as prose: scripts, styles, and the places where an
# admin edits or reads configuration text on purpose (the studio's YAML and diagrams).
_SKIPPED = {"script", "style", "template", "textarea", "pre", "code", "noscript"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# A label naming a person or a unit: its value must be a name or a code, never a bare number.
_PERSON_LABEL = re.compile(r"(人|顾问|客户|房源|经理|专员|操作者|user|consultant|customer|buyer|unit|agent|holder|by)$",
                           re.IGNORECASE)


@dataclass
class Cell:
    """A definition (dt/dd) or table (th/td) value with the label it sits under."""
    label: str
    value: str


@dataclass
class PageText:
    chunks: list[str] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    options: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = PageText()
        self.skip_depth = 0
        self.stack: list[tuple[str, bool]] = []  # (tag, whether it hides its content)
        self.last_dt = ""
        self.headers: list[str] = []
        self.column = -1
        self.cell_tag: str | None = None
        self.cell_text: list[str] = []
        self.in_option = False

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = dict(attrs)
        if tag in _VOID:
            if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
                self.out.chunks.append(attributes["value"])
            return
        hides = tag in _SKIPPED or "hidden" in attributes or attributes.get("aria-hidden") == "true"
        self.stack.append((tag, hides))
        self.skip_depth += hides
        if tag == "tr":
            self.column = -1
        if tag == "thead":
            self.headers = []
        if tag in ("dt", "dd", "th", "td"):
            self.cell_tag, self.cell_text = tag, []
            if tag in ("td", "th"):
                self.column += 1
        if tag == "option":
            self.in_option = True

    def in_thead(self) -> bool:
        return any(tag == "thead" for tag, _ in self.stack)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or all(open_tag != tag for open_tag, _ in self.stack):
            return
        while self.stack:
            top, hides = self.stack.pop()
            self.skip_depth -= hides
            self._closed(top)
            if top == tag:
                break

    def _closed(self, tag: str) -> None:
        if tag == self.cell_tag:
            value = " ".join(" ".join(self.cell_text).split())
            if tag == "dt":
                self.last_dt = value
            elif tag == "dd":
                self.out.cells.append(Cell(self.last_dt, value))
            elif tag == "th" and self.in_thead():
                self.headers.append(value)
            elif tag == "td":
                label = self.headers[self.column] if 0 <= self.column < len(self.headers) else ""
                self.out.cells.append(Cell(label, value))
            self.cell_tag = None
        if tag == "option":
            self.in_option = False

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        self.out.chunks.append(data)
        if self.cell_tag:
            self.cell_text.append(data)
        if self.in_option:
            self.out.options.append(data.strip())


def read(html: str) -> PageText:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.out


_JSON_BLOB = re.compile(r"[{\[]\s*\"[^\"]+\"\s*:|\[\s*\{")
_NULLISH = re.compile(r"(?<![\w-])(None|null|undefined|NaN|True|False)(?![\w-])")
_SNAKE = re.compile(r"(?<![\w-])[a-z]+(?:_[a-z0-9]+)+(?![\w-])")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’.-]*")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def problems(page: PageText, *, chinese: bool, codes: set[str], data: set[str], allowed_words: set[str]) -> list[str]:
    """Every rule a page breaks, as readable lines (empty when it is clean).

    `codes` are the enum values, state and transition names a person must not read;
    `data` are strings people entered or the demo holds (names, addresses), removed
    before the language check since data is in whatever language it was typed.
    """
    found: list[str] = []
    text = page.text
    for match in _JSON_BLOB.finditer(text):
        found.append(f"JSON blob: …{text[max(0, match.start() - 30):match.end() + 40]}…")
    for match in _NULLISH.finditer(text):
        found.append(f"raw {match.group(1)}: …{text[max(0, match.start() - 40):match.end() + 20]}…")
    for match in _SNAKE.finditer(text):
        found.append(f"code {match.group(0)!r}: …{text[max(0, match.start() - 40):match.end() + 20]}…")
    cleaned = text
    for item in sorted(data, key=len, reverse=True):
        if item:
            cleaned = cleaned.replace(item, " ")
    if chinese:
        for match in _LATIN_WORD.finditer(cleaned):
            word = match.group(0).strip(".-'’")
            if len(word) < 2 or any(ch.isdigit() for ch in word) or word in allowed_words:
                continue
            if word.lower() in codes or word.isascii():
                found.append(f"English {word!r} in a Chinese page: …{cleaned[max(0, match.start() - 30):match.end() + 30]}…")
    else:
        for match in _CJK.finditer(cleaned):
            found.append(f"Chinese {match.group(0)!r} in an English page: "
                         f"…{cleaned[max(0, match.start() - 30):match.end() + 30]}…")
        words = {w.lower() for w in _LATIN_WORD.findall(cleaned)}
        found += [f"code {c!r} on an English page" for c in sorted(codes & words) if "_" in c]
    for cell in page.cells:
        if cell.value.isdigit() and _PERSON_LABEL.search(cell.label or ""):
            found.append(f"bare id {cell.value} under {cell.label!r}")
    return found
