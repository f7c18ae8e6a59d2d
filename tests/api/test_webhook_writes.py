"""Webhook subscriptions written through the API: made, changed, deleted and their secret rotated with the page's
validation (private targets refused, at least one event) and its rule (the project's admins, a write token)."""
from __future__ import annotations

import uuid

import pytest
from django.core.cache import caches
from django.utils import timezone

from api import sending, webhooks
from api.models import WebhookDelivery, WebhookSubscription
from kernel import events

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # as in production: these tests send nothing
    caches["api"].clear()
    yield
    caches["api"].clear()


@pytest.fixture
def admin(world):
    from tests.kernel.conftest import make_user

    return make_user("s1_admin", world[0], "project_admin")


def _url(p, *tail) -> str:
    return "/".join([f"/api/v1/projects/{p.code}/webhooks", *map(str, tail)]) + "/"


def test_an_admin_adds_a_subscription_and_gets_its_secret_once(world, admin, django_capture_on_commit_callbacks):
    p, u, units = world
    api = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        made = api.post(_url(p), {"name": " finance ", "url": "https://finance.example.com/h",
                                  "events": [events.PAYMENT_RECORDED, events.RECORD_STARTED]}, format="json")
    assert made.status_code == 201, made.content
    sub = WebhookSubscription.objects.get()
    body = made.json()
    assert body["secret"] == sub.secret and body["id"] == sub.pk and body["name"] == "finance"
    assert body["events"] == [events.RECORD_STARTED, events.PAYMENT_RECORDED] == sub.kinds
    assert sub.created_by == admin and body["active"] is True and body["previous_secret_signs_until"] is None
    assert webhooks.subscribed_kinds(p.pk) == {events.RECORD_STARTED, events.PAYMENT_RECORDED}
    listed = api.get(_url(p))
    assert sub.secret not in listed.content.decode() and api.get(_url(p, sub.pk)).json()["url"] == sub.url


@pytest.mark.parametrize(("language", "words"), [("en", "is a link-local address"), ("zh-hans", "是链路本地地址")])
def test_a_private_target_is_refused_with_the_field_named(world, admin, language, words):
    p, u, units = world
    refused = client_for(admin, language=language).post(_url(p), {
        "name": "finance", "url": "https://169.254.169.254/latest/meta-data/", "events": [events.RECORD_STARTED]},
        format="json")
    assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
    [error] = refused.json()["errors"]
    assert error["path"] == "url" and words in error["message"], error
    assert not WebhookSubscription.objects.exists()


def test_no_events_and_a_bad_active_are_refused_field_by_field(world, admin):
    p, u, units = world
    refused = client_for(admin).post(_url(p), {"name": "finance", "url": "https://finance.example.com/h",
                                               "events": [], "active": "yes"}, format="json")
    assert refused.status_code == 422
    assert {e["path"] for e in refused.json()["errors"]} == {"events", "active"}
    unknown = client_for(admin).post(_url(p), {"name": "finance", "url": "https://finance.example.com/h",
                                               "events": ["record.exploded"]}, format="json")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["path"] == "events"
    assert not WebhookSubscription.objects.exists()


