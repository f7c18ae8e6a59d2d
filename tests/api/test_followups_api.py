"""Follow-ups through the API: the follow-up form's service, its checks and protection rule, its words; who sees
which follow-ups, phones masked as the customers resource masks them; the filters; a fixed number of queries."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel import customers as kernel_customers
from kernel import followups
from kernel.models import CustomerRegistration, FollowUp
from tests.kernel.conftest import make_user

from .conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/projects/S1/follow-ups/"


@pytest.fixture
def li_na(world):
    """李娜, registered (and protected) to the project's sales consultant."""
    p, u, units = world
    return kernel_customers.register(project_id=p.pk, consultant_id=u["sales_consultant"].pk, name="李娜",
                                     phone="+8613912345678").customer


def _log(project, customer, user, token: str, *, next_on=None, stage="strong_interest", note="想要三房"):
    return followups.log_follow_up(project_id=project.pk, customer_id=customer.pk, by_user_id=user.pk,
                                   channel="call", stage=stage, note=note, next_on=next_on, token=token)


def test_a_consultant_logs_a_follow_up_of_their_customer(world, li_na):
    p, u, units = world
    client = client_for(u["sales_consultant"])
    next_on = followups.today_in(p) + timedelta(days=3)

    # when
    made = client.post(URL, {"customer": li_na.pk, "channel": "call", "stage": "strong_interest",
                             "note": "想要三房，周末带家人来", "next_on": next_on.isoformat()},
                       format="json", HTTP_IDEMPOTENCY_KEY="fu-1")

    # then
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["channel"], body["channel_title"], body["stage"], body["next_on"]) == (
        "call", "Call", "strong_interest", next_on.isoformat())
    assert body["customer"] == {"id": li_na.pk, "name": "李娜", "phone": "+8613912345678", "phone_masked": False}
    assert body["by"]["id"] == body["consultant"]["id"] == u["sales_consultant"].pk
    registration = CustomerRegistration.objects.get(project=p, customer=li_na)
    assert (registration.stage, registration.next_follow_up_on) == ("strong_interest", next_on)
    # a retry with the same key logs nothing more
    again = client.post(URL, {"customer": li_na.pk, "channel": "call", "stage": "strong_interest",
                              "note": "想要三房，周末带家人来", "next_on": next_on.isoformat()},
                        format="json", HTTP_IDEMPOTENCY_KEY="fu-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert FollowUp.objects.count() == 1


def test_another_consultants_protected_customer_is_refused_in_words(world, li_na):
    p, u, units = world
    colleague = make_user("s1_colleague", p, "sales_consultant")

    refused = client_for(colleague, language="zh-hans").post(
        URL, {"customer": li_na.pk, "channel": "call", "stage": "strong_interest", "note": "抢单"}, format="json")

    assert refused.status_code == 403
    body = refused.json()
    assert body["type"] == "/api/problems/customer_protected"
    assert refused["Content-Type"] == "application/problem+json"
    assert "李娜" in body["detail"] or "保护" in body["detail"]
    assert not FollowUp.objects.exists()
    # the manager may
    assert client_for(u["sales_manager"]).post(
        URL, {"customer": li_na.pk, "channel": "visit", "stage": "strong_interest", "note": "经理回访"},
        format="json").status_code == 201


def test_finance_may_not_log_a_follow_up(world, li_na):
    p, u, units = world

    refused = client_for(u["finance"]).post(
        URL, {"customer": li_na.pk, "channel": "call", "stage": "strong_interest", "note": "x"}, format="json")

    assert refused.status_code == 403
    assert refused.json()["type"] == "/api/problems/not_permitted"
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize(("change", "path", "code"), [
    ({"channel": "fax"}, "channel", "follow_up_channel_unknown"),
    ({"stage": "hot"}, "stage", "follow_up_stage_unknown"),
    ({"note": "  "}, "note", "follow_up_note_missing"),
    ({"next_on": "2020-01-01"}, "next_on", "follow_up_date_in_past"),
    ({"note": "长" * 1001}, "note", "follow_up_note_too_long"),
])
def test_a_refused_field_is_named_by_its_path_in_the_callers_language(world, li_na, change, path, code):
    p, u, units = world
    body = {"customer": li_na.pk, "channel": "call", "stage": "strong_interest", "note": "想要三房", **change}

    refused = client_for(u["sales_consultant"], language="en").post(URL, body, format="json")

    assert refused.status_code == 422, refused.content
    problem = refused.json()
    assert problem["type"] == f"/api/problems/{code}"
    assert [e["path"] for e in problem["errors"]] == [path]
    assert problem["errors"][0]["message"] == problem["detail"]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in problem["detail"].replace("长", ""))
    assert not FollowUp.objects.exists()


