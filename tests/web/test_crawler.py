"""Every page a demo user can reach, in Chinese and in English: no raw code, id, None/null, JSON blob, or wrong language.

The crawler logs in as each demo user, follows every link of the site it is shown (the
menu, the lists, the records of the demo and what they link to), and reads each page as
a person would (tests/web/page_text.py). It reads two pages per URL pattern and user (every
pattern, both languages); CRAWLER_PAGES_PER_KIND=6 (or more) reads more rows of each, still at
most 120 pages per user, for a closer look before a release. A page that breaks a rule fails the test with
the user, the address and what was read, so the fix can start from the message.
"""
from __future__ import annotations

import html as html_lib
import json
import os
import re
from collections import deque
from io import StringIO
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from accounts.models import User
from engine.models import FlowVersion, HistoryEntry, Record
from extensions.models import RuleSet
from kernel.models import Building, Campaign, Company, Customer, FollowUp, Project, QueueBatch, Unit, Visit

from .page_text import problems, read

pytestmark = pytest.mark.django_db

# Pages that are not the staff's reading: Django's admin (its own look and words), leaving
# the site, the language switch (a POST), and the printed documents (the buyer's paper, in
# Chinese whatever the reader's language: tests/documents read them), and the API's
# documentation for integrators (Swagger UI, in English).
_NOT_CRAWLED = re.compile(r"^/(admin/|logout/|i18n/|static/|media/|records/\d+/documents/|documents/\d+/|api/)")
_LINK = re.compile(r"""<a\b[^>]*\bhref=["']([^"'#]+)""", re.IGNORECASE)
MAX_PAGES_PER_USER = 120
# Pages of one kind (one URL pattern of web/urls.py: a unit card, a customer, a record, a flow's
# editor, whatever its numbers or names, with the same names in its query) are read up to this many
# times per user: the same template over other rows says nothing new, and the demo's 90 unit cards
# alone took a third of the crawl. Two, not one: a page that only breaks on another row still has a
# second chance. Every pattern a user is shown is still read by that user in both languages, and the
# records to start from are one per flow and state, so every state's page is still read.
MAX_PAGES_PER_KIND = int(os.environ.get("CRAWLER_PAGES_PER_KIND", "2"))
# Query parameters whose value chooses another page, not other rows: each inbox view (/?view=mine,
# /?view=overdue ...) is its own kind, as its own heading and empty-list text are.
_PAGE_CHOOSING = {"view"}
# Not English in a Chinese page: the offset of a zone outside China (UTC+09:00) and the area unit.
ALLOWED_IN_CHINESE = {"UTC", "m²", "csv", "xlsx", "Excel"}  # file formats (导出 Excel) are named as such in Chinese too


def _codes() -> set[str]:
    """Every enum value, state name and transition name a person must not read."""
    out: set[str] = set()
    for path in Path(settings.ROOT_DIR, "schemas").glob("*.json"):
        _enum_values(json.loads(path.read_text(encoding="utf-8")), out)
    for version in FlowVersion.objects.all():
        content = version.content if isinstance(version.content, dict) else {}
        for state in content.get("states", []):
            out.add(state["name"])
        for transition in content.get("transitions", []):
            out.add(transition["name"])
    return {c.lower() for c in out if isinstance(c, str) and c}


def _enum_values(schema: object, out: set[str]) -> None:
    if isinstance(schema, dict):
        for value in schema.get("enum", []):
            if isinstance(value, str):
                out.add(value)
        for child in schema.values():
            _enum_values(child, out)
    elif isinstance(schema, list):
        for child in schema:
            _enum_values(child, out)


def _data() -> set[str]:
    """Strings the demo holds as data (typed by people or the loader): removed before the language check."""
    out: set[str] = set()
    out |= set(Customer.objects.values_list("name", flat=True))
    out |= set(Project.objects.values_list("name", flat=True)) | set(Project.objects.values_list("code", flat=True))
    out |= set(Building.objects.values_list("name", flat=True))
    out |= set(QueueBatch.objects.values_list("title", flat=True))
    for display_name, username in User.objects.values_list("display_name", "username"):
        out |= {display_name, username}
    for field in ("layout", "orientation"):
        out |= {str(v) for v in Unit.objects.values_list(field, flat=True).distinct() if v}
    out |= {"简体中文", "English"}  # the language switch names each language in its own words
    out |= {c for c in HistoryEntry.objects.values_list("comment", flat=True) if c}
    # what the front desk typed: visit intentions and notes, follow-up notes, campaigns
    for row in Visit.objects.values_list("layout", "note"):
        out |= set(row)
    out |= set(FollowUp.objects.values_list("note", flat=True))
    for row in Campaign.objects.values_list("name", "channel"):
        out |= set(row)
    out |= {c for c in Company.objects.values_list("name", flat=True)}
    for rules in RuleSet.objects.values_list("config", flat=True):
        _titles(rules, out)
    for data in Record.objects.values_list("data", flat=True):
        for value in (data or {}).values():
            if isinstance(value, str) and not re.fullmatch(r"[a-z_]+|[0-9.,]+", value):  # numbers would strip references
                out.add(value)  # free text (reasons, names, numbers), never a code
    return {s for s in out if s}


