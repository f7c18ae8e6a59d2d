"""Who sees which records on the pages (engine.runtime.visibility): a consultant their own work, not a colleague's
customer's subscription (record page, records list, search, inbox); a sales manager the team's; a leasing agent the
leases and no subscription; the project setting opens colleagues' records; each refusal said in words; the pages
read as many queries for 3 records as for 30."""
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engine.models import Record, Task
from engine.runtime import records
from kernel import customers as kernel_customers
from tests.flows.conftest import customers, world  # noqa: F401 (the fixtures)
from tests.kernel.conftest import make_user


@pytest.fixture
def team(world, customers):  # noqa: F811
    """Consultant A (the world's) and consultant B, each with a registered customer and a subscription for them."""
    p, u, units = world
    a, b = u["sales_consultant"], make_user("consultant_b", p, "sales_consultant")
    li, wang = customers["buyer"], customers["spouse"]
    kernel_customers.claim(project_id=p.pk, customer_id=li.pk, consultant_id=a.pk)
    kernel_customers.claim(project_id=p.pk, customer_id=wang.pk, consultant_id=b.pk)
    sub_a = records.start_record(a, p, "subscription", {"customer_id": li.pk, "unit_id": units[0].pk})
    sub_b = records.start_record(b, p, "subscription", {"customer_id": wang.pk, "unit_id": units[1].pk})
    return {"p": p, "u": u, "a": a, "b": b, "sub_a": sub_a, "sub_b": sub_b, "li": li, "wang": wang,
            "customers": customers}


def _get(client, user, address, params=None, language="zh-hans"):
    client.force_login(user)
    return client.get(address, params or {}, HTTP_ACCEPT_LANGUAGE=language)


def _page(record) -> str:
    return reverse("web:record", args=[record.pk])


def _list(flow="subscription", **params):
    return reverse("web:record-list-flow", args=["S1", flow]), params


def _listed(html: str) -> int:
    return html.count('<tr data-record="')


def test_a_consultant_is_refused_a_colleagues_customers_subscription_in_words(client, team):
    t = team

    own = _get(client, t["a"], _page(t["sub_a"]))
    theirs = _get(client, t["a"], _page(t["sub_b"]))

    assert own.status_code == 200
    html = theirs.content.decode()
    assert theirs.status_code == 403
    assert f"{t['sub_b'].reference} 属于其他置业顾问的工作" in html and "请联系销售经理" in html
    assert "deal_price" not in html and t["wang"].name not in html  # nothing of the deal itself
    assert _get(client, t["b"], _page(t["sub_b"])).status_code == 200