def test_the_shape_is_checked_first_with_each_fields_path(world, li_na):
    p, u, units = world

    refused = client_for(u["sales_consultant"]).post(URL, {"customer": "李娜", "next_on": "tomorrow"}, format="json")

    assert refused.status_code == 422
    assert sorted(e["path"] for e in refused.json()["errors"]) == ["channel", "customer", "next_on", "stage"]


def test_a_customer_not_registered_in_the_project_is_refused_at_customer(world, customers):
    p, u, units = world

    refused = client_for(u["sales_manager"]).post(
        URL, {"customer": customers["buyer"].pk, "channel": "call", "stage": "strong_interest", "note": "x"},
        format="json")

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["path"] == "customer"


def test_who_sees_which_follow_ups_and_phones_masked_per_role(world, li_na):
    p, u, units = world
    colleague = make_user("s1_colleague", p, "sales_consultant")
    wang = kernel_customers.register(project_id=p.pk, consultant_id=colleague.pk, name="王五",
                                     phone="+8613700001111").customer
    _log(p, li_na, u["sales_consultant"], "a")
    _log(p, wang, colleague, "b")
    _log(p, li_na, u["sales_manager"], "c")

    mine = client_for(u["sales_consultant"]).get(URL).json()["results"]
    everyone = client_for(u["sales_manager"]).get(URL).json()["results"]

    # the consultant: their customer's follow-ups (their own and the manager's), not the colleague's customer
    assert [r["customer"]["name"] for r in mine] == ["李娜", "李娜"]
    assert [r["customer"]["name"] for r in everyone] == ["李娜", "王五", "李娜"]
    assert mine[0]["customer"]["phone"] == "+8613912345678"
    phones = {r["customer"]["name"]: (r["customer"]["phone"], r["customer"]["phone_masked"]) for r in everyone}
    customers_list = {c["name"]: (c["phone"], c["phone_masked"])
                      for c in client_for(u["sales_manager"]).get("/api/v1/projects/S1/customers/").json()["results"]}
    assert phones == customers_list  # masked exactly as the customers resource masks them


def test_filters_customer_consultant_and_due(world, li_na):
    p, u, units = world
    colleague = make_user("s1_colleague", p, "sales_consultant")
    wang = kernel_customers.register(project_id=p.pk, consultant_id=colleague.pk, name="王五",
                                     phone="+8613700001111").customer
    zhao = kernel_customers.register(project_id=p.pk, consultant_id=colleague.pk, name="赵六",
                                     phone="+8613700002222").customer
    today = followups.today_in(p)
    _log(p, li_na, u["sales_consultant"], "a", next_on=today)
    old = _log(p, wang, colleague, "b", next_on=today + timedelta(days=1))
    FollowUp.objects.filter(pk=old.pk).update(next_on=today - timedelta(days=2))
    CustomerRegistration.objects.filter(customer=wang).update(next_follow_up_on=today - timedelta(days=2))
    _log(p, zhao, colleague, "c", next_on=today)
    _log(p, zhao, colleague, "d", next_on=None)  # the latest follow-up of 赵六 planned nothing more
    manager = client_for(u["sales_manager"])

    def names(**params):
        response = manager.get(URL, params)
        assert response.status_code == 200, response.content
        return [r["customer"]["name"] for r in response.json()["results"]]

    assert names(customer=li_na.pk) == ["李娜"]
    assert names(consultant=colleague.pk) == ["赵六", "赵六", "王五"]
    assert names(due="today") == ["李娜"]
    assert names(due="overdue") == ["王五"]
    bad = manager.get(URL, {"due": "tomorrow"})
    assert bad.status_code == 400 and bad.json()["type"] == "/api/problems/bad_filter"
    assert manager.get(URL, {"customer": "李娜"}).status_code == 400


