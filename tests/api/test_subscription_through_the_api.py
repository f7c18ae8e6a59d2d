"""A whole subscription driven through the API alone: start from a unit and a customer, quote, submit, approve
as the sales manager, read its history; with idempotent retries, a stale If-Match, and refusals in Chinese."""
import json

import pytest

from engine.models import HistoryEntry, Record
from kernel.models import Unit

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _start(client, unit, customer, key="start-1"):
    return client.post("/api/v1/projects/S1/records/", {"flow": "subscription",
                                                        "data": {"unit_id": unit.pk, "customer_id": customer.pk}},
                       format="json", HTTP_IDEMPOTENCY_KEY=key)


def _step(detail, name):
    return next(t for t in detail["transitions"] if t["name"] == name)


def test_a_subscription_from_start_to_approval_through_the_api(world, customers):
    p, u, units = world
    consultant, manager = client_for(u["sales_consultant"]), client_for(u["sales_manager"])
    buyer = customers["buyer"]

    started = _start(consultant, units[0], buyer)
    assert started.status_code == 201, started.content
    record = started.json()
    assert (record["flow"], record["state"], record["reference"]) == ("subscription", "draft", "SUB-000001")
    assert started["ETag"] == f'"{record["revision"]}"'
    quote = _step(record, "quote")
    # the step's form as a JSON Schema: an integrator fills it from the document alone
    assert set(quote["form_schema"]["required"]) == {"unit_id", "payment_plan"}
    assert "payment_plan" in quote["form_schema"]["properties"]

    # 3 % off by hand: beyond the consultant's 2 %, within the manager's approval
    quoted = consultant.post(f"/api/v1/records/{record['id']}/transitions/quote/",
                             {"form": {"unit_id": units[0].pk, "payment_plan": "combined", "discount_rate": "0.03"}},
                             format="json", HTTP_IF_MATCH=started["ETag"])
    assert quoted.status_code == 200, quoted.content
    assert quoted.json()["data"]["price_snapshot"]["approval"] == "approval"
    # the deposit as a JSON number, written as the integrator's system writes it: kept exact, not a float
    body = '{"form": {"buyers": [{"customer_id": ' + str(buyer.pk) + '}], "deposit": 30000.00}}'
    submitted = consultant.post(f"/api/v1/records/{record['id']}/transitions/submit/", body,
                                content_type="application/json", HTTP_IF_MATCH=quoted["ETag"])
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "manager_discount_review"
    assert Record.objects.get(pk=record["id"]).data["deposit"] == "30000.00"  # a JSON number arrives exact

    inbox = manager.get("/api/v1/tasks/", {"project": "S1", "flow": "subscription"})
    assert inbox.status_code == 200
    task = next(t for t in inbox.json()["results"] if t["record"] == record["id"])
    assert task["name"] == "manager_discount_approval" and task["kind"] == "approval"
    voted = manager.post(f"/api/v1/tasks/{task['id']}/vote/", {"decision": "approve", "comment": "ok"},
                         format="json")
    assert voted.status_code == 200, voted.content
    assert voted.json()["state"] == "awaiting_contract"
    assert Unit.objects.get(pk=units[0].pk).status == "subscribed"

    history = consultant.get(f"/api/v1/records/{record['id']}/history/").json()["results"]
    assert [e["kind"] for e in history][0] == "start"
    assert [e["transition"] for e in history if e["transition"]][:2] == ["quote", "submit"]
    assert history[-1]["to_state"] == "awaiting_contract"
    assert history[-1]["actor"] == str(u["sales_manager"])


def test_a_retried_start_returns_the_first_response_and_starts_once(world, customers):
    p, u, units = world
    consultant = client_for(u["sales_consultant"])
    first = _start(consultant, units[0], customers["buyer"], key="same")
    again = _start(consultant, units[0], customers["buyer"], key="same")

    assert first.status_code == again.status_code == 201
    assert json.loads(again.content) == json.loads(first.content)
    assert again["Idempotent-Replayed"] == "true"
    assert Record.objects.filter(flow="subscription").count() == 1


def test_the_same_key_with_another_body_is_refused(world, customers):
    p, u, units = world
    consultant = client_for(u["sales_consultant"])
    _start(consultant, units[0], customers["buyer"], key="k")
    other = _start(consultant, units[1], customers["buyer"], key="k")

    assert other.status_code == 422
    assert other["Content-Type"] == "application/problem+json"
    assert other.json()["type"] == "/api/problems/idempotency_key_reused"
    assert Record.objects.filter(flow="subscription").count() == 1


def test_a_stale_if_match_is_refused_with_412_and_nothing_moves(world, customers):
    p, u, units = world
    consultant = client_for(u["sales_consultant"])
    record = _start(consultant, units[0], customers["buyer"]).json()
    form = {"form": {"unit_id": units[0].pk, "payment_plan": "combined"}}
    assert consultant.post(f"/api/v1/records/{record['id']}/transitions/quote/", form, format="json",
                           HTTP_IF_MATCH=f'"{record["revision"]}"').status_code == 200
    stale = consultant.post(f"/api/v1/records/{record['id']}/transitions/quote/", form, format="json",
                            HTTP_IF_MATCH=f'"{record["revision"]}"')

    assert stale.status_code == 412
    assert stale.json()["status"] == 412 and "SUB-000001" in stale.json()["detail"]
    assert HistoryEntry.objects.filter(record_id=record["id"], transition="quote").count() == 1


def test_form_errors_name_each_field_and_speak_the_callers_language(world, customers):
    p, u, units = world
    record = _start(client_for(u["sales_consultant"]), units[0], customers["buyer"]).json()
    chinese = client_for(u["sales_consultant"], language="zh-hans")

    refused = chinese.post(f"/api/v1/records/{record['id']}/transitions/quote/",
                           {"form": {"unit_id": units[0].pk, "discount_rate": "abc"}}, format="json")

    assert refused.status_code == 422
    body = refused.json()
    assert {e["path"] for e in body["errors"]} >= {"payment_plan"}
    assert "此字段为必填项" in [e["message"] for e in body["errors"] if e["path"] == "payment_plan"]
    assert body["detail"].startswith("请修改以下字段")


def test_a_role_refusal_is_in_chinese_for_a_chinese_caller(world, customers):
    p, u, units = world
    record = _start(client_for(u["sales_consultant"]), units[0], customers["buyer"]).json()
    finance = client_for(u["finance"], language="zh-hans")

    refused = finance.post(f"/api/v1/records/{record['id']}/transitions/quote/",
                           {"form": {"unit_id": units[0].pk, "payment_plan": "combined"}}, format="json")

    assert refused.status_code == 403, refused.content
    assert refused.json()["detail"].startswith("您无权")
