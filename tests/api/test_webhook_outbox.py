"""Webhooks' transactional outbox: the deliveries are written in the step's own transaction (a rolled-back step
leaves none), queued after the commit, and a delivery whose queueing never happened (a crash between the commit
and the queueing, a lost job) is sent by the minutely sweep, once, even with two sweeps at once on PostgreSQL.

The receiver is test_webhooks.py's, a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import timedelta
from functools import partial

import pytest
from django.db import close_old_connections, connection, connections, transaction
from django.utils import timezone

from api import sending, tasks, webhooks
from api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from engine.runtime import records
from kernel import events
from tests.api.test_webhooks import fresh_cache, receiver, verify  # noqa: F401  (fixtures)
from tests.engine.test_runtime__concurrency import parallel

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time")


def _subscribe(project, url: str, kinds=events.KINDS, name: str = "finance") -> WebhookSubscription:
    return WebhookSubscription.objects.create(project=project, name=name, url=url, kinds=list(kinds))


def _start(world, customers, unit: int = 0):
    p, u, units = world
    return records.start_record(u["sales_consultant"], p, "subscription",
                                {"unit_id": units[unit].pk, "customer_id": customers["buyer"].pk})


def _sent_ids(receiver) -> Counter:
    return Counter(headers["Webhook-Id"] for headers, _body in receiver.received)


@pytest.mark.django_db
def test_the_deliveries_are_written_in_the_steps_transaction_and_sent_only_after_it_commits(
        world, customers, receiver, django_capture_on_commit_callbacks):
    # given
    p, u, units = world
    sub = _subscribe(p, receiver.url, [events.RECORD_STARTED, events.TASK_CREATED])

    # when: the step, its commit hooks held back
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record = _start(world, customers)
        written = list(WebhookDelivery.objects.order_by("pk"))

    # then: the rows are there before the commit, nothing was sent, one hook per event waits for the commit
    assert sorted(d.kind for d in written) == sorted([events.RECORD_STARTED, events.TASK_CREATED])
    assert {(d.subscription_id, d.status, d.attempts) for d in written} == {(sub.pk, DeliveryStatus.PENDING, 0)}
    assert all(d.next_attempt_at == d.created_at + sending.HANDOFF_GRACE for d in written)
    started = next(d for d in written if d.kind == events.RECORD_STARTED)
    assert started.payload["data"]["record"]["reference"] == record.reference
    hooks = [c for c in callbacks if isinstance(c, partial) and c.func is webhooks.hand_over]
    assert receiver.received == [] and sorted(pk for hook in hooks for pk in hook.args[0]) == [d.pk for d in written]

    # when: the commit's hooks run (the first attempts queued; huey runs them inline in the tests)
    for callback in callbacks:
        callback()

    # then: each sent once, and the sweep afterwards finds nothing to send
    assert _sent_ids(receiver) == Counter({str(d.event_id): 1 for d in written})
    assert sending.sweep(timezone.now() + sending.HANDOFF_GRACE + timedelta(seconds=1)) == []
    assert len(receiver.received) == 2
    assert {(d.status, d.attempts) for d in WebhookDelivery.objects.all()} == {(DeliveryStatus.DELIVERED, 1)}


@pytest.mark.django_db
def test_a_rolled_back_step_leaves_no_delivery_and_the_sweep_sends_nothing(world, customers, receiver,
                                                                           django_capture_on_commit_callbacks):
    # given
    p, u, units = world
    _subscribe(p, receiver.url)

    # when: the step's transaction rolls back after its events were emitted
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _start(world, customers)
            assert WebhookDelivery.objects.exists()  # written inside the step ...
            raise RuntimeError("rolled back")

    # then: ... and gone with it, its hooks too; a sweep long after has nothing to send
    assert callbacks == [] and not WebhookDelivery.objects.exists()
    assert sending.sweep(timezone.now() + timedelta(days=1)) == []
    assert receiver.received == []


@pytest.mark.django_db
def test_a_delivery_whose_queueing_never_happened_is_sent_by_the_sweep_exactly_once(
        world, customers, receiver, django_capture_on_commit_callbacks):
    # given: the step committed, and the process died before its commit hooks queued anything
    p, u, units = world
    sub = _subscribe(p, receiver.url, [events.RECORD_STARTED])
    with django_capture_on_commit_callbacks(execute=False):
        _start(world, customers)
    delivery = WebhookDelivery.objects.get()
    assert receiver.received == []

    # when: a sweep within the grace (the queued job may still come), then one after it
    too_soon = sending.sweep()
    swept = sending.sweep(delivery.created_at + sending.HANDOFF_GRACE + timedelta(seconds=1))

    # then: sent once, by the later sweep, signed, with the event id
    assert too_soon == [] and swept == [delivery.pk]
    [(headers, body)] = receiver.received
    assert headers["Webhook-Id"] == str(delivery.event_id) == json.loads(body)["id"]
    assert verify(sub.secret, headers, body)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.DELIVERED, 1, 200)

    # when: another sweep, and the lost job turning up late after all
    again = sending.sweep(timezone.now() + timedelta(days=1))
    tasks.deliver(delivery.pk)

    # then: nothing more is sent
    assert again == [] and len(receiver.received) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


@pytest.mark.django_db
def test_a_failed_first_attempt_is_retried_by_the_sweep_when_due_and_not_before(
        world, customers, receiver, django_capture_on_commit_callbacks):
    # given: the queued first attempt got a 503
    p, u, units = world
    _subscribe(p, receiver.url, [events.RECORD_STARTED])
    receiver.answers = [503]
    with django_capture_on_commit_callbacks(execute=True):
        _start(world, customers)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.response_code) == (1, 503)

    # when / then: not due yet; due after the first backoff, sent by the sweep, once
    assert sending.sweep() == []
    assert sending.sweep(delivery.next_attempt_at) == [delivery.pk]
    assert sending.sweep(delivery.next_attempt_at) == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.DELIVERED, 2, 200)
    assert _sent_ids(receiver) == Counter({str(delivery.event_id): 2})  # the receiver drops the repeat by its id


@pytest.mark.django_db
def test_a_project_whose_subscriptions_want_other_events_costs_no_query(world, receiver,
                                                                         django_assert_num_queries):
    p, u, units = world
    _subscribe(p, receiver.url, [events.PAYMENT_RECORDED])
    assert webhooks.subscribed_kinds(p.pk) == {events.PAYMENT_RECORDED}  # read once, cached

    def payload():
        raise AssertionError("the payload is built only when someone wants it")

    with django_assert_num_queries(0):
        webhooks.on_event(p.pk, events.RECORD_MOVED, payload)
    assert not WebhookDelivery.objects.exists()


@pytest.fixture
def lost_jobs(monkeypatch) -> list[int]:
    """The queue loses every first attempt handed to it (a crash after the commit): the ids it was handed."""
    handed: list[int] = []
    monkeypatch.setattr(tasks, "deliver", handed.append)
    return handed


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_delivery_once(world, customers, receiver, lost_jobs):
    # given: committed steps (real transactions) for two subscriptions, their queued jobs lost
    p, u, units = world
    _subscribe(p, receiver.url, name="finance")
    _subscribe(p, receiver.url, name="bi")
    for unit in range(4):
        _start(world, customers, unit)
    close_old_connections()
    made = list(WebhookDelivery.objects.values_list("pk", "event_id"))
    assert len(made) >= 8 and sorted(lost_jobs) == sorted(pk for pk, _e in made)
    assert receiver.received == []
    later = timezone.now() + sending.HANDOFF_GRACE + timedelta(seconds=1)

    # when: two sweeps at once, each on its own connection
    swept = parallel(2, lambda i: sending.sweep(later))

    # then: every delivery attempted by exactly one of them, and sent once
    assert all(isinstance(s, list) for s in swept), swept
    assert sorted(swept[0] + swept[1]) == sorted(pk for pk, _e in made)
    assert not set(swept[0]) & set(swept[1])
    per_event = Counter(str(e) for _pk, e in made)  # an event goes once to each of the two subscriptions
    assert _sent_ids(receiver) == per_event
    assert {(d.status, d.attempts) for d in WebhookDelivery.objects.all()} == {(DeliveryStatus.DELIVERED, 1)}


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_sweep_passes_over_a_delivery_another_consumer_holds_instead_of_waiting(world, customers, receiver,
                                                                                 lost_jobs):
    # given: two committed deliveries whose jobs were lost, one of them held by another consumer
    p, u, units = world
    _subscribe(p, receiver.url, [events.RECORD_STARTED])
    _start(world, customers, 0)
    _start(world, customers, 1)
    close_old_connections()
    busy, free = WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True)
    later = timezone.now() + sending.HANDOFF_GRACE + timedelta(seconds=1)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                list(WebhookDelivery.objects.select_for_update().filter(pk=busy))
                holding.set()
                release.wait(20)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)

        # when
        started = time.monotonic()
        first = sending.sweep(later)
        took = time.monotonic() - started

        # then: the free one sent at once, the held one left, not waited for
        assert first == [free] and took < 10 and holder.is_alive()
    finally:
        release.set()
        holder.join(10)
    # and the next sweep sends the one that was held, once
    assert sending.sweep(later) == [busy]
    assert sending.sweep(later) == []
    assert sorted(_sent_ids(receiver).values()) == [1, 1]
