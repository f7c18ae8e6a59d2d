"""Every form of the web layer, posted with random, mutated, oversized, nested and out-of-range values.

The forms are read from the pages that offer them (tests/fuzz/forms.py), as a browser would
see them, so a new field or button is fuzzed without editing this file; the endpoints the
issue names must each be among them. An answer is never a 500, and a refusal (an answer of
400 and above, or an error message queued for the next page) writes nothing: every example
runs in a savepoint that is undone, and the row counts are compared inside it.
"""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.contrib.messages import constants
from django.test import Client
from django.urls import resolve
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Membership
from engine import versions
from engine.models import Task
from engine.runtime import approvals, records, tasks, transitions
from kernel import customers

from .conftest import FUZZ
from .forms import Field, Form, forms_of
from .rows import rolled_back, row_counts
from .strategies import DEEP_JSON, nasty_value

pytestmark = pytest.mark.django_db

SUBMIT = {"unit_id": 7, "price": "1.00", "discount_rate": "0.05"}
# a few examples per form (some 60 forms): the whole test stays under a minute on SQLite
FUZZ_WEB = settings(FUZZ, max_examples=int(os.environ.get("FUZZ_FORM_EXAMPLES", "6")))


@pytest.fixture
def world(engine_flows, people):
    """A draft (the consultant's), one in review (the director's vote), a customer, the manager a project admin."""
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    versions.publish(people["p1"], "discount")
    draft = records.start_record(people["consultant"], people["p1"], "discount", {"unit_id": 7})
    review = records.start_record(people["consultant"], people["p1"], "discount", {"unit_id": 7})
    transitions.fire(people["consultant"], review.pk, "submit", SUBMIT)
    # finance approves: a vote in the history (an entry with no to_state); the director's slot stays open
    approvals.vote(people["fin"], Task.objects.get(record=review, status="open", roles=["finance"]).pk, "approve")
    # claimed, so that its page offers release, transfer and delegation
    tasks.claim(people["consultant"], Task.objects.get(record=draft, name="prepare", status="open").pk)
    customer = customers.register(project_id=people["p1"].pk, consultant_id=people["consultant"].pk, name="王小明",
                                  phone="13812341234", now=timezone.now() - timedelta(hours=1)).customer
    return {**people, "draft": draft, "review": review, "customer": customer}


def PAGES(w) -> list[tuple[str, str]]:  # noqa: N802 - a table
    """(who, page): the pages whose forms are fuzzed, each as the user who is offered them."""
    c = w["customer"].pk
    return [
        ("consultant", "/"), ("director", "/"), ("consultant", f"/records/{w['draft'].pk}/"),
        ("director", f"/records/{w['review'].pk}/"), ("consultant", f"/records/{w['review'].pk}/"),
        ("manager", f"/records/{w['draft'].pk}/"), ("consultant", "/start/"), ("consultant", "/start/P1/discount/"),
        ("consultant", f"/customers/{c}/"), ("consultant", f"/customers/{c}/edit/"),
        ("manager", f"/customers/{c}/"), ("manager", f"/customers/{c}/merge/"),
        ("manager", "/projects/P1/customer-changes/"),
        ("consultant", "/projects/P1/customers/"), ("consultant", "/customers/mine/"),
        ("manager", "/projects/P1/front-desk/"), ("manager", "/projects/P1/visits/"),
        ("manager", "/projects/P1/campaigns/new/"), ("manager", "/projects/P1/imports/"),
        ("manager", "/projects/P1/records/discount/"), ("manager", "/projects/P1/receivables/"),
        ("manager", "/projects/P1/dashboard/"), ("manager", "/studio/P1/discount/"),
        ("consultant", f"/projects/P1/customers/{c}/follow-up/"), ("manager", f"/projects/P1/customers/{c}/reassign/"),
    ]


def EXTRA(w) -> list[tuple[str, Form]]:  # noqa: N802 - a table
    """Endpoints no page of this small world shows a form for (a bulk action, a search as typed, an export)."""
    task = Task.objects.filter(record=w["review"], status="open").order_by("pk").first().pk
    c = w["customer"].pk

    def form(method: str, action: str, *names: str, kinds: dict[str, str] | None = None) -> Form:
        return Form("", action, method, [Field(n, (kinds or {}).get(n, "text"), str(task) if n == "task" else "")
                                         for n in names])
    return [
        ("director", form("post", "/tasks/approve/", "task", "comment", "next")),
        ("consultant", form("post", "/tasks/unclaim/", "task", "unclaim", "next")),
        ("consultant", form("post", "/dunning/1/dismiss/", "next")),
        ("director", form("post", f"/tasks/{task}/complete/", "comment", "decision")),
        ("consultant", form("post", f"/records/{w['review'].pk}/withdraw/", "comment")),  # refused: finance voted
        ("consultant", form("get", "/lookups/P1/units/", "q", "free")),
        ("consultant", form("get", "/lookups/P1/customers/", "q", "free")),
        ("manager", form("get", "/projects/P1/front-desk/lookup/", "phone")),
        ("manager", form("get", "/projects/P1/front-desk/", "phone", "page", "done")),
        ("manager", form("get", "/projects/P1/chart/data/", "building")),
        ("manager", form("get", "/projects/P1/units/7/", "partial")),
        ("manager", form("get", "/projects/P1/dashboard/export/", "table", "period", "on", "to", "consultant")),
        ("manager", form("get", "/groups/G1/dashboard/", "region", "part", "period")),
        ("manager", form("get", "/projects/P1/receivables/", "page", "show", "days")),
        ("manager", form("get", "/projects/P1/customers/", "page", "q", "order")),
        ("manager", form("get", "/projects/P1/records/discount/", "page", "q", "state", "order")),
        ("manager", form("get", "/projects/P1/records/discount/export.xlsx", "q", "state", "order")),
        ("consultant", form("get", "/inbox/export.csv", "q", "project", "flow", "state", "order")),
        ("consultant", form("get", "/", "page", "q", "project", "flow", "state", "order", "view")),
        ("consultant", form("get", "/start/", "project")),
        ("manager", form("get", "/projects/P1/customer-changes/", "project")),
        ("manager", form("get", f"/customers/{c}/", "project")),
        ("manager", form("get", "/projects/P1/imports/templates/customers/", "x")),
    ]


