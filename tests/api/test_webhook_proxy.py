"""Webhook deliveries through an outbound proxy (WEBHOOK_PROXY): a CONNECT tunnel to the checked address.

The proxy here is a real one on 127.0.0.1 that tunnels CONNECT requests and keeps what it was asked;
the receiver is test_webhooks.py's real HTTP server.
"""
from __future__ import annotations

import socket
import threading

import pytest

from api import sending, targets
from api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from engine.runtime import records
from kernel import events
from tests.api.test_webhooks import fresh_cache, receiver, verify  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


class ConnectProxy:
    """Answers CONNECT host:port by piping bytes both ways; `refuse` answers 403 instead."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.refuse = False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            head += client.recv(4096)
        where = head.split(b" ")[1].decode()
        self.asked.append(where)
        if self.refuse:
            client.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")
            client.close()
            return
        host, port = where.rsplit(":", 1)
        upstream = socket.create_connection((host.strip("[]"), int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pipe(a: socket.socket, b: socket.socket) -> None:
            try:
                while data := a.recv(65536):
                    b.sendall(data)
            except OSError:
                pass
            finally:  # half-close: the other direction may still be reading (close() would not send the FIN)
                try:
                    b.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)


@pytest.fixture
def proxy(settings):
    p = ConnectProxy()
    settings.WEBHOOK_PROXY = p.url
    yield p
    p.listener.close()


def _deliver(world, customers, url: str, django_capture_on_commit_callbacks) -> WebhookSubscription:
    p, u, units = world
    subscription = WebhookSubscription.objects.create(project=p, name="bank", url=url, kinds=[events.RECORD_STARTED])
    with django_capture_on_commit_callbacks(execute=True):
        records.start_record(u["sales_consultant"], p, "subscription",
                             {"unit_id": units[0].pk, "customer_id": customers["buyer"].pk})
    return subscription


def test_a_delivery_goes_through_the_proxy_to_the_address_that_was_checked(
        world, customers, receiver, proxy, django_capture_on_commit_callbacks):
    subscription = _deliver(world, customers, receiver.url, django_capture_on_commit_callbacks)

    port = receiver.server.server_address[1]
    assert proxy.asked == [f"127.0.0.1:{port}"]  # the checked address, never a name the proxy would resolve
    headers, body = receiver.received[0]
    assert verify(subscription.secret, headers, body)
    assert WebhookDelivery.objects.get(subscription=subscription).status == DeliveryStatus.DELIVERED


def test_a_proxy_refusing_the_tunnel_is_a_failed_attempt_retried_later(
        world, customers, receiver, proxy, django_capture_on_commit_callbacks):
    proxy.refuse = True

    subscription = _deliver(world, customers, receiver.url, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert receiver.received == []
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None
    assert "the proxy refused the tunnel: HTTP/1.1 403 Forbidden" in delivery.response_excerpt


def test_without_a_proxy_the_environments_http_proxy_is_not_used(
        world, customers, receiver, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there: using it would fail
    subscription = _deliver(world, customers, receiver.url, django_capture_on_commit_callbacks)

    assert WebhookDelivery.objects.get(subscription=subscription).status == DeliveryStatus.DELIVERED
    assert targets.pin(receiver.url).address == "127.0.0.1" and sending.TIMEOUT_SECONDS > 0
