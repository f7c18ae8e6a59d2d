"""Personal phones and ID numbers in record data follow the customers' rule: full to those whose work needs them.

Issue 16: a merchant's contact phone (merchant_leasing.contact_phone) was shown in full to
every project member. The rule (kernel.personal_fields): full to the roles of
`kernel.access.FULL_PHONE_ROLES` and to the merchant-leasing manager, who runs that
flow's work; masked (138****1234, ID 110***********1234) to everyone else.
"""
import html
import re

import pytest

from engine.runtime import records
from tests.flows.conftest import world  # noqa: F401  (fixture)

PHONE = "13812341234"


def _text(page: str) -> str:
    main = page.split("<main", 1)[1]
    main = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


@pytest.fixture
def lead(world):
    p, u, _units = world
    return records.start_record(u["merchant_manager"], p, "merchant_leasing", {
        "merchant_name": "好味餐饮", "contact_name": "周先生", "contact_phone": PHONE, "business_format": "retail"})


@pytest.mark.parametrize("role", ["leasing_agent", "finance", "channel_agent"])
def test_the_merchants_contact_phone_is_masked_for_members_whose_work_does_not_need_it(client, world, lead, role):
    client.force_login(world[1][role])

    response = client.get(f"/records/{lead.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "联系电话 138****1234" in _text(page)
    assert PHONE not in page  # nor in the history's changes, nor anywhere else on the page


@pytest.mark.parametrize("role", ["merchant_manager", "contract_clerk", "project_director", "sales_manager"])
def test_the_merchant_leasing_manager_and_the_full_phone_roles_see_it_in_full(client, world, lead, role):
    client.force_login(world[1][role])

    text = _text(client.get(f"/records/{lead.pk}/").content.decode())

    assert f"联系电话 {PHONE}" in text
    assert "138****1234" not in text


def test_a_consultant_takes_no_part_in_merchant_leasing_and_reads_no_number(client, world, lead):
    client.force_login(world[1]["sales_consultant"])

    response = client.get(f"/records/{lead.pk}/")

    assert response.status_code == 403
    assert PHONE not in response.content.decode()
