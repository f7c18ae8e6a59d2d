"""Who may read and move what through the API: the pages' rules, and tokens never beyond their scope."""
import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from engine.models import Record
from engine.runtime import records

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(world, customers):
    p, u, units = world
    return records.start_record(u["sales_consultant"], p, "subscription",
                                {"unit_id": units[0].pk, "customer_id": customers["buyer"].pk})


def test_a_member_of_another_project_never_reads_or_moves_anything_of_this_one(world, other, deal):
    outsider = client_for(other[1]["sales_manager"])
    for url in ["/api/v1/projects/S1/units/", "/api/v1/projects/S1/records/", "/api/v1/projects/S1/customers/",
                "/api/v1/projects/S1/payments/", "/api/v1/projects/S1/buildings/", "/api/v1/projects/S1/members/",
                f"/api/v1/records/{deal.pk}/", f"/api/v1/records/{deal.pk}/history/"]:
        assert outsider.get(url).status_code == 404, url
    task = deal.tasks.get()
    for url, body in [(f"/api/v1/records/{deal.pk}/transitions/quote/", {"form": {}}),
                      (f"/api/v1/records/{deal.pk}/withdraw/", {}),
                      (f"/api/v1/tasks/{task.pk}/claim/", {}),
                      ("/api/v1/projects/S1/records/", {"flow": "subscription", "data": {}})]:
        assert outsider.post(url, body, format="json").status_code == 404, url
    assert [t["project"] for t in outsider.get("/api/v1/tasks/").json()["results"]] == []
    assert [p["code"] for p in outsider.get("/api/v1/projects/").json()] == ["S2"]
    deal.refresh_from_db()
    assert (deal.state, deal.revision) == ("draft", 1)


def test_a_read_only_token_reads_but_cannot_write(world, deal):
    p, u, units = world
    reader = client_for(u["sales_consultant"], scope="read")

    assert reader.get(f"/api/v1/records/{deal.pk}/").status_code == 200
    refused = reader.post(f"/api/v1/records/{deal.pk}/transitions/quote/",
                          {"form": {"unit_id": units[0].pk, "payment_plan": "combined"}}, format="json")
    assert refused.status_code == 403
    assert refused.json()["type"] == "/api/problems/permission_denied"
    assert Record.objects.get(pk=deal.pk).revision == 1


def test_a_token_scoped_to_one_project_cannot_see_the_other(world, other, deal):
    from accounts.models import Membership

    p, u, units = world
    both = u["sales_manager"]
    Membership.objects.create(user=both, project=other[0], role="sales_manager")
    scoped = client_for(both, projects=[other[0]])

    assert [x["code"] for x in scoped.get("/api/v1/projects/").json()] == ["S2"]
    assert scoped.get("/api/v1/projects/S1/records/").status_code == 404
    assert scoped.get(f"/api/v1/records/{deal.pk}/").status_code == 404
    assert all(t["project"] == "S2" for t in scoped.get("/api/v1/tasks/").json()["results"])
    assert scoped.get("/api/v1/tasks/", {"project": "S1"}).status_code == 404
    unscoped = client_for(both)
    assert unscoped.get(f"/api/v1/records/{deal.pk}/").status_code == 200


def test_a_role_that_takes_no_part_in_the_flow_is_told_so(world, deal):
    p, u, units = world
    leasing = client_for(u["leasing_agent"])

    refused = leasing.get(f"/api/v1/records/{deal.pk}/")
    assert refused.status_code == 403 and deal.reference in refused.json()["detail"]
    assert leasing.get("/api/v1/projects/S1/records/").json()["results"] == []


def test_a_colleagues_record_is_hidden_from_another_consultant(world, deal):
    from tests.kernel.conftest import make_user

    p, u, units = world
    colleague = client_for(make_user("colleague", p, "sales_consultant"))

    assert colleague.get(f"/api/v1/records/{deal.pk}/").status_code == 403
    assert colleague.get("/api/v1/projects/S1/records/").json()["results"] == []


def test_no_credentials_a_wrong_or_revoked_token_is_a_401_in_words(world):
    from django.utils import timezone

    p, u, units = world
    assert APIClient().get("/api/v1/projects/").status_code == 401
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Bearer rep_nothing", HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.get("/api/v1/projects/").json()["detail"] == "This token is not known. Check that it was copied whole."
    token, secret = ApiToken.issue(u["sales_manager"], "bank")
    revoked = APIClient()
    revoked.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert revoked.get("/api/v1/projects/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert revoked.get("/api/v1/projects/").status_code == 401
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert ApiToken.objects.filter(secret_hash__contains=secret).count() == 0  # only the hash is kept
    chinese = APIClient()
    chinese.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.get("/api/v1/projects/").json()["detail"] == "此令牌已被吊销，请申请新的令牌。"


def test_a_session_needs_the_csrf_token_to_write(world, deal):
    p, u, units = world
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(u["sales_consultant"])

    assert browser.get(f"/api/v1/records/{deal.pk}/").status_code == 200
    assert browser.post(f"/api/v1/records/{deal.pk}/withdraw/", {}, format="json").status_code == 403


def test_rates_are_limited_per_token(world, settings):
    from django.core.cache import caches
    from rest_framework.settings import api_settings

    from api.auth import PerTokenThrottle

    p, u, units = world
    caches["api"].clear()
    PerTokenThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "api": "3/min"}
    try:
        a, b = client_for(u["sales_manager"]), client_for(u["sales_manager"])
        assert [a.get("/api/v1/projects/").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert b.get("/api/v1/projects/").status_code == 200  # another token counts apart
        assert int(a.get("/api/v1/projects/")["Retry-After"]) > 0
    finally:
        PerTokenThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        caches["api"].clear()
