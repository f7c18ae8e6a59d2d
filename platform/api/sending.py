"""Sending webhook deliveries: each attempt claims its delivery, signs it and POSTs it (api.webhooks writes them).

The huey jobs (api.tasks) call `attempt` and `sweep`; api.webhooks queues those jobs. This module is what both
need, so neither of those imports the other (the no-cycles contract).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import targets
from .models import DeliveryStatus, WebhookDelivery, WebhookSubscription

log = logging.getLogger("api.webhooks")

BACKOFF: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                                  timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 10
# the queued first attempt has this long to take a new delivery before the sweep does (a crash between the
# commit and the queueing, a lost job); shorter than BACKOFF[0], so the queued job never sends a retry early
HANDOFF_GRACE = timedelta(seconds=30)
SWEEP_LIMIT = 200  # attempts a sweep makes at most; the next minute's sweep goes on


def secrets_signing(subscription: WebhookSubscription, at: datetime | None = None) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one within its overlap."""
    at = at or timezone.now()
    out = [subscription.secret]
    if subscription.previous_secret and subscription.previous_secret_expires_at and \
            subscription.previous_secret_expires_at > at:
        out.append(subscription.previous_secret)
    return out


def body_of(delivery: WebhookDelivery) -> str:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def sign(secret: str, timestamp: str, body: str) -> str:
    return "v1=" + hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[str], timestamp: str, body: str) -> str:
    """`v1=<new>` or, within a rotation's overlap, `v1=<new> v1=<old>` (space-separated, newest first)."""
    return " ".join(sign(secret, timestamp, body) for secret in secrets)


def _claim(deliveries: QuerySet[WebhookDelivery], due_by: datetime) -> WebhookDelivery | None:
    """Take one pending delivery of `deliveries` due by `due_by`, the earliest first, for one attempt: in its own
    short transaction, locked with SKIP LOCKED (PostgreSQL; another consumer holding it is passed over, not
    waited for), its attempt counted and the next one pushed out by BACKOFF, committed before anything is sent,
    so no other consumer finds it due meanwhile. None: nothing (left) to take."""
    with transaction.atomic():
        delivery = (deliveries.select_for_update(skip_locked=True, of=("self",)).select_related("subscription")
                    .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=due_by)
                    .order_by("next_attempt_at", "pk").first())
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = timezone.now() + BACKOFF[min(delivery.attempts - 1, len(BACKOFF) - 1)]
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    return delivery


def attempt(delivery_id: int, *, due_by: datetime | None = None) -> WebhookDelivery | None:
    """Send one delivery once, if it is due by `due_by` (default now), and log how it went; None when it is not
    (or no longer) to be sent. Only if due: the queued first attempt and the minutely sweep may both reach it."""
    delivery = _claim(WebhookDelivery.objects.filter(pk=delivery_id), due_by or timezone.now())
    if delivery is None:
        return None
    return _send(delivery)


def sweep(now: datetime | None = None, limit: int = SWEEP_LIMIT) -> list[int]:
    """The minutely job: attempt every delivery due by `now` (default: the sweep's start) that nobody has taken,
    first attempts left by a lost job as well as retries, one claim at a time; the ids attempted.

    Several sweeps (and queued jobs) may run at once: each claim skips what another holds, and a claimed delivery
    is no longer due by `now` for the others, so each is sent by one of them; nor is it attempted twice by one sweep
    (a retry falling due again while the sweep runs waits for the next one)."""
    now = now or timezone.now()
    attempted: list[int] = []
    while len(attempted) < limit:
        delivery = _claim(WebhookDelivery.objects.exclude(pk__in=attempted), now)
        if delivery is None:
            break
        _send(delivery)
        attempted.append(delivery.pk)
    return attempted


def _send(delivery: WebhookDelivery) -> WebhookDelivery:
    """POST a claimed delivery and record the answer (delivered, to be retried, or given up)."""
    body = body_of(delivery)
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "platform-webhooks/1",
               "Webhook-Id": str(delivery.event_id), "Webhook-Timestamp": timestamp,
               "Webhook-Signature": signature_header(secrets_signing(delivery.subscription), timestamp, body)}
    code: int | None = None
    delivery.refused_address = None
    try:
        # resolved and checked now, and connected to the checked address: the name may point elsewhere than
        # when the subscription was saved (DNS rebinding)
        code, text = targets.post(targets.pin(delivery.subscription.url), body.encode(), headers, TIMEOUT_SECONDS)
    except targets.TargetRefused as refused:
        delivery.refused_address = refused.address  # the log says why in the reader's language
        text = b""
        log.warning("webhook delivery %s refused: %s", delivery.pk, refused)
    except (TimeoutError, OSError, UnicodeError, ValueError) as error:
        text = f"{type(error).__name__}: {error}".encode()
    delivery.response_code = code
    delivery.response_excerpt = text.decode("utf-8", "replace")[:500]
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.DELIVERED, timezone.now(), None)
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    log.info("webhook delivery %s attempt %s: %s", delivery.pk, delivery.attempts, code or delivery.response_excerpt)
    delivery.save(update_fields=["response_code", "response_excerpt", "refused_address", "status", "delivered_at",
                                 "next_attempt_at"])
    return delivery
