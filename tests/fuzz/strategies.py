"""What an attacker or a careless hand types or saves: the values and file mutations the fuzz tests draw from."""
from __future__ import annotations

from hypothesis import strategies as st

DEEP_JSON = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000
HUGE_TEXT = "客" * 100_000

# Values that broke, or could break, a parser somewhere: numbers out of every range, dates that are
# not, keys that are not, texts that are too long, too deep or not what they look like.
NASTY_VALUES = [
    "", " ", "\t\n", "\x00", "0", "-0", "-1", "1.5", "1e3", "1e999999", "-1e999999", "NaN", "nan", "Infinity",
    "-inf", "9" * 30, "9" * 400, str(2**63), str(-(2**63) - 1), "0x10", "1_000", "١٢٣", "²", "½", "Ⅻ",
    "1,000.00", "¥100", "100元", "0.0000000000000000000001", "99999999999999.999", "1000000000000.00",
    "2025-02-30", "2025-13-01", "0000-00-00", "99999-01-01", "2025-01-01T25:61:00", "2025-01-01T10:00:00+99:00",
    "yesterday", "1/2/2025", "null", "None", "true", "undefined", "[]", "{}", "[1, 2", '{"a": }',
    DEEP_JSON, DEEP_OBJECT, HUGE_TEXT, "a" * 5_000, "\u202e\u202dreversed", "e\u0301\u0301\u0301", "👨‍👩‍👧‍👦" * 50,
    "𠀀𪚥", "\ud7ff\ue000\uffff", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "' OR 1=1 --",
    "../../etc/passwd", "%s%s%n", "{{ 7*7 }}", "\r\n\r\nX-Injected: 1", "+8613800000000", "138 0000 0000",
]


def odd_text() -> st.SearchStrategy[str]:
    """Any text but lone surrogates (a browser cannot send those), short or long."""
    return st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)


def nasty_value() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(NASTY_VALUES), odd_text(),
                     st.integers(min_value=-(2**70), max_value=2**70).map(str),
                     st.floats(allow_nan=True, allow_infinity=True).map(repr))


# -- files ------------------------------------------------------------------------------------------

YAML_SNIPPETS = [
    "!!python/object/apply:os.system ['echo owned']", "!!binary AAAA", "&a [*a]", "*missing", "[" * 10_000,
    "{" * 10_000, "'unterminated", '"\\xZZ"', "key: [1, 2", ":", "- - - -", "? complex\n: key", "%YAML 9.9",
    "---\n...\n---", "\t- tab", "<<: *nothing", "a: !!int 9999999999999999999999999999",
    "a: !!float nan", "a: .inf", "a: 2025-02-30", "a: 0o777", "a: ~", "a:\n  - b\n -c", "\x00", "\ufeff",
    "x: " + "a" * 100_000,
    # a billion laughs: the loader's alias limit must refuse it before it is expanded
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
]


@st.composite
def mutated_file(draw, original: str) -> bytes:
    """The original file after one or a few edits a person or a tool might make, as bytes."""
    text = original
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        lines = text.split("\n")
        at = draw(st.integers(min_value=0, max_value=max(len(lines) - 1, 0)))
        edit = draw(st.sampled_from(["truncate", "insert", "replace_line", "replace_value", "delete_line",
                                     "duplicate", "indent"]))
        if edit == "truncate":
            text = text[:draw(st.integers(min_value=0, max_value=len(text)))]
        elif edit == "insert":
            lines.insert(at, draw(st.one_of(st.sampled_from(YAML_SNIPPETS), odd_text())))
            text = "\n".join(lines)
        elif edit == "replace_line":
            lines[at] = draw(st.sampled_from(YAML_SNIPPETS))
            text = "\n".join(lines)
        elif edit == "replace_value" and ":" in lines[at]:
            key = lines[at].split(":", 1)[0]
            lines[at] = f"{key}: {_yaml_scalar(draw(nasty_value()))}"
            text = "\n".join(lines)
        elif edit == "delete_line" and lines:
            del lines[at]
            text = "\n".join(lines)
        elif edit == "duplicate" and lines:
            lines.insert(at, lines[at])
            text = "\n".join(lines)
        elif edit == "indent" and lines:
            lines[at] = draw(st.sampled_from(["  ", "\t", " "])) + lines[at]
            text = "\n".join(lines)
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "gbk", "utf-16", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        cut = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:cut] + draw(st.binary(min_size=1, max_size=16)) + data[cut:]
    return data


def _yaml_scalar(value: str) -> str:
    """The value as YAML would carry it, sometimes quoted, sometimes bare (then it may not parse at all)."""
    if len(value) > 2000 or "\n" in value:
        return '"' + value[:200_000].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return value


def any_file(original: str) -> st.SearchStrategy[bytes]:
    """A mutated copy of a real file most of the time; sometimes bytes with no shape at all."""
    return st.one_of(mutated_file(original), mutated_file(original), mutated_file(original),
                     st.binary(max_size=300),
                     st.sampled_from([b"", b"[]", b"- 1\n- 2\n", b"42", b"null", b"'text'", b"{a: {b: {c: }}}",
                                      DEEP_JSON.encode(), b"\xff\xfe\x00\x00"]))
