"""The record page offers nothing a customer's protection would refuse (issue 14, the tester's walk).

A consultant bound by a colleague's protection of the record's customer sees one notice
at the top, in words (whose customer, until when with the zone, whom to ask), and no step
forms, claim or complete buttons, votes, send back or withdraw. If a refusal still comes
after a submit (the customer was registered meanwhile), the form comes back as typed.
"""
import re

import pytest
from django.urls import reverse

from engine.models import Record, Task
from engine.runtime import records
from kernel import customers as kernel_customers
from kernel.models import CustomerRegistration
from tests.flows.conftest import world  # noqa: F401 (the fixture)
from tests.flows.steps import fire
from tests.kernel.conftest import make_user

NOTICE = re.compile(r"该客户受 Sales_Consultant 保护至 (\d{4}年)?\d+月\d+日 \d\d:\d\d（北京时间），"
                    r"请联系Sales_Consultant或销售经理。")


@pytest.fixture
def reservation(world):  # noqa: F811
    p, u, units = world
    u["colleague"] = make_user("colleague", p, "sales_consultant")
    # colleagues' records open, as a project may set: otherwise the colleague would not see this record at all
    # (engine.runtime.visibility; tests/web/test_record_visibility.py)
    p.settings = {**p.settings, "consultants_see_colleagues_records": True}
    p.save()
    customer = kernel_customers.register(project_id=p.pk, consultant_id=u["sales_consultant"].pk, name="张三",
                                         phone="13812340001").customer
    rsv = records.start_record(u["sales_consultant"], p, "reservation", {"unit_id": units[0].pk,
                                                                          "customer_id": customer.pk})
    rsv = fire(u["sales_consultant"], rsv, "hold", {"unit_id": units[0].pk, "deposit": "5000.00"}, to="held")
    return p, u, rsv, customer


def _page(client, user, rsv):
    client.force_login(user)
    response = client.get(f"/records/{rsv.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    return response.content.decode()


def test_a_colleague_sees_whose_customer_it_is_and_no_step_claim_or_complete(client, reservation):
    p, u, rsv, customer = reservation
    assert Task.objects.filter(record_id=rsv.pk, status="open", assignee=None).exists()  # a task one could claim

    page = _page(client, u["colleague"], rsv)

    assert len(NOTICE.findall(page)) == 1 and page.count("data-protected") == 1
    for step in ("convert", "cancel"):
        assert reverse("web:fire", args=[rsv.pk, step]) not in page
    assert 'data-action="claim"' not in page and 'data-action="complete"' not in page
    assert "None" not in page and "customer_protected" not in page


@pytest.mark.parametrize("who", ["sales_consultant", "sales_manager"])
def test_the_consultant_and_a_manager_are_offered_the_steps_without_the_notice(client, reservation, who):
    p, u, rsv, customer = reservation

    page = _page(client, u[who], rsv)

    assert "data-protected" not in page and not NOTICE.search(page)
    assert reverse("web:fire", args=[rsv.pk, "cancel"]) in page


def test_a_refusal_after_the_submit_keeps_the_typed_reason(client, reservation):
    p, u, rsv, customer = reservation
    # the colleague's page was drawn while nobody protected the customer; then the protection runs again
    CustomerRegistration.objects.filter(customer=customer).update(consultant=u["colleague"])
    client.force_login(u["colleague"])
    form = client.get(f"/records/{rsv.pk}/").content.decode()
    assert reverse("web:fire", args=[rsv.pk, "cancel"]) in form
    CustomerRegistration.objects.filter(customer=customer).update(consultant=u["sales_consultant"])

    response = client.post(reverse("web:fire", args=[rsv.pk, "cancel"]),
                           {"cancel-reason": "客户改买隔壁楼盘", "revision": rsv.revision, "idempotency_key": "k1"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")

    page = response.content.decode()
    assert response.status_code == 400
    assert "客户改买隔壁楼盘" in page  # the reason as typed
    assert "由 Sales_Consultant 保护至" in page and "（北京时间）" in page  # the refusal, at the form
    assert len(NOTICE.findall(page)) == 1
    assert Record.objects.get(pk=rsv.pk).state == "held"
