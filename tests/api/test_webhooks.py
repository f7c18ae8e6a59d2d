"""Webhooks: events delivered after commit to a real receiver on loopback, signed, retried, redelivered,
never across projects; the admins' page. The receiver checks signatures with docs/api.md's snippet."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from api import sending, webhooks
from api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from engine.runtime import records
from kernel import events

pytestmark = pytest.mark.django_db


def verify(secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """docs/api.md's check, as a receiver writes it."""
    timestamp = headers["Webhook-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False  # too old: a replay
    expected = "v1=" + hmac.new(secret.encode(), f"{timestamp}.{body.decode()}".encode(), hashlib.sha256).hexdigest()
    # one signature, or two (newest first) while a rotated secret is in its overlap
    return any(hmac.compare_digest(given, expected) for given in headers["Webhook-Signature"].split(" "))


class Receiver:
    """An HTTP server on 127.0.0.1 answering the codes queued in `answers` (then 200), keeping what came."""

    def __init__(self) -> None:
        self.answers: list[int] = []
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                code = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok" if code < 300 else b"try later")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        return [json.loads(body) for _headers, body in self.received]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on 127.0.0.1: allowed here explicitly
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def admin(world):
    from tests.kernel.conftest import make_user

    return make_user("s1_admin", world[0], "project_admin")


@pytest.fixture(autouse=True)
def fresh_cache():
    caches["api"].clear()  # ids may be reused between tests on SQLite
    yield
    caches["api"].clear()


def _subscribe(project, url: str, kinds=events.KINDS) -> WebhookSubscription:
    return WebhookSubscription.objects.create(project=project, name="finance", url=url, kinds=list(kinds))


def _start(world, customers, django_capture_on_commit_callbacks, unit: int = 0):
    p, u, units = world
    with django_capture_on_commit_callbacks(execute=True):
        return records.start_record(u["sales_consultant"], p, "subscription",
                                    {"unit_id": units[unit].pk, "customer_id": customers["buyer"].pk})


def test_events_reach_a_receiver_signed_after_commit(world, customers, receiver, django_capture_on_commit_callbacks):
    p, u, units = world
    sub = _subscribe(p, receiver.url)
    record = _start(world, customers, django_capture_on_commit_callbacks)

    kinds = [e["kind"] for e in receiver.events()]
    assert events.RECORD_STARTED in kinds and events.TASK_CREATED in kinds, kinds
    for headers, body in receiver.received:
        assert verify(sub.secret, headers, body)
        assert json.loads(body)["id"] == headers["Webhook-Id"]
        assert not verify("whsec_wrong", headers, body)
    started = next(e for e in receiver.events() if e["kind"] == events.RECORD_STARTED)
    assert started["data"]["record"]["reference"] == record.reference and started["project"] == p.pk
    logged = WebhookDelivery.objects.filter(subscription=sub)
    assert {d.status for d in logged} == {DeliveryStatus.DELIVERED}
    assert {d.response_code for d in logged} == {200} and all(d.attempts == 1 for d in logged)


def test_nothing_is_sent_when_the_transaction_rolls_back(world, customers, receiver,
                                                         django_capture_on_commit_callbacks):
    from django.db import transaction

    p, u, units = world
    _subscribe(p, receiver.url)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            records.start_record(u["sales_consultant"], p, "subscription",
                                 {"unit_id": units[0].pk, "customer_id": customers["buyer"].pk})
            raise RuntimeError("rolled back")
    assert callbacks == [] and receiver.received == [] and not WebhookDelivery.objects.exists()


def test_a_receiver_failing_twice_gets_it_on_the_third_attempt(world, customers, receiver,
                                                               django_capture_on_commit_callbacks):
    p, u, units = world
    _subscribe(p, receiver.url, [events.RECORD_STARTED])
    receiver.answers = [503, 500]
    _start(world, customers, django_capture_on_commit_callbacks)  # the first attempt: 503

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.PENDING, 1, 503)
    assert delivery.response_excerpt == "try later" and delivery.next_attempt_at > delivery.created_at
    first_wait = delivery.next_attempt_at - delivery.created_at
    assert sending.attempt(delivery.pk) is None  # not due yet: the retry waits for its time
    sending.attempt(delivery.pk, due_by=delivery.next_attempt_at)  # the retry job's run, when due: 500
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.PENDING, 2, 500)
    assert delivery.next_attempt_at - delivery.created_at > first_wait  # backing off
    sending.attempt(delivery.pk, due_by=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.DELIVERED, 3, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    ids = {headers["Webhook-Id"] for headers, _body in receiver.received}
    assert len(receiver.received) == 3 and ids == {str(delivery.event_id)}  # one event id: the receiver dedupes
    assert sending.attempt(delivery.pk, due_by=timezone.now() + timedelta(days=1)) is None  # delivered: done


def test_an_unreachable_receiver_is_given_up_after_the_last_backoff(world, customers, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # 127.0.0.1
    p, u, units = world
    _subscribe(p, "http://127.0.0.1:9/nothing-listens", [events.RECORD_STARTED])  # the discard port: refused
    _start(world, customers, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.response_code is None and delivery.response_excerpt
    for _ in range(sending.MAX_ATTEMPTS - 1):
        sending.attempt(delivery.pk, due_by=timezone.now() + timedelta(days=1))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, sending.MAX_ATTEMPTS)


def test_redelivery_by_hand_sends_the_same_event_again(world, admin, customers, receiver, client,
                                                       django_capture_on_commit_callbacks):
    p, u, units = world
    _subscribe(p, receiver.url, [events.RECORD_STARTED])
    _start(world, customers, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("webhooks", args=[p.code]), {"action": "redeliver", "delivery": delivery.pk})
    assert response.status_code == 302
    assert len(receiver.received) == 2
    assert receiver.received[0][1] == receiver.received[1][1]  # the same body, the same event id
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1


def test_a_subscription_of_one_project_gets_nothing_of_another(world, customers, other, receiver,
                                                                django_capture_on_commit_callbacks):
    p2, u2, units2 = other
    _subscribe(p2, receiver.url)
    _start(world, customers, django_capture_on_commit_callbacks)  # in S1
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_a_disabled_subscription_and_unticked_kinds_get_nothing(world, customers, receiver,
                                                                django_capture_on_commit_callbacks):
    p, u, units = world
    _subscribe(p, receiver.url, [events.PAYMENT_RECORDED])
    WebhookSubscription.objects.create(project=p, name="off", url=receiver.url, kinds=list(events.KINDS),
                                       active=False)
    _start(world, customers, django_capture_on_commit_callbacks)
    assert receiver.received == []


def test_no_query_and_no_payload_for_a_project_without_subscriptions(world, django_assert_num_queries):
    p, u, units = world
    webhooks.subscribed_kinds(p.pk)  # the first look reads (and caches) the project's kinds

    def payload():
        raise AssertionError("the payload is built only when someone wants it")

    with django_assert_num_queries(0):
        webhooks.on_event(p.pk, events.RECORD_MOVED, payload)


def test_the_page_adds_a_subscription_with_checkboxes_shows_the_secret_once_and_disables(
        world, admin, client, django_capture_on_commit_callbacks):
    p, u, units = world
    client.force_login(admin)
    url = reverse("webhooks", args=[p.code])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and 'type="checkbox"' in page.content.decode()
    assert "发起了一张单据" in page.content.decode() and "新增订阅" in page.content.decode()

    refused = client.post(url, {"action": "create", "name": "finance", "url": "http://finance.example.com/h",
                                "kinds": [events.RECORD_STARTED]})
    assert refused.status_code == 400 and "https://" in refused.content.decode()
    assert not WebhookSubscription.objects.exists()
    none_ticked = client.post(url, {"action": "create", "name": "finance", "url": "https://finance.example.com/h"})
    assert none_ticked.status_code == 400 and "请至少勾选一种事件" in none_ticked.content.decode()

    made = client.post(url, {"action": "create", "name": "finance", "url": "https://finance.example.com/h",
                             "kinds": [events.PAYMENT_RECORDED, events.RECORD_STARTED]})
    sub = WebhookSubscription.objects.get()
    assert made.status_code == 200 and sub.secret in made.content.decode()
    assert sub.kinds == [events.RECORD_STARTED, events.PAYMENT_RECORDED] and sub.created_by == admin
    assert sub.secret not in client.get(url).content.decode()  # shown once
    assert webhooks.subscribed_kinds(p.pk) == {events.RECORD_STARTED, events.PAYMENT_RECORDED}

    with django_capture_on_commit_callbacks(execute=True):  # the cache is dropped once the change is committed
        client.post(url, {"action": "disable", "subscription": sub.pk})
    sub.refresh_from_db()
    assert not sub.active and webhooks.subscribed_kinds(p.pk) == frozenset()


def test_the_page_is_for_the_project_admins_of_that_project_only(world, admin, other, client):
    p, u, units = world
    client.force_login(u["sales_consultant"])
    assert client.get(reverse("webhooks", args=[p.code])).status_code == 404
    client.force_login(admin)
    assert client.get(reverse("webhooks", args=[other[0].code])).status_code == 404


def test_the_delivery_log_reads_a_fixed_number_of_queries(world, admin, customers, receiver, client,
                                                          django_capture_on_commit_callbacks,
                                                          django_assert_max_num_queries):
    p, u, units = world
    _subscribe(p, receiver.url)
    _start(world, customers, django_capture_on_commit_callbacks, 0)
    _start(world, customers, django_capture_on_commit_callbacks, 1)
    client.force_login(admin)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("webhooks", args=[p.code]))
    assert page.status_code == 200 and page.content.decode().count("data-delivery=") >= 4
    assert "HTTP 200" in page.content.decode()


def test_a_deal_through_the_api_sends_moves_tasks_and_the_units_status(world, customers, receiver,
                                                                       django_capture_on_commit_callbacks):
    from .conftest import client_for

    p, u, units = world
    sub = _subscribe(p, receiver.url)
    consultant, manager = client_for(u["sales_consultant"]), client_for(u["sales_manager"])
    with django_capture_on_commit_callbacks(execute=True):
        record = consultant.post(f"/api/v1/projects/{p.code}/records/", {"flow": "subscription", "data": {
            "unit_id": units[0].pk, "customer_id": customers["buyer"].pk}}, format="json").json()
        consultant.post(f"/api/v1/records/{record['id']}/transitions/quote/", {"form": {
            "unit_id": units[0].pk, "payment_plan": "combined", "discount_rate": "0.03"}}, format="json")
        consultant.post(f"/api/v1/records/{record['id']}/transitions/submit/", {"form": {
            "buyers": [{"customer_id": customers["buyer"].pk}], "deposit": "30000.00"}}, format="json")
        task = next(t for t in manager.get("/api/v1/tasks/", {"project": "S1"}).json()["results"]
                    if t["record"] == record["id"])
        voted = manager.post(f"/api/v1/tasks/{task['id']}/vote/", {"decision": "approve"}, format="json")
    assert voted.status_code == 200, voted.content

    sent = receiver.events()
    kinds = {e["kind"] for e in sent}
    assert {events.RECORD_STARTED, events.RECORD_MOVED, events.TASK_CREATED, events.UNIT_STATUS_CHANGED} <= kinds
    moves = [e["data"]["transition"] for e in sent if e["kind"] == events.RECORD_MOVED]
    assert moves[:2] == ["quote", "submit"]
    statuses = [e["data"]["unit"]["status"] for e in sent if e["kind"] == events.UNIT_STATUS_CHANGED]
    assert statuses[-1] == "subscribed" and all(e["data"]["unit"]["id"] == units[0].pk
                                                for e in sent if e["kind"] == events.UNIT_STATUS_CHANGED)
    assert all(verify(sub.secret, headers, body) for headers, body in receiver.received)
    assert len({e["id"] for e in sent}) == len(sent)  # one id per event


def test_the_api_lists_subscriptions_without_secrets_and_the_log_to_admins_only(
        world, admin, customers, other, receiver, django_capture_on_commit_callbacks):
    from .conftest import client_for

    p, u, units = world
    sub = _subscribe(p, receiver.url, [events.RECORD_STARTED])
    _subscribe(other[0], receiver.url)
    _start(world, customers, django_capture_on_commit_callbacks)
    api = client_for(admin, scope="read")

    listed = api.get(f"/api/v1/projects/{p.code}/webhooks/")
    assert listed.status_code == 200, listed.content
    assert [w["id"] for w in listed.json()] == [sub.pk] and sub.secret not in listed.content.decode()
    log = api.get(f"/api/v1/projects/{p.code}/webhooks/deliveries/").json()["results"]
    assert [(d["event"], d["status"], d["response_code"]) for d in log] == [(events.RECORD_STARTED, "delivered", 200)]

    refused = client_for(u["sales_consultant"]).get(f"/api/v1/projects/{p.code}/webhooks/")
    assert refused.status_code == 403 and "admins" in refused.json()["detail"]
    assert api.get(f"/api/v1/projects/{other[0].code}/webhooks/").status_code == 404


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_webhooks_page_reads_clean(world, admin, customers, receiver, client, language,
                                       django_capture_on_commit_callbacks):
    from tests.web.page_text import problems, read

    p, u, units = world
    sub = _subscribe(p, receiver.url, [events.RECORD_STARTED, events.TASK_CREATED])
    receiver.answers = [503]
    _start(world, customers, django_capture_on_commit_callbacks)
    client.cookies["django_language"] = language
    client.force_login(admin)
    page = client.get(reverse("webhooks", args=[p.code]))

    ids = {str(d.event_id) for d in WebhookDelivery.objects.all()}
    found = problems(read(page.content.decode()), chinese=language == "zh-hans",
                     codes={*events.KINDS, *DeliveryStatus.values},
                     data={p.code, p.name, sub.name, str(admin), receiver.url, "try later", "English", "简体中文", *ids},
                     allowed_words={"UTC", "HTTP", "JSON", "POST", "Webhook", "BI", "https", "API", "ok"})
    assert found == []


def test_a_payment_is_sent_with_its_amount_as_a_decimal_string(world, receiver, django_capture_on_commit_callbacks):
    from kernel import payments
    from tests.kernel.conftest import make_ctx

    p, u, units = world
    _subscribe(p, receiver.url, [events.PAYMENT_RECORDED])
    with django_capture_on_commit_callbacks(execute=True):
        payments.record(make_ctx(p, flow="subscription"), "deposit", "50000.10")
    [sent] = receiver.events()
    assert sent["kind"] == events.PAYMENT_RECORDED
    assert sent["data"]["payment"]["amount"] == "50000.10" and sent["data"]["payment"]["kind"] == "deposit"
    from datetime import datetime

    assert datetime.fromisoformat(sent["data"]["payment"]["received_at"]).utcoffset() is not None  # with its offset


def test_a_missed_deadline_sends_task_escalated(engine_flows, people, receiver, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from engine import versions
    from engine.runtime import transitions
    from engine.runtime.timers import fire_due_timers

    good = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}
    versions.publish(people["p1"], "discount")
    record = records.start_record(people["consultant"], people["p1"], "discount", good)
    transitions.fire(people["consultant"], record.pk, "submit", good)
    _subscribe(people["p1"], receiver.url, [events.TASK_ESCALATED])
    with django_capture_on_commit_callbacks(execute=True):
        assert fire_due_timers(timezone.now() + timedelta(hours=25)) == 2
    sent = receiver.events()
    assert [e["kind"] for e in sent] == [events.TASK_ESCALATED] * 2
    assert all(e["data"]["record"]["reference"] == record.reference for e in sent)
