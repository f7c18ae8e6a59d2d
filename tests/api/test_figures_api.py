"""Figures through the API: the numbers the project's dashboard shows (figures.board) for a period, money as
decimal strings, each figure named in words with its definition key; who sees which as the dashboard page;
period errors at their parameter; a fixed number of queries whatever the visits."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from figures import board as boards
from figures.periods import compared, local_today, period_of
from kernel import visits
from tests.kernel.conftest import make_user

from .conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/projects/S1/figures/"


def _visit(project, consultant, i: int, when=None) -> None:
    visits.register_visit(project_id=project.pk, received_by_id=consultant.pk, consultant_id=consultant.pk,
                          kind="visit", phone=f"+86136{i:08d}", name=f"客户{i}", token=f"v{i}", now=when)


def _headline(body: dict, definition: str) -> dict:
    return next(h for s in body["sections"] for h in s["headlines"] if h["definition"] == definition)


def test_a_manager_reads_the_dashboards_figures_for_the_month(world):
    p, u, units = world
    for i in range(3):
        _visit(p, u["sales_consultant"], i)
    today = local_today(p.zone)

    response = client_for(u["sales_manager"], language="en").get(URL, {"period": "month"})

    assert response.status_code == 200, response.content
    body = response.json()
    month = period_of("month", today)
    assert (body["view"], body["consultant"], body["time_zone"]) == ("project", None, "Asia/Shanghai")
    assert body["period"] == {"kind": "month", "first": month.first.isoformat(), "last": month.last.isoformat()}
    # what the headlines are compared with: the previous month, to date (the same days) while this one runs
    expected = compared(month, today)
    assert body["previous"] == {"kind": expected.kind.value, "first": expected.first.isoformat(),
                                "last": expected.last.isoformat()}
    assert body["previous"]["first"] == (month.first - timedelta(days=1)).replace(day=1).isoformat()
    visits_head = _headline(body, "visits.new_visits")
    assert (visits_head["title"], visits_head["kind"], visits_head["value"]) == ("New visits", "count", 3)
    on_sale = _headline(body, "inventory.value_on_sale")
    assert on_sale["value"] == "36699600.00" and on_sale["kind"] == "money"  # 12 units of 3 058 300.00, a string
    assert _headline(body, "sales.subscription_amount")["value"] == "0.00"
    # the same sections and numbers as the board the page shows
    board = boards.build(boards.PROJECT, [p], month, today)
    assert [s["key"] for s in body["sections"]] == [s.key for s in board.sections]
    money = [r[c["key"]] for s in body["sections"] for t in s["tables"] for c in t["columns"] if c["kind"] == "money"
             for r in t["rows"]]
    assert money and all(isinstance(v, str) and "." in v for v in money)  # decimal strings, never floats
    inventory = next(t for s in body["sections"] if s["key"] == "inventory" for t in s["tables"])
    assert inventory["definition"] == f"inventory.{inventory['key']}" and inventory["title"]


def test_titles_come_in_the_callers_language_and_definitions_stay(world):
    p, u, units = world

    en = client_for(u["sales_manager"], language="en").get(URL).json()
    zh = client_for(u["sales_manager"], language="zh-hans").get(URL).json()

    assert [h["definition"] for s in en["sections"] for h in s["headlines"]] == \
        [h["definition"] for s in zh["sections"] for h in s["headlines"]]
    assert _headline(zh, "visits.new_visits")["title"] != _headline(en, "visits.new_visits")["title"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in s["title"]) for s in zh["sections"])


def test_periods_by_kind_and_by_dates(world):
    p, u, units = world
    client = client_for(u["sales_manager"])
    now = timezone.now()
    _visit(p, u["sales_consultant"], 1, now - timedelta(days=40))
    _visit(p, u["sales_consultant"], 2)
    today = local_today(p.zone)

    day = client.get(URL, {"period": "day"}).json()
    year = client.get(URL, {"period": "year", "on": today.isoformat()}).json()
    ranged = client.get(URL, {"from": (today - timedelta(days=60)).isoformat(), "to": today.isoformat()}).json()
    week = client.get(URL, {"from": "2026-03-02", "to": "2026-03-08"}).json()

    assert day["period"]["kind"] == "day" and _headline(day, "visits.new_visits")["value"] == 1
    assert year["period"]["first"] == f"{today.year}-01-01"
    assert ranged["period"]["kind"] == "range" and _headline(ranged, "visits.new_visits")["value"] == 2
    assert week["period"] == {"kind": "week", "first": "2026-03-02", "last": "2026-03-08"}


@pytest.mark.parametrize(("params", "paths"), [
    ({"period": "quarter"}, ["period"]),
    ({"from": "2026-13-01", "to": "2026-12-31"}, ["from"]),
    ({"from": "2026-03-01"}, ["to"]),
    ({"from": "2026-03-10", "to": "2026-03-01"}, ["to"]),
    ({"from": "2020-01-01", "to": "2026-01-01"}, ["to"]),
    ({"on": "yesterday", "period": "day"}, ["on"]),
    ({"consultant": "999999"}, ["consultant"]),
])
def test_a_wrong_period_is_refused_at_its_parameter(world, params, paths):
    p, u, units = world

    refused = client_for(u["sales_manager"], language="en").get(URL, params)

    assert refused.status_code == 400
    body = refused.json()
    assert body["type"] == "/api/problems/bad_filter"
    assert [e["path"] for e in body["errors"]] == paths
    assert all(e["message"] for e in body["errors"])


def test_a_consultant_reads_their_own_figures_and_a_manager_may_pick_one(world):
    p, u, units = world
    colleague = make_user("s1_colleague", p, "sales_consultant")
    _visit(p, u["sales_consultant"], 1)
    _visit(p, colleague, 2)
    _visit(p, colleague, 3)

    own = client_for(u["sales_consultant"]).get(URL, {"consultant": colleague.pk}).json()
    picked = client_for(u["sales_manager"]).get(URL, {"consultant": colleague.pk}).json()

    assert (own["view"], own["consultant"]["id"]) == ("own", u["sales_consultant"].pk)  # never a colleague's
    assert _headline(own, "visits.new_visits")["value"] == 1
    assert "inventory" not in [s["key"] for s in own["sections"]]
    assert (picked["view"], picked["consultant"]["id"]) == ("own", colleague.pk)
    assert _headline(picked, "visits.new_visits")["value"] == 2


def test_other_members_are_refused_in_words_and_strangers_get_404(world, other):
    p, u, units = world

    refused = client_for(u["finance"], language="en").get(URL)
    stranger = client_for(other[1]["sales_manager"]).get(URL)
    scoped = client_for(u["sales_manager"], projects=[]).get(URL)

    assert refused.status_code == 403
    assert refused.json()["type"] == "/api/problems/not_permitted"
    assert "Smoke" in refused.json()["detail"] and "Finance" in refused.json()["detail"]
    assert stranger.status_code == 404 and stranger.json()["type"] == "/api/problems/not_found"
    assert scoped.status_code == 200
    from accounts.models import Membership

    Membership.objects.create(user=other[1]["sales_manager"], project=p, role="sales_manager")
    narrowed = client_for(other[1]["sales_manager"], projects=[other[0]])
    assert narrowed.get(URL).status_code == 404  # beyond the token's projects
    assert client_for(u["sales_manager"]).get("/api/v1/projects/NOPE/figures/").status_code == 404


def test_the_figures_cost_the_same_queries_for_3_visits_as_for_30(world):
    p, u, units = world
    client = client_for(u["sales_manager"])

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"period": "month"})
        assert response.status_code == 200
        return (len([q for q in queries.captured_queries if not q["sql"].startswith('UPDATE "api_apitoken"')]),
                _headline(response.json(), "visits.new_visits")["value"])

    for i in range(3):
        _visit(p, u["sales_consultant"], i)
    few = count()
    for i in range(3, 30):
        _visit(p, u["sales_consultant"], i)
    many = count()

    assert (few[1], many[1]) == (3, 30)
    assert few[0] == many[0]
