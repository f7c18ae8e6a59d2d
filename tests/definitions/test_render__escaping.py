"""The diagram is built from text admins typed: none of it may become markup, in Mermaid or in HTML.

Issue 16: a state titled `<img src=x onerror=…>` reached the studio's diagram; Mermaid's
sanitiser stripped scripts but kept the image, which fetched its URL in an admin's browser.
"""
from __future__ import annotations

import html

from definitions.render import mermaid

from .helpers import build_document, valid_document

INJECTED = "<img src=x onerror=alert(1)>"


def flow_titled(title: str, *, transition: str = "提交"):
    document = valid_document()
    document["states"][0]["title"] = {"zh": title, "en": title}
    document["transitions"][0]["title"] = {"zh": transition, "en": transition}
    return build_document(document)


def test_a_state_title_with_html_is_drawn_as_text_never_as_a_tag():
    source = mermaid(flow_titled(INJECTED), "zh")

    assert '    state "＜img src=x onerror=alert(1)＞" as draft' in source.splitlines()
    assert "<" not in source and ">" not in source.replace("-->", "")
    # what Mermaid reads from the page: the template's escaping decoded again
    assert "<img" not in html.unescape(html.escape(source))


def test_the_generated_docs_diagram_escapes_titles_too():
    source = mermaid(flow_titled(INJECTED))

    assert '    state "＜img src=x onerror=alert(1)＞<br/>＜img src=x onerror=alert(1)＞" as draft' in source.splitlines()


def test_a_title_cannot_end_its_label_or_start_a_line_of_its_own():
    title = 'a" as x\n%%{init: {"securityLevel": "loose"}}%%\nclick draft href "https://example.com"'

    source = mermaid(flow_titled(title, transition="go; x --> y: #lt;b#gt;"), "en")

    assert source.splitlines()[1] == (
        '    state "a＂ as x ％％｛init： ｛＂securityLevel＂： ＂loose＂｝｝％％ click draft href '
        '＂https：//example.com＂" as draft')
    assert "    draft --> review: go； x --＞ y： ＃lt；b＃gt；" in source.splitlines()
    assert len(source.splitlines()) == len(mermaid(flow_titled("plain"), "en").splitlines())


def test_the_studio_diagram_shows_each_states_work_and_deadline_in_words():
    from pathlib import Path

    from definitions import load_flows
    from engine.environment import environment

    root = Path(__file__).resolve().parents[2]
    definitions, problems = load_flows([root / "flows"], environment(), root)
    reservation = definitions["reservation"]

    zh, en = mermaid(reservation, "zh").splitlines(), mermaid(reservation, "en").splitlines()

    start = zh.index("    note right of draft")
    assert zh[start:start + 4] == ["    note right of draft", "        • 完善小订信息", "        时限：1天", "    end note"]
    assert "        due within 1 day" in en and "        时限：3天" in zh  # the refund's
    assert not any("note" in line for line in mermaid(reservation).splitlines())  # the generated docs stay as they are
