"""Task actions and record moves through the API: each calls one engine service, with its refusals."""
import pytest

from engine.models import Task, TaskStatus
from engine.runtime import records

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world, customers):
    p, u, units = world
    return records.start_record(u["sales_consultant"], p, "subscription",
                                {"unit_id": units[0].pk, "customer_id": customers["buyer"].pk})


def _task(record):
    return Task.objects.get(record=record, status=TaskStatus.OPEN)


def test_claim_unclaim_transfer_delegate_and_hand_back(world, draft):
    from tests.kernel.conftest import make_user

    p, u, units = world
    colleague = make_user("colleague2", p, "sales_consultant")
    consultant = client_for(u["sales_consultant"])
    task = _task(draft)

    claimed = consultant.post(f"/api/v1/tasks/{task.pk}/claim/", {}, format="json")
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["tasks"][0]["assignee"] == u["sales_consultant"].pk
    assert consultant.post(f"/api/v1/tasks/{task.pk}/unclaim/", {}, format="json").status_code == 200
    assert _task(draft).assignee_id is None
    consultant.post(f"/api/v1/tasks/{task.pk}/claim/", {}, format="json")

    delegated = consultant.post(f"/api/v1/tasks/{task.pk}/delegate/", {"user": colleague.pk, "comment": "cover"},
                                format="json")
    assert delegated.status_code == 200, delegated.content
    assert _task(draft).delegate_id == colleague.pk
    handed = client_for(colleague).post(f"/api/v1/tasks/{task.pk}/return/", {"comment": "checked the ID"},
                                        format="json")
    assert handed.status_code == 204, handed.content  # done; handed back, the colleague no longer sees the deal
    assert _task(draft).delegate_id is None

    transferred = consultant.post(f"/api/v1/tasks/{task.pk}/transfer/", {"user": colleague.pk}, format="json")
    assert transferred.status_code == 200, transferred.content
    assert _task(draft).assignee_id == colleague.pk


def test_a_colleague_must_be_named_and_a_stranger_is_refused_in_words(world, draft, other):
    p, u, units = world
    consultant = client_for(u["sales_consultant"])
    task = _task(draft)
    consultant.post(f"/api/v1/tasks/{task.pk}/claim/", {}, format="json")

    missing = consultant.post(f"/api/v1/tasks/{task.pk}/transfer/", {}, format="json")
    assert missing.status_code == 422 and missing.json()["errors"][0]["path"] == "user"
    stranger = consultant.post(f"/api/v1/tasks/{task.pk}/transfer/", {"user": other[1]["sales_consultant"].pk},
                               format="json")
    assert stranger.status_code in (400, 403, 422), stranger.content
    assert stranger.json()["detail"]
    assert _task(draft).assignee_id == u["sales_consultant"].pk


def test_withdraw_and_send_back(world, draft):
    p, u, units = world
    consultant, manager = client_for(u["sales_consultant"]), client_for(u["sales_manager"])
    quoted = consultant.post(f"/api/v1/records/{draft.pk}/transitions/quote/",
                             {"form": {"unit_id": units[0].pk, "payment_plan": "combined", "discount_rate": "0.03"}},
                             format="json")
    submitted = consultant.post(f"/api/v1/records/{draft.pk}/transitions/submit/",
                                {"form": {"buyers": [{"customer_id": draft.data["customer_id"]}],
                                          "deposit": "30000.00"}}, format="json", HTTP_IF_MATCH=quoted["ETag"])
    assert submitted.json()["state"] == "manager_discount_review"

    no_reason = manager.post(f"/api/v1/records/{draft.pk}/send-back/", {"to_state": "draft"}, format="json")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["path"] == "comment"
    back = manager.post(f"/api/v1/records/{draft.pk}/send-back/",
                        {"to_state": "draft", "comment": "Within 2 %, please"}, format="json")
    assert back.status_code == 200, back.content
    assert back.json()["state"] == "draft"
    history = consultant.get(f"/api/v1/records/{draft.pk}/history/").json()["results"]
    assert history[-1]["kind"] == "send_back" and history[-1]["comment"] == "Within 2 %, please"


def test_add_approver_and_reject(world, draft):
    p, u, units = world
    consultant, manager = client_for(u["sales_consultant"]), client_for(u["sales_manager"])
    consultant.post(f"/api/v1/records/{draft.pk}/transitions/quote/",
                    {"form": {"unit_id": units[0].pk, "payment_plan": "combined", "discount_rate": "0.03"}},
                    format="json")
    consultant.post(f"/api/v1/records/{draft.pk}/transitions/submit/",
                    {"form": {"buyers": [{"customer_id": draft.data["customer_id"]}], "deposit": "30000.00"}},
                    format="json")
    approval = _task(draft)

    neither = manager.post(f"/api/v1/tasks/{approval.pk}/add-approver/", {}, format="json")
    assert neither.status_code == 422
    added = manager.post(f"/api/v1/tasks/{approval.pk}/add-approver/", {"role": "project_director"}, format="json")
    assert added.status_code == 200, added.content
    assert len([t for t in added.json()["tasks"] if t["kind"] == "approval"]) == 2

    rejected = manager.post(f"/api/v1/tasks/{approval.pk}/vote/", {"decision": "reject", "comment": "too much"},
                            format="json")
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["state"] == "draft"
    bad = manager.post(f"/api/v1/tasks/{approval.pk}/vote/", {"decision": "maybe"}, format="json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "decision"
