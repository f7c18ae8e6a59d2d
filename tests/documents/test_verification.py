"""A printed document's QR code opens a public verification page: genuine or not, latest or superseded,
in Chinese and English, with nothing personal beyond what the paper prints; codes not guessable, look-ups limited."""
import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from documents import issuing
from documents.models import IssuedDocument
from documents.verification import RATE, mask_name
from engine.models import Record
from tests.documents.test_documents import NAME, deal  # noqa: F401  (the fixture)
from tests.flows.conftest import world  # noqa: F401  (the fixture)


@pytest.fixture(autouse=True)
def fresh_limits():
    caches["api"].clear()  # the look-up counter is per address; each test starts from none
    yield
    caches["api"].clear()


def _url(document: IssuedDocument) -> str:
    return reverse("web:document-verify", args=[document.verify_token])


def test_an_original_carries_an_unguessable_verification_address_and_its_copies_the_same(deal, settings):
    p, u, records = deal
    sub = records["subscription"]
    first = issuing.issue(sub, "subscription_form", user=u["finance"])
    again = issuing.issue(sub, "subscription_form", user=u["finance"])
    receipt = issuing.issue(sub, "receipt", user=u["finance"])

    assert len(first.verify_token) >= 22 and str(first.pk) != first.verify_token
    assert first.verify_token != receipt.verify_token
    address = settings.NOTIFICATION_SITE_URL.rstrip("/") + _url(first)
    assert f"核验网址：{address}" in first.html
    # a reprint is the original's text with the 副本 mark: the same QR code, no code of its own
    assert again.copy_number == 1 and again.verify_token is None and address in again.html
    assert first.facts == {"buyer": "张**", "unit": first.facts["unit"]} and first.facts["unit"]


def test_the_page_proves_the_paper_in_chinese_and_english_without_personal_data(client, deal):
    p, u, records = deal
    sub = records["subscription"]
    first = issuing.issue(sub, "subscription_form", user=u["finance"])
    issuing.issue(sub, "subscription_form", user=u["finance"])  # one copy

    zh = client.get(_url(first), HTTP_ACCEPT_LANGUAGE="zh-hans")  # nobody logged in: whoever holds the paper
    assert zh.status_code == 200
    page = zh.content.decode()
    assert "认购书" in page and first.reference in page and p.name in page
    assert "真实有效：这是该文件的最新版本。" in page
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d（北京时间）", page)
    assert "".join(re.findall(r"<span>([0-9a-f]{8})</span>", page)) == first.content_hash
    assert "张**" in page and first.facts["unit"] in page
    assert "1 份副本" in page
    assert NAME not in page and "13912345678" not in page and "1391234" not in page
    assert 'name="viewport" content="width=device-width' in page  # laid out for a 360 px phone

    en = client.get(_url(first), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Subscription form" in en and "Genuine: this is the latest issue of this document." in en
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d \(Asia/Shanghai\)", en)
    assert "1 copy, each marked 副本 COPY" in en
    assert NAME not in en and "subscription_form" not in en and "None" not in en


def test_a_superseded_issue_says_so_and_names_the_newer_one(client, deal):
    p, u, records = deal
    sub = records["subscription"]
    first = issuing.issue(sub, "subscription_form", user=u["finance"])
    # what the document says changed (another deposit): the next print is a new original
    Record.objects.filter(pk=sub.pk).update(data={**sub.data, "deposit": "120000.00"})
    sub.refresh_from_db()
    newer = issuing.issue(sub, "subscription_form", user=u["finance"])
    assert newer.copy_number == 0 and newer.reference != first.reference

    old = client.get(_url(first), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-verify-status="superseded"' in old and newer.reference in old
    assert "no longer current" in old
    zh = client.get(_url(first), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已不是最新版本" in zh and newer.reference in zh
    current = client.get(_url(newer), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-verify-status="current"' in current


def test_an_unknown_code_is_not_found_in_the_readers_language(client, deal):
    zh = client.get(reverse("web:document-verify", args=["x" * 22]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 404 and "没有以此核验码出具的文件" in zh.content.decode()
    en = client.get(reverse("web:document-verify", args=["x" * 22]), HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 404 and "No document was issued with this verification code" in en.content.decode()


def test_look_ups_are_rate_limited_per_address(client, deal):
    limit = int(RATE.split("/")[0])
    for _ in range(limit):
        assert client.get(reverse("web:document-verify", args=["y" * 22])).status_code == 404
    refused = client.get(reverse("web:document-verify", args=["y" * 22]), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many look-ups from this address" in refused.content.decode()
    # a forwarded-for header the client wrote itself buys no fresh allowance
    spoofed = client.get(reverse("web:document-verify", args=["y" * 22]), HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert spoofed.status_code == 429
    # another address is not held back
    other = client.get(reverse("web:document-verify", args=["y" * 22]), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 404


def test_behind_a_proxy_the_address_it_saw_is_counted(client, deal, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    limit = int(RATE.split("/")[0])
    url = reverse("web:document-verify", args=["z" * 22])
    for _ in range(limit):
        assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5").status_code == 404
    # the proxy saw 203.0.113.5 each time, whatever the client put before it
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.2, 203.0.113.5").status_code == 429
    assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 404


@pytest.mark.parametrize("name, shown", [("张伟明", "张**"), ("李娜", "李*"), ("Li Na", "L***"), ("王", "*"),
                                         ("", "")])
def test_names_are_masked_to_their_first_character(name, shown):
    assert mask_name(name) == shown
