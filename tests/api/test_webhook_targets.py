"""Webhook targets: no loopback, link-local (cloud metadata), private, unspecified or multicast address, refused
on save (the page) and again at delivery after resolving the name (DNS rebinding), the connection made to the
address that was checked. WEBHOOK_ALLOW_PRIVATE_TARGETS lets an on-premise install through."""
from __future__ import annotations

import socket

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import translation

from api import targets, webhooks
from api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from engine.runtime import records
from kernel import events

from .test_webhooks import Receiver

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


class Dns:
    """Stands in for the resolver: name -> addresses, changeable between save and delivery; counts the lookups."""

    def __init__(self, monkeypatch, table: dict[str, list[str]]):
        self.table, self.lookups = table, []
        monkeypatch.setattr(targets, "getaddrinfo", self)

    def __call__(self, host, port, type=0, **_kw):  # noqa: A002 (getaddrinfo's name)
        self.lookups.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port) if ":" not in a else (a, port, 0, 0)) for a in self.table[host]]


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("2002:7f00:1::", "loopback"), ("64:ff9b::a00:1", "private"), ("64:ff9b::808:808", None),
    ("169.254.169.254", "link_local"), ("fe80::1", "link_local"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("172.31.255.254", "private"), ("192.168.1.10", "private"),
    ("fc00::1", "private"), ("fd12:3456::1", "private"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("100.64.0.1", "reserved"),
    ("8.8.8.8", None), ("172.32.0.1", None), ("2606:4700:4700::1111", None),
])
def test_addresses_are_told_apart(address, kind):
    assert targets.address_kind(address) == kind


@pytest.mark.parametrize("url", [
    "https://169.254.169.254/latest/meta-data/", "https://10.0.0.5/hook", "https://[::1]:8443/hook",
    "https://192.168.1.20/hook", "https://0.0.0.0/hook", "https://[fd00::5]/hook", "https://224.0.0.9/hook",
    "https://localhost:8443/hook",  # a name: resolved (/etc/hosts) to loopback
])
def test_a_private_target_is_refused_on_save(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with translation.override("en"):
        problem = webhooks.check_url(url)
    assert problem is not None and "public internet" in problem, problem


def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    Dns(monkeypatch, {"hooks.example.test": ["93.184.216.34", "10.0.0.7"],
                      "public.example.test": ["93.184.216.34", "2606:2800:220:1::1"]})
    assert "10.0.0.7" in webhooks.check_url("https://hooks.example.test/h")
    assert webhooks.check_url("https://public.example.test/h") is None


def test_a_name_that_does_not_resolve_yet_is_accepted_and_checked_when_sent(monkeypatch, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    Dns(monkeypatch, {})
    assert webhooks.check_url("https://not-yet.example.test/h") is None
    assert webhooks.check_url("http://not-yet.example.test/h") is not None  # plain http: never to a public name


def test_allowing_private_targets_lets_http_reach_the_office_network_only(monkeypatch, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    Dns(monkeypatch, {"erp.office.test": ["10.0.0.8"], "public.example.test": ["93.184.216.34"]})
    assert webhooks.check_url("http://10.0.0.8/hook") is None
    assert webhooks.check_url("http://erp.office.test/hook") is None
    assert webhooks.check_url("https://169.254.169.254/") is None
    assert "https://" in webhooks.check_url("http://public.example.test/hook")  # the internet: encrypted only


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["169.254.169.254 是链路本地地址", "事件只推送到公网地址"]),
    ("en", ["169.254.169.254 is a link-local address", "only to addresses on the public internet"]),
])
def test_the_page_refuses_the_cloud_metadata_address_in_the_readers_language(world, admin, client, settings,
                                                                              language, words):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    p, u, units = world
    client.force_login(admin)
    client.cookies["django_language"] = language
    refused = client.post(reverse("webhooks", args=[p.code]), {
        "action": "create", "name": "finance", "url": "https://169.254.169.254/latest/meta-data/",
        "kinds": [events.RECORD_STARTED]})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert all(w in text for w in words), text
    assert not WebhookSubscription.objects.exists()


def _start(world, customers, django_capture_on_commit_callbacks):
    p, u, units = world
    with django_capture_on_commit_callbacks(execute=True):
        records.start_record(u["sales_consultant"], p, "subscription",
                             {"unit_id": units[0].pk, "customer_id": customers["buyer"].pk})


def test_a_name_rebound_to_loopback_after_the_save_is_not_connected_to(
        world, admin, customers, client, monkeypatch, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    p, u, units = world
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.3)
    port = listener.getsockname()[1]
    dns = Dns(monkeypatch, {"hooks.example.test": ["93.184.216.34"]})  # public when saved
    client.force_login(admin)
    saved = client.post(reverse("webhooks", args=[p.code]), {
        "action": "create", "name": "finance", "url": f"https://hooks.example.test:{port}/hook",
        "kinds": [events.RECORD_STARTED]})
    assert saved.status_code == 200 and WebhookSubscription.objects.count() == 1

    dns.table["hooks.example.test"] = ["127.0.0.1"]  # rebound: now this machine
    _start(world, customers, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.PENDING, 1, None)
    assert delivery.refused_address == "127.0.0.1"
    with pytest.raises(TimeoutError):
        listener.accept()  # nothing connected to this machine's port
    listener.close()
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("webhooks", args=[p.code])).content.decode()
    assert "未发送：hooks.example.test 解析到 127.0.0.1，这是本机（回环地址）。" in page


def test_the_connection_goes_to_the_address_that_was_checked(world, customers, monkeypatch, settings,
                                                             django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on 127.0.0.1
    p, u, units = world
    receiver = Receiver()
    try:
        port = receiver.server.server_address[1]
        dns = Dns(monkeypatch, {"hooks.office.test": ["127.0.0.1"]})  # a name only this stand-in resolves
        WebhookSubscription.objects.create(project=p, name="erp", url=f"http://hooks.office.test:{port}/hook",
                                           kinds=[events.RECORD_STARTED])
        _start(world, customers, django_capture_on_commit_callbacks)
        [(headers, _body)] = receiver.received
        assert headers["Host"] == f"hooks.office.test:{port}"  # the name in the request, the checked address dialled
        assert dns.lookups == ["hooks.office.test"]  # resolved once, for the check, and not again to connect
        assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_a_redirect_is_not_followed(world, customers, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    p, u, units = world
    receiver = Receiver()
    try:
        receiver.answers = [302]  # e.g. to http://169.254.169.254/: following it would be a way round the check
        WebhookSubscription.objects.create(project=p, name="erp", url=receiver.url, kinds=[events.RECORD_STARTED])
        _start(world, customers, django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.response_code, len(receiver.received)) == (DeliveryStatus.PENDING, 302, 1)
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_the_setting_is_off_unless_the_environment_turns_it_on():
    from config import settings as production

    assert production.WEBHOOK_ALLOW_PRIVATE_TARGETS is False
