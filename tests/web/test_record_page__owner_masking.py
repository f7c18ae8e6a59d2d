"""The record page masks personal numbers for everyone but the roles that need them and the record's own people.

Issue 16: the page judged who sees a record's phones without the record's owners
(`kernel.personal_fields.owners`: the consultant the data names), so a consultant saw
their own buyer's phone masked on their record while the customer page showed it whole.
"""
import html
import re

import pytest

from engine import versions
from engine.runtime import records

PHONE = "13812341234"
FLOW = """\
format: 1
name: callback
title: {zh: 回访, en: Call back}
entity:
  name: callback
  schema:
    type: object
    properties:
      consultant_id: {type: integer, x-ref: user, title: Sales consultant, x-title-zh: 置业顾问}
      buyer_phone: {type: string, title: Buyer's phone, x-title-zh: 买方电话}
reference_prefix: CB
start:
  state: open
  roles: [sales_consultant]
states:
  - name: open
    title: {zh: 待回访, en: Open}
    owners: [sales_consultant, finance]
    tasks:
      - name: call
        title: {zh: 回访, en: Call}
  - name: done
    title: {zh: 完成, en: Done}
    final: true
transitions:
  - name: finish
    from: open
    to: done
    roles: [sales_consultant, finance]
"""


def _text(page: str) -> str:
    main = page.split("<main", 1)[1]
    main = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


@pytest.fixture
def callback(flows_dir, people):
    (flows_dir / "callback.yaml").write_text(FLOW, encoding="utf-8")
    versions.publish(people["p1"], "callback")
    return records.start_record(people["consultant"], people["p1"], "callback",
                                {"consultant_id": people["consultant"].pk, "buyer_phone": PHONE})


def test_the_consultant_the_record_names_sees_the_phone_whole(client, people, callback):
    client.force_login(people["consultant"])

    response = client.get(f"/records/{callback.pk}/")

    assert response.status_code == 200
    assert f"买方电话 {PHONE}" in _text(response.content.decode())


def test_a_member_the_record_does_not_name_sees_it_masked(client, people, callback):
    client.force_login(people["fin"])

    response = client.get(f"/records/{callback.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "买方电话 138****1234" in _text(page)
    assert PHONE not in page