def test_the_stages_are_listed_in_words(world):
    p, u, units = world

    stages = client_for(u["sales_consultant"], language="zh-hans").get(URL + "stages/").json()

    assert "strong_interest" in [s["code"] for s in stages]
    assert all(s["title"] and s["title"] != s["code"] for s in stages)


def test_a_stranger_gets_404_and_reads_nothing(world, other, li_na):
    p, u, units = world
    _log(p, li_na, u["sales_consultant"], "a")
    stranger = client_for(other[1]["sales_manager"])

    assert stranger.get(URL).status_code == 404
    refused = stranger.post(URL, {"customer": li_na.pk, "channel": "call", "stage": "strong_interest",
                                  "note": "x"}, format="json")
    assert refused.status_code == 404
    assert FollowUp.objects.count() == 1


def test_a_read_only_token_may_list_but_not_log(world, li_na):
    p, u, units = world
    reader = client_for(u["sales_consultant"], scope="read")

    assert reader.get(URL).status_code == 200
    assert reader.post(URL, {"customer": li_na.pk, "channel": "call", "stage": "strong_interest", "note": "x"},
                       format="json").status_code == 403
    assert not FollowUp.objects.exists()


def _grow(world, upto: int) -> None:
    p, u, units = world
    colleague = make_user(f"s1_c{upto}", p, "sales_consultant")
    for i in range(FollowUp.objects.count(), upto):
        owner = u["sales_consultant"] if i % 2 else colleague
        customer = kernel_customers.register(project_id=p.pk, consultant_id=owner.pk, name=f"客户{i}",
                                             phone=f"+86137{i:08d}").customer
        _log(p, customer, owner, f"t{i}", next_on=followups.today_in(p))


@pytest.mark.parametrize("role", ["sales_manager", "sales_consultant"])
def test_the_list_costs_the_same_queries_for_3_rows_as_for_30(world, role):
    p, u, units = world
    client = client_for(u[role])

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len([q for q in queries.captured_queries if not q["sql"].startswith('UPDATE "api_apitoken"')]), \
            len(response.json()["results"])

    _grow(world, 3)
    few = [count(URL), count(URL + "?due=today")]
    _grow(world, 30)
    many = [count(URL), count(URL + "?due=today")]

    assert [n for n, _rows in few] == [n for n, _rows in many]
    assert [rows for _n, rows in many] == ([30, 30] if role == "sales_manager" else [15, 15])
    assert [rows for _n, rows in few] == ([3, 3] if role == "sales_manager" else [1, 1])


def test_a_superuser_holding_no_role_here_is_told_a_role_is_needed(world, li_na):
    p, u, units = world
    root = make_user("root")
    root.is_superuser = True
    root.save()

    refused = client_for(root, language="en").post(
        URL, {"customer": li_na.pk, "channel": "call", "stage": "strong_interest", "note": "x"}, format="json")

    assert refused.status_code == 403
    assert refused.json()["type"] == "/api/problems/not_a_member"
    assert "S1" in refused.json()["detail"]
    assert client_for(root).get(URL).status_code == 200
    assert not FollowUp.objects.exists()