# The endpoints issue 16 names: each must be among the forms fuzzed, so that a page that stops
# offering one (or a fixture that stops reaching it) fails here instead of fuzzing less in silence.
MUST = {"start", "fire", "task-action", "claim", "unclaim", "approve-tasks", "vote", "send-back", "withdraw",
        "customer-edit", "customer-relations", "customer-merge", "follow-up", "customer-reassign", "imports",
        "studio-flow", "studio-publish", "front-desk", "campaign-new", "inbox-filter-save", "lookup-units",
        "lookup-customers", "record-list-flow", "receivables-due", "dashboard", "customer-list", "visit-list"}
NOT_FUZZED = {"logout", "set_language"}  # leaving the site; Django's own language switch


def _forms(client: Client, w) -> list[tuple[str, Form]]:
    found: dict[tuple, tuple[str, Form]] = {}
    for who, page in PAGES(w):
        client.force_login(w[who])
        response = client.get(page)
        assert response.status_code == 200, f"{who} {page}: {response.status_code}"
        for form in forms_of(page, response.content.decode()):
            if resolve(form.action.split("?")[0]).url_name not in NOT_FUZZED:
                found.setdefault((who, *form.key()), (who, form))
    return list(found.values()) + EXTRA(w)


@st.composite
def _value(draw, field: Field) -> str:
    if field.options and draw(st.booleans()):
        return draw(st.sampled_from(field.options))
    if field.value and draw(st.integers(0, 3)) == 0:
        return field.value
    return draw(nasty_value())


@st.composite
def filled(draw, form: Form) -> dict:
    """The form's fields, each kept, mutated, repeated or left out, and sometimes keys it never had."""
    data: dict = {}
    for field in form.fields:
        if field.name == "csrfmiddlewaretoken" or draw(st.integers(0, 5)) == 0:
            continue  # the test client does not check CSRF; a field left out is a value too
        if field.kind == "file":
            data[field.name] = _upload(draw(st.sampled_from(["a.xlsx", "a.csv", "../../x.xlsx", "客户.xlsx", ""])),
                                       draw(st.one_of(st.binary(max_size=2000),
                                                      st.sampled_from([b"", b"PK\x03\x04" + b"\x00" * 40,
                                                                       DEEP_JSON.encode()[:50_000]]))))
        elif draw(st.integers(0, 7)) == 0:
            data[field.name] = draw(st.lists(_value(field), min_size=2, max_size=4))  # the key repeated
        else:
            data[field.name] = draw(_value(field))
    if form.fields and draw(st.integers(0, 4)) == 0:
        name = draw(st.sampled_from(form.fields)).name
        data[draw(st.sampled_from([f"{name}[0]", f"{name}[a][b]", f"{name}.x", "__proto__", "submit-__dict__"]))] = \
            draw(nasty_value())
    return data


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile
    return SimpleUploadedFile(name or "upload", content)


def _refused(response) -> bool:
    """An answer of 400 and above, or an error message left for the page it sends back to."""
    queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
    return response.status_code >= 400 or any(m.level >= constants.ERROR for m in queued)


def _fuzz(client: Client, form: Form) -> None:
    @FUZZ_WEB
    @given(filled(form))
    def posted(data: dict) -> None:
        with rolled_back():
            before = row_counts()
            send = client.post if form.method == "post" else client.get
            try:
                response = send(form.action, data)
            except Exception as exc:  # the test client raises what the view raised: that is the 500
                raise AssertionError(f"{form.method} {form.action} raised {exc!r} with {_short(data)}") from exc
            assert response.status_code < 500, f"{form.method} {form.action}: {response.status_code} {_short(data)}"
            if _refused(response):
                assert row_counts() == before, f"{form.method} {form.action} refused but wrote: {_short(data)}"
    posted()


def _short(data: dict) -> str:
    return repr({k: (v[:80] + "…" if isinstance(v, str) and len(v) > 80 else v) for k, v in data.items()})[:1500]


def test_every_form_answers_random_and_hostile_values_without_a_500_and_writes_nothing_when_refused(client, world):
    forms = _forms(client, world)
    reached = {resolve(form.action.split("?")[0]).url_name for _who, form in forms}
    assert MUST <= reached, f"not reached: {sorted(MUST - reached)}"
    failures: list[str] = []

    for who, form in forms:
        client.force_login(world[who])
        try:
            _fuzz(client, form)
        except AssertionError as failure:
            failures.append(f"{who}: {str(failure)[:2000]}")

    assert not failures, f"{len(failures)} forms failed:\n" + "\n".join(failures)
