"""Rotating a subscription's signing secret (confirmed first on the page): the new one shown once, both signing
during the overlap, the old one alone no longer afterwards; the delivery log by pages, in a fixed number of queries."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api import sending, webhooks
from api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from engine.runtime import records
from kernel import events

from .test_webhooks import verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    caches["api"].clear()
    yield
    caches["api"].clear()


@pytest.fixture
def admin(world):
    from tests.kernel.conftest import make_user

    return make_user("s1_admin", world[0], "project_admin")


@pytest.fixture
def receiver(settings):
    from .test_webhooks import Receiver

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on 127.0.0.1: allowed here explicitly
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _start(world, customers, django_capture_on_commit_callbacks, unit: int = 0):
    p, u, units = world
    with django_capture_on_commit_callbacks(execute=True):
        records.start_record(u["sales_consultant"], p, "subscription",
                             {"unit_id": units[unit].pk, "customer_id": customers["buyer"].pk})


def test_rotating_asks_first_then_shows_the_new_secret_once(world, admin, client):
    p, u, units = world
    sub = WebhookSubscription.objects.create(project=p, name="finance", url="https://finance.example.com/h",
                                             kinds=[events.RECORD_STARTED])
    old = sub.secret
    client.force_login(admin)
    client.cookies["django_language"] = "zh-hans"
    url = reverse("webhooks", args=[p.code])

    asked = client.get(url, {"rotate": sub.pk}).content.decode()
    assert "更换“finance”的签名密钥？" in asked and "24 小时内" in asked and "data-rotate-button" in asked
    sub.refresh_from_db()
    assert sub.secret == old  # asking changes nothing

    done = client.post(url, {"action": "rotate", "subscription": sub.pk})
    sub.refresh_from_db()
    text = done.content.decode()
    assert done.status_code == 200 and sub.secret != old and sub.secret in text and old not in text
    assert "签名密钥已更换" in text and "“finance”的新签名密钥" in text
    assert (sub.previous_secret, sub.previous_secret_expires_at - sub.secret_rotated_at) == (old, timedelta(hours=24))
    again = client.get(url).content.decode()
    assert sub.secret not in again and "旧密钥签名至" in again  # shown once; the overlap is told


def test_a_subscription_of_another_project_is_not_rotated(world, admin, other, client):
    p, u, units = world
    theirs = WebhookSubscription.objects.create(project=other[0], name="bank", url="https://bank.example.com/h",
                                                kinds=[events.RECORD_STARTED])
    client.force_login(admin)
    response = client.post(reverse("webhooks", args=[p.code]), {"action": "rotate", "subscription": theirs.pk})
    assert response.status_code == 302
    secret = theirs.secret
    theirs.refresh_from_db()
    assert theirs.secret == secret and theirs.previous_secret == ""


def test_during_the_overlap_both_secrets_sign_and_after_it_only_the_new(world, customers, receiver,
                                                                        django_capture_on_commit_callbacks):
    p, u, units = world
    sub = WebhookSubscription.objects.create(project=p, name="finance", url=receiver.url,
                                             kinds=[events.RECORD_STARTED])
    old = sub.secret
    rotated = webhooks.rotate_secret(sub.pk, p)
    _start(world, customers, django_capture_on_commit_callbacks, 0)
    [(headers, body)] = receiver.received
    assert len(headers["Webhook-Signature"].split(" ")) == 2
    assert verify(rotated.secret, headers, body) and verify(old, headers, body)
    assert headers["Webhook-Signature"].split(" ")[0] == sending.sign(rotated.secret, headers["Webhook-Timestamp"],
                                                                       body.decode())  # the newest first

    WebhookSubscription.objects.filter(pk=sub.pk).update(previous_secret_expires_at=timezone.now())  # window over
    _start(world, customers, django_capture_on_commit_callbacks, 1)
    headers, body = receiver.received[1]
    assert verify(rotated.secret, headers, body) and not verify(old, headers, body)
    assert " " not in headers["Webhook-Signature"]


def test_rotating_twice_in_the_window_drops_the_oldest(world):
    p, u, units = world
    sub = WebhookSubscription.objects.create(project=p, name="finance", url="https://finance.example.com/h",
                                             kinds=[events.RECORD_STARTED])
    first = sub.secret
    second = webhooks.rotate_secret(sub.pk, p).secret
    third = webhooks.rotate_secret(sub.pk, p)
    assert sending.secrets_signing(third) == [third.secret, second] and first not in sending.secrets_signing(third)


def _deliveries(sub: WebhookSubscription, n: int) -> None:
    now = timezone.now()
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(subscription=sub, event_id=uuid.uuid4(), kind=events.RECORD_MOVED,
                        payload={"n": i}, created_at=now - timedelta(seconds=i), attempts=1,
                        status=DeliveryStatus.DELIVERED, response_code=200, delivered_at=now)
        for i in range(WebhookDelivery.objects.filter(subscription=sub).count(), n)])


def test_the_delivery_log_goes_by_pages_in_a_fixed_number_of_queries(world, admin, client):
    p, u, units = world
    sub = WebhookSubscription.objects.create(project=p, name="finance", url="https://finance.example.com/h",
                                             kinds=[events.RECORD_MOVED])
    WebhookSubscription.objects.create(project=p, name="bank", url="https://bank.example.com/h",
                                       kinds=[events.RECORD_MOVED])
    client.force_login(admin)
    url = reverse("webhooks", args=[p.code])

    def read(**params):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url, params)
        assert page.status_code == 200
        return page.content.decode(), len(queries.captured_queries)

    _deliveries(sub, 3)
    few, few_queries = read()
    assert few.count("data-delivery=") == 3 and 'aria-label="下一页"' not in few
    assert few_queries <= 12
    _deliveries(sub, webhooks_page_rows() * 2 + 7)
    first, many_queries = read()
    assert first.count("data-delivery=") == webhooks_page_rows() and "1 / 3" in first
    assert many_queries == few_queries  # 3 rows or 107: the same queries (rows, subscriptions, the count)
    last, last_queries = read(page=3)
    assert last.count("data-delivery=") == 7 and last_queries == many_queries
    newest = WebhookDelivery.objects.order_by("-created_at", "-pk").first()
    oldest = WebhookDelivery.objects.order_by("created_at", "pk").first()
    assert f'data-delivery="{newest.pk}"' in first and f'data-delivery="{oldest.pk}"' in last
    assert read(page="nonsense")[0].count("data-delivery=") == webhooks_page_rows()  # a bad page: the first


def webhooks_page_rows() -> int:
    from api.pages import DELIVERY_ROWS

    return DELIVERY_ROWS


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_with_a_rotation_and_a_refusal_reads_clean(world, admin, client, language, settings):
    from tests.web.page_text import problems, read

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    p, u, units = world
    sub = WebhookSubscription.objects.create(project=p, name="finance", url="https://10.0.0.9/h",
                                             kinds=[events.RECORD_STARTED])
    webhooks.rotate_secret(sub.pk, p)
    delivery = WebhookDelivery.objects.create(subscription=sub, event_id=uuid.uuid4(), kind=events.RECORD_STARTED,
                                              payload={}, attempts=1, refused_address="10.0.0.9",
                                              next_attempt_at=timezone.now())
    client.cookies["django_language"] = language
    client.force_login(admin)
    page = client.get(reverse("webhooks", args=[p.code]), {"rotate": sub.pk})
    text = page.content.decode()
    assert "data-refused" in text and "data-overlap" in text and "data-confirm-rotate" in text
    found = problems(read(text), chinese=language == "zh-hans",
                     codes={*events.KINDS, *DeliveryStatus.values},
                     data={p.code, p.name, sub.name, str(admin), sub.url, "10.0.0.9", str(delivery.event_id),
                           "English", "简体中文"},
                     allowed_words={"UTC", "HTTP", "JSON", "POST", "Webhook", "BI", "https", "API", "ok"})
    assert found == []