def _titles(config: object, out: set[str]) -> None:
    """The titles admins gave their rules (discounts, levels, channels): data, in their language."""
    if isinstance(config, dict):
        for key, value in config.items():
            if key == "title" and isinstance(value, str):
                out.add(value)
            else:
                _titles(value, out)
    elif isinstance(config, list):
        for item in config:
            _titles(item, out)


def _kind(path: str, query: str) -> str:
    """The URL pattern an address matches, and its query reduced to names (values where they choose the page)."""
    try:
        pattern = resolve(path).route
    except Resolver404:
        pattern = re.sub(r"\d+", "#", path)
    names = sorted({pair.split("=", 1)[0] if pair.split("=", 1)[0] not in _PAGE_CHOOSING else pair
                    for pair in query.split("&") if pair})
    return pattern + ("?" + "&".join(names) if names else "")


def links(html: str, address: str) -> list[str]:
    """The same-site addresses (path and query) the anchors of a page point at, as a browser would follow them.

    An href's `&amp;` is the `&` a browser sends: read raw, `/start/?project=DEMO&amp;customer_id=1` would
    lose its second parameter (the server would read `amp;customer_id`) and the crawler would read a
    page no person ever sees instead of the one they do.
    """
    out = []
    for href in _LINK.findall(html):
        parts = urlsplit(urljoin(address, html_lib.unescape(href)))
        if parts.netloc and parts.netloc != "testserver":
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def _crawl(client: Client, start: list[str]) -> dict[str, str]:
    """address -> HTML of every page reachable from `start` (GET, same site, HTML only)."""
    seen: dict[str, str] = {}
    queue = deque(start)
    queued = set(start)
    kinds: dict[str, int] = {}
    while queue and len(seen) < MAX_PAGES_PER_USER:
        address = queue.popleft()
        response = client.get(address)
        # 403: a record of the project this user may not see (engine.runtime.visibility), refused in words, read too
        assert response.status_code in (200, 302, 403, 404), f"{address} answered {response.status_code}"
        if response.status_code not in (200, 403) or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        seen[address] = html
        for target in links(html, address):
            parts = urlsplit(target)
            if _NOT_CRAWLED.match(parts.path) or "page=" in parts.query or target in queued:
                continue
            kind = _kind(parts.path, parts.query)
            kinds[kind] = kinds.get(kind, 0) + 1
            if kinds[kind] > MAX_PAGES_PER_KIND:
                continue
            queued.add(target)
            queue.append(target)
    return seen


@pytest.fixture
def demo():
    call_command("load_demo", "--no-history", stdout=StringIO())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_demo_page_shows_a_code_an_id_a_blob_or_the_other_language(demo, language):
    # given every demo user, and the demo's records as starting points besides the menu
    codes, data = _codes(), _data()
    first_of_each = {}
    for pk, flow, state in Record.objects.order_by("pk").values_list("pk", "flow", "state"):
        first_of_each.setdefault((flow, state), pk)
    records = [f"/records/{pk}/" for pk in first_of_each.values()]
    failures: list[str] = []

    users = User.objects.order_by("username")
    if os.environ.get("CRAWLER_USERS"):  # a few users only, to look into one problem (comma-separated names)
        users = users.filter(username__in=os.environ["CRAWLER_USERS"].split(","))
    for user in users:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

        # when the user visits every page they can reach
        pages = _crawl(client, ["/", *records])

        # then no page breaks a rule
        for address, html in pages.items():
            for problem in problems(read(html), chinese=language.startswith("zh"), codes=codes, data=data,
                                    allowed_words=ALLOWED_IN_CHINESE):
                failures.append(f"{user.username} {address}: {problem}")
    unique = list(dict.fromkeys(failures))
    if unique and os.environ.get("CRAWLER_REPORT"):  # every problem, for whoever fixes them
        Path(f"{os.environ['CRAWLER_REPORT']}.{language}").write_text("\n".join(unique), encoding="utf-8")
    assert not unique, f"{len(unique)} problems, first 60:\n" + "\n".join(unique[:60])


def test_a_link_with_an_escaped_ampersand_is_followed_with_both_parameters():
    # given a page whose link has two query parameters, written as HTML writes them
    page = '<a href="/start/?project=DEMO&amp;customer_id=1">开始</a><a href="https://example.com/x">x</a>'

    # when the crawler reads its links
    found = links(page, "/customers/1/")

    # then it follows the address a browser sends (the other site's link left out)
    assert found == ["/start/?project=DEMO&customer_id=1"]