def test_only_admins_with_a_write_token_change_subscriptions(world, admin, other):
    p, u, units = world
    body = {"name": "finance", "url": "https://finance.example.com/h", "events": [events.RECORD_STARTED]}
    read_only = client_for(admin, scope="read").post(_url(p), body, format="json")
    assert read_only.status_code == 403 and read_only.json()["type"] == "/api/problems/permission_denied"
    manager = client_for(u["sales_manager"]).post(_url(p), body, format="json")
    assert manager.status_code == 403 and manager.json()["type"] == "/api/problems/not_admin"
    assert client_for(admin).post(_url(other[0]), body, format="json").status_code == 404
    assert not WebhookSubscription.objects.exists()

    theirs = WebhookSubscription.objects.create(project=other[0], name="bank", url="https://bank.example.com/h",
                                                kinds=[events.RECORD_STARTED])
    api = client_for(admin)
    assert api.patch(_url(p, theirs.pk), {"name": "mine"}, format="json").status_code == 404
    assert api.delete(_url(p, theirs.pk)).status_code == 404
    assert api.post(_url(p, theirs.pk, "rotate-secret")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "bank" and theirs.previous_secret == ""


def test_a_token_of_another_project_does_not_reach_this_ones_webhooks(world, other):
    from accounts.models import Membership
    from tests.kernel.conftest import make_user

    p, u, units = world
    both = make_user("both_admin", p, "project_admin")
    Membership.objects.create(user=both, project=other[0], role="project_admin")
    narrow = client_for(both, projects=[other[0]])  # an admin of both, with a token for S2 only
    made = narrow.post(_url(p), {"name": "x", "url": "https://x.example.com/h", "events": [events.RECORD_STARTED]},
                       format="json")
    assert made.status_code == 404 and not WebhookSubscription.objects.exists()
    assert narrow.get(_url(other[0])).status_code == 200


def test_patch_changes_what_is_sent_and_keeps_the_checks(world, admin, django_capture_on_commit_callbacks):
    p, u, units = world
    sub = WebhookSubscription.objects.create(project=p, name="finance", url="https://finance.example.com/h",
                                             kinds=[events.RECORD_STARTED])
    api = client_for(admin)
    refused = api.patch(_url(p, sub.pk), {"url": "https://10.1.2.3/h"}, format="json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["path"] == "url"
    sub.refresh_from_db()
    assert sub.url == "https://finance.example.com/h"

    webhooks.subscribed_kinds(p.pk)  # cached
    with django_capture_on_commit_callbacks(execute=True):
        changed = api.patch(_url(p, sub.pk), {"events": [events.UNIT_STATUS_CHANGED], "active": False},
                            format="json")
    assert changed.status_code == 200, changed.content
    sub.refresh_from_db()
    assert (sub.name, sub.kinds, sub.active) == ("finance", [events.UNIT_STATUS_CHANGED], False)
    assert webhooks.subscribed_kinds(p.pk) == frozenset()  # disabled: the cache saw it at once
    assert "secret" not in changed.json()


def test_delete_removes_the_subscription_and_its_log(world, admin, django_capture_on_commit_callbacks):
    p, u, units = world
    sub = WebhookSubscription.objects.create(project=p, name="finance", url="https://finance.example.com/h",
                                             kinds=[events.RECORD_STARTED])
    WebhookDelivery.objects.create(subscription=sub, event_id=uuid.uuid4(), kind=events.RECORD_STARTED, payload={})
    webhooks.subscribed_kinds(p.pk)
    with django_capture_on_commit_callbacks(execute=True):
        deleted = client_for(admin).delete(_url(p, sub.pk))
    assert deleted.status_code == 204
    assert not WebhookSubscription.objects.exists() and not WebhookDelivery.objects.exists()
    assert webhooks.subscribed_kinds(p.pk) == frozenset()


def test_rotating_through_the_api_gives_the_new_secret_and_the_overlap(world, admin):
    p, u, units = world
    sub = WebhookSubscription.objects.create(project=p, name="finance", url="https://finance.example.com/h",
                                             kinds=[events.RECORD_STARTED])
    old = sub.secret
    api = client_for(admin)
    rotated = api.post(_url(p, sub.pk, "rotate-secret"), HTTP_IDEMPOTENCY_KEY="rotate-1")
    assert rotated.status_code == 200, rotated.content
    sub.refresh_from_db()
    body = rotated.json()
    assert body["secret"] == sub.secret != old and sending.secrets_signing(sub) == [sub.secret, old]
    until = timezone.datetime.fromisoformat(body["previous_secret_signs_until"])
    assert abs((until - timezone.now()).total_seconds() - 24 * 3600) < 60
    replayed = api.post(_url(p, sub.pk, "rotate-secret"), HTTP_IDEMPOTENCY_KEY="rotate-1")
    sub.refresh_from_db()
    assert replayed.json()["secret"] == sub.secret == body["secret"]  # a retry rotates once
    assert replayed["Idempotent-Replayed"] == "true"


def test_a_retried_create_makes_one_subscription(world, admin):
    p, u, units = world
    api = client_for(admin)
    body = {"name": "finance", "url": "https://finance.example.com/h", "events": [events.RECORD_STARTED]}
    first = api.post(_url(p), body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    again = api.post(_url(p), body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert WebhookSubscription.objects.count() == 1


def test_the_log_through_the_api_says_why_a_delivery_was_not_sent(world, admin):
    p, u, units = world
    sub = WebhookSubscription.objects.create(project=p, name="finance", url="https://hooks.example.test/h",
                                             kinds=[events.RECORD_STARTED])
    WebhookDelivery.objects.create(subscription=sub, event_id=uuid.uuid4(), kind=events.RECORD_STARTED,
                                   payload={}, attempts=1, refused_address="127.0.0.1")
    [row] = client_for(admin).get(_url(p, "deliveries")).json()["results"]
    assert row["refused_address"] == "127.0.0.1"
    assert row["refusal"].startswith("hooks.example.test resolves to 127.0.0.1, this machine itself")


def test_a_subscription_can_be_added_disabled(world, admin, django_capture_on_commit_callbacks):
    p, u, units = world
    with django_capture_on_commit_callbacks(execute=True):
        made = client_for(admin).post(_url(p), {"name": "later", "url": "https://later.example.com/h",
                                                "events": [events.RECORD_MOVED], "active": False}, format="json")
    assert made.status_code == 201 and made.json()["active"] is False
    assert WebhookSubscription.objects.get().active is False and webhooks.subscribed_kinds(p.pk) == frozenset()


def test_an_admin_redelivers_through_the_api_with_the_same_event_id(world, admin, customers, other, settings,
                                                                    django_capture_on_commit_callbacks):
    from engine.runtime import records

    from .test_webhooks import Receiver

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on 127.0.0.1
    p, u, units = world
    receiver = Receiver()
    try:
        WebhookSubscription.objects.create(project=p, name="erp", url=receiver.url, kinds=[events.RECORD_STARTED])
        with django_capture_on_commit_callbacks(execute=True):
            records.start_record(u["sales_consultant"], p, "subscription",
                                 {"unit_id": units[0].pk, "customer_id": customers["buyer"].pk})
        delivery = WebhookDelivery.objects.get()
        api = client_for(admin)
        with django_capture_on_commit_callbacks(execute=True):
            again = api.post(_url(p, "deliveries", delivery.pk, "redeliver"))
        assert again.status_code == 202, again.content
        assert again.json()["event_id"] == str(delivery.event_id)
        assert len(receiver.received) == 2 and receiver.received[0][1] == receiver.received[1][1]
        assert receiver.received[0][0]["Webhook-Id"] == receiver.received[1][0]["Webhook-Id"]
        assert client_for(admin, scope="read").post(_url(p, "deliveries", delivery.pk, "redeliver")).status_code == 403
        assert api.post(_url(other[0], "deliveries", delivery.pk, "redeliver")).status_code == 404
        assert client_for(u["sales_manager"]).post(_url(p, "deliveries", delivery.pk, "redeliver")).status_code == 403
        assert len(receiver.received) == 2
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