def test_the_refusal_speaks_english_when_switched(client, team):
    t = team
    client.force_login(t["a"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    html = unescape(client.get(_page(t["sub_b"])).content.decode())

    assert f"{t['sub_b'].reference} is another consultant's work." in html and "属于" not in html


def test_the_list_and_its_search_show_a_consultant_their_own_records_only(client, team):
    t = team

    listed = _get(client, t["a"], *_list()).content.decode()

    assert _listed(listed) == 1 and t["sub_a"].reference in listed and t["sub_b"].reference not in listed
    assert _listed(_get(client, t["a"], *_list(q=t["wang"].name)).content.decode()) == 0
    assert _listed(_get(client, t["a"], *_list(q=t["sub_b"].reference)).content.decode()) == 0
    assert _listed(_get(client, t["a"], *_list(q=t["li"].name)).content.decode()) == 1


def test_the_inbox_and_its_search_show_a_consultant_their_own_tasks_only(client, team):
    t = team

    inbox = _get(client, t["a"], reverse("web:inbox")).content.decode()

    assert t["sub_a"].reference in inbox and t["sub_b"].reference not in inbox
    for term in (t["sub_b"].reference, t["wang"].name):
        searched = _get(client, t["a"], f"{reverse('web:inbox')}?q={term}").content.decode()
        assert searched.count('<tr data-task="') == 0, term
    assert _get(client, t["b"], f"{reverse('web:inbox')}?q={t['wang'].name}").content.decode().count(
        '<tr data-task="') == 1


def test_a_sales_manager_sees_both_consultants_records(client, team):
    t = team
    manager = t["u"]["sales_manager"]

    listed = _get(client, manager, *_list()).content.decode()

    assert _listed(listed) == 2
    assert _listed(_get(client, manager, *_list(q=t["wang"].name)).content.decode()) == 1
    assert _get(client, manager, _page(t["sub_a"])).status_code == 200
    assert _get(client, manager, _page(t["sub_b"])).status_code == 200


def test_a_leasing_agent_is_refused_a_subscription_but_opens_a_lease(client, team):
    t = team
    agent = t["u"]["leasing_agent"]
    lease = records.start_record(agent, t["p"], "lease", {})

    refused = _get(client, agent, _page(t["sub_a"]))
    html = refused.content.decode()

    assert refused.status_code == 403
    assert f"{t['sub_a'].reference} 是一条「认购」记录" in html and "（租赁专员）不参与「认购」流程" in html
    assert "¥" not in html  # no deal price, no discount
    assert _get(client, agent, _page(lease)).status_code == 200
    tabs = _get(client, agent, *_list("lease")).content.decode()
    assert 'data-flow="lease"' in tabs and 'data-flow="subscription"' not in tabs
    listing = _get(client, agent, *_list())
    assert listing.status_code == 403 and "不参与「认购」流程，因此不为您列出其记录" in listing.content.decode()


def test_finance_sees_every_deal_its_steps_pass_through(client, team):
    t = team

    assert _listed(_get(client, t["u"]["finance"], *_list()).content.decode()) == 2
    assert _get(client, t["u"]["finance"], _page(t["sub_b"])).status_code == 200
    assert _get(client, t["u"]["customer_service"], _page(t["sub_b"])).status_code == 403  # no part in the flow


def test_the_project_setting_opens_colleagues_records(client, team):
    t = team
    t["p"].settings = {**t["p"].settings, "consultants_see_colleagues_records": True}
    t["p"].save()

    assert _get(client, t["a"], _page(t["sub_b"])).status_code == 200
    assert _listed(_get(client, t["a"], *_list()).content.decode()) == 2


def test_a_record_no_consultant_holds_is_the_whole_teams(client, team):
    # given a walk-in the sales manager queued for launch day, for a customer nobody registered
    t = team
    queued = records.start_record(t["u"]["sales_manager"], t["p"], "queue_number",
                                  {"customer_id": t["customers"]["c5"].pk, "batch": "A"})

    assert _get(client, t["a"], _page(queued)).status_code == 200
    assert _get(client, t["b"], _page(queued)).status_code == 200


def test_a_consultant_who_held_a_task_on_a_colleagues_record_still_sees_it(client, team):
    t = team
    Task.objects.filter(record=t["sub_b"]).update(closed_by=t["a"])

    assert _get(client, t["a"], _page(t["sub_b"])).status_code == 200


def test_claiming_a_colleagues_task_posted_by_hand_is_refused_in_words(client, team):
    t = team
    task = Task.objects.get(record=t["sub_b"], status="open")
    client.force_login(t["a"])

    response = client.post(reverse("web:claim"), {"task": [str(task.pk)]}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert f"{t['sub_b'].reference} 属于其他置业顾问的工作" in response.content.decode()
    assert Task.objects.get(pk=task.pk).assignee_id is None


def test_a_step_posted_on_a_colleagues_record_is_refused(client, team):
    t = team
    client.force_login(t["a"])

    response = client.post(reverse("web:fire", args=[t["sub_b"].pk, "cancel"]), {"cancel-reason": "x"})

    assert response.status_code == 403
    assert Record.objects.get(pk=t["sub_b"].pk).state == t["sub_b"].state


def _queries(client, address) -> int:
    client.get(address)  # warm the definition cache and the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries)


def test_the_list_and_the_inbox_read_as_many_queries_for_3_records_as_for_30(client, team):
    t = team
    client.force_login(t["a"])
    counted = []
    for total in (3, 30):
        while Record.objects.filter(created_by=t["a"], flow="subscription").count() < total:
            records.start_record(t["a"], t["p"], "subscription", {"customer_id": t["li"].pk})
            records.start_record(t["b"], t["p"], "subscription", {"customer_id": t["wang"].pk})
        address, params = _list()
        listed = client.get(address, params).content.decode()
        assert _listed(listed) == total
        inbox = client.get(reverse("web:inbox")).content.decode()
        assert inbox.count('<tr data-task="') == total
        counted.append((_queries(client, address), _queries(client, reverse("web:inbox")),
                        _queries(client, _page(t["sub_a"]))))

    assert counted[0] == counted[1], counted


def test_each_record_is_judged_by_its_own_flow_version(client, engine_flows, people):
    # given customer service takes part in the discount flow only from version 2 on
    from engine import versions

    p = people
    clerk = make_user("service", p["p1"], "customer_service")
    versions.publish(p["p1"], "discount")
    old = records.start_record(p["consultant"], p["p1"], "discount", {"unit_id": 7})
    versions.publish(p["p1"], "discount", overrides={
        "states": {"ready": {"tasks": {"confirm": {"roles": ["finance", "customer_service"]}}}}})
    new = records.start_record(p["consultant"], p["p1"], "discount", {"unit_id": 7})

    # then the list shows the version-2 record only, and the version-1 record's page is refused
    listed = _get(client, clerk, reverse("web:record-list-flow", args=["P1", "discount"])).content.decode()
    assert new.reference in listed and old.reference not in listed and _listed(listed) == 1
    assert _get(client, clerk, _page(new)).status_code == 200
    assert _get(client, clerk, _page(old)).status_code == 403
