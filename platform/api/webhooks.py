"""Outbound webhooks: events of kernel.events, sent after commit, signed, retried with backoff (docs/api.md).

- `on_event` (registered in ApiConfig.ready) asks a cached set of the project's subscribed kinds whether
  anyone wants the event: no query on the move path of a project without subscriptions. The cache
  lives in the "api" cache (Redis when configured: every process sees a change at once; else per
  process, for at most KINDS_TTL seconds after a change made in another process).
- A transactional outbox: one `WebhookDelivery` per subscription is written at once, in the step's own
  transaction (it commits or rolls back with the step), and only after the commit is its first attempt
  queued in huey. A crash between the commit and the queueing, or a lost job, loses nothing: the first
  attempt falls due HANDOFF_GRACE after the event, and the minutely sweep (`retry_due`, `sweep`) sends
  what is due and not yet taken. A failed attempt (non-2xx, timeout, refused connection) sets
  `next_attempt_at` by BACKOFF, and the sweep sends it then.
- Each attempt first claims its delivery in a short transaction (SELECT ... FOR UPDATE SKIP LOCKED on
  PostgreSQL, then the attempt counted and the next one pushed out) and only then sends: the queued job,
  and any number of sweeps at once, never send one delivery twice at the same time. At least once: the
  receiver drops repeats by the `Webhook-Id` header (the event id; a retry and a redelivery by hand
  send the same id).
- The target is checked on save and again at each delivery after resolving its name, and the connection made
  to the checked address (api.targets: no private networks, no DNS rebinding).
- A rotated secret keeps signing, beside the new one, for SECRET_OVERLAP: the receiver switches without a gap.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.core.cache import caches
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel import events
from kernel.models import Project

from . import targets, tasks
from .models import DeliveryStatus, WebhookDelivery, WebhookSubscription, new_webhook_secret
from .sending import HANDOFF_GRACE

KIND_LABELS: dict[str, Any] = {
    events.RECORD_STARTED: _("A record was started"),
    events.RECORD_MOVED: _("A record moved (a transition, a timer, sent back, withdrawn)"),
    events.RECORD_FINISHED: _("A record reached a final state"),
    events.TASK_CREATED: _("A task was created"),
    events.TASK_ASSIGNED: _("A task was claimed, reassigned, transferred or delegated"),
    events.TASK_ESCALATED: _("A task was escalated (missed its deadline)"),
    events.PAYMENT_RECORDED: _("A payment was recorded"),
    events.UNIT_STATUS_CHANGED: _("A unit's sale status changed"),
}
KINDS_TTL = 60
SECRET_OVERLAP = timedelta(hours=24)  # a rotated secret still signs this long, beside the new one


def _cache_key(project_id: int) -> str:
    return f"webhook-kinds:{project_id}"


def subscribed_kinds(project_id: int) -> frozenset[str]:
    """The kinds some active subscription of the project wants; cached, one query on a miss."""
    cache = caches["api"]
    kinds = cache.get(_cache_key(project_id))
    if kinds is None:
        kinds = sorted({k for ks in WebhookSubscription.objects.filter(project_id=project_id, active=True)
                        .values_list("kinds", flat=True) for k in ks})
        cache.set(_cache_key(project_id), kinds, KINDS_TTL)
    return frozenset(kinds)


def forget_kinds(project_id: int) -> None:
    """After a subscription is made, changed or disabled (and its transaction committed)."""
    caches["api"].delete(_cache_key(project_id))


def check_url(url: str) -> str | None:
    """Why the target URL is refused on save (the page and the API), or None (api.targets)."""
    return targets.check_url(url)


def create_subscription(project: Project, user, name: str, url: str, kinds: Sequence[str], *,
                        active: bool = True) -> WebhookSubscription:
    """A new subscription (its URL already checked by the caller's form); its secret is read once by the caller."""
    with transaction.atomic():
        made = WebhookSubscription.objects.create(project=project, name=name.strip(), url=url, active=active,
                                                  kinds=[k for k in KIND_LABELS if k in kinds], created_by=user)
        transaction.on_commit(lambda: forget_kinds(project.pk))
    return made


def update_subscription(subscription: WebhookSubscription, *, name: str, url: str, kinds: Sequence[str],
                        active: bool) -> WebhookSubscription:
    with transaction.atomic():
        subscription.name, subscription.url, subscription.active = name.strip(), url, active
        subscription.kinds = [k for k in KIND_LABELS if k in kinds]
        subscription.save(update_fields=["name", "url", "kinds", "active"])
        transaction.on_commit(lambda: forget_kinds(subscription.project_id))
    return subscription


def rotate_secret(subscription_id: int, project: Project) -> WebhookSubscription | None:
    """A new signing secret; the current one keeps signing beside it for SECRET_OVERLAP. None: not this project's.

    Rotating again within the window drops the oldest secret: only the last two ever sign."""
    with transaction.atomic():
        subscription = (WebhookSubscription.objects.select_for_update()
                        .filter(pk=subscription_id, project=project).first())
        if subscription is None:
            return None
        now = timezone.now()
        subscription.previous_secret, subscription.secret = subscription.secret, new_webhook_secret()
        subscription.previous_secret_expires_at, subscription.secret_rotated_at = now + SECRET_OVERLAP, now
        subscription.save(update_fields=["previous_secret", "secret", "previous_secret_expires_at",
                                         "secret_rotated_at"])
    return subscription


def on_event(project_id: int, kind: str, payload: Callable[[], Mapping[str, Any]]) -> None:
    """The outbox: the deliveries are written now, in the emitting step's transaction, and queued after it commits.

    A project whose subscriptions do not want the kind costs no query (the cached kinds)."""
    if kind not in subscribed_kinds(project_id):
        return
    # the payload is read now (the record as this transaction leaves it)
    data = json.loads(json.dumps(dict(payload()), cls=DjangoJSONEncoder))
    made = write_deliveries(project_id, kind, data, uuid.uuid4(), timezone.now())
    if made:
        # robust: the step is committed whatever happens here; a queue that is down delays the event (the
        # sweep sends it), it loses nothing. A rolled-back step drops this hook with its rows.
        transaction.on_commit(partial(hand_over, made), robust=True)


def write_deliveries(project_id: int, kind: str, data: Mapping[str, Any], event_id: uuid.UUID,
                     at: datetime) -> list[int]:
    """One pending delivery per active subscription of the project wanting the kind, in the caller's transaction;
    its first attempt is due HANDOFF_GRACE after `at` for the sweep (the queued job takes it before)."""
    subscriptions = [s for s in WebhookSubscription.objects.filter(project_id=project_id, active=True)
                     if kind in s.kinds]
    made = WebhookDelivery.objects.bulk_create([
        WebhookDelivery(subscription=s, event_id=event_id, kind=kind, created_at=at,
                        next_attempt_at=at + HANDOFF_GRACE,
                        payload={"id": str(event_id), "kind": kind, "created_at": at.isoformat(),
                                 "project": s.project_id, "data": data})
        for s in subscriptions])
    return [d.pk for d in made]


def hand_over(delivery_ids: Sequence[int]) -> None:
    """After the commit: queue each delivery's first attempt in huey."""
    for delivery_id in delivery_ids:
        tasks.deliver(delivery_id)  # read at the call, as a test replacing the job expects


def redeliver(delivery: WebhookDelivery) -> None:
    """By hand: send it again now, with the same event id, and a fresh run of retries."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, attempts=0,
                                                          next_attempt_at=timezone.now())
    transaction.on_commit(lambda: tasks.deliver(delivery.pk))


def projects_administered(user) -> list[Project]:
    from engine.runtime.access import can_administer
    from kernel.access import memberships_of

    memberships = memberships_of(user.pk)
    return [p for p in Project.objects.filter(pk__in=memberships).order_by("code")
            if can_administer(user, memberships[p.pk])]


def subscription_changed(sender, instance: WebhookSubscription, **kwargs) -> None:
    """post_save/post_delete (however it was changed: the page, the admin, a shell): drop the cached kinds now,
    and again after the commit, in case another process cached the old ones meanwhile."""
    project_id = instance.project_id
    forget_kinds(project_id)
    transaction.on_commit(lambda: forget_kinds(project_id))
