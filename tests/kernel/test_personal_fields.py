"""Which record fields hold personal numbers, how they are masked, and who sees them whole (issue 16)."""
from zoneinfo import ZoneInfo

import pytest

from kernel.access import FULL_PHONE_ROLES
from kernel.personal_fields import (
    ID_NUMBER,
    PHONE,
    mask_id_number,
    masked,
    owners,
    personal_kind,
    sees_in_full,
)
from web.display import Display, References

SCHEMA = {"type": "object", "properties": {
    "contact_phone": {"type": "string", "title": "Contact phone", "x-title-zh": "联系电话"},
    "guarantor_id_number": {"type": "string", "title": "Guarantor's ID number", "x-title-zh": "担保人身份证号"},
    "hotline": {"type": "string", "x-personal": "phone", "title": "Hotline"},
    "licence_no": {"type": "string", "title": "Business licence number"},
}}


@pytest.mark.parametrize("name, schema, kind", [
    ("contact_phone", {}, PHONE), ("phone", {}, PHONE), ("tenant_mobile", {}, PHONE),
    ("id_number", {}, ID_NUMBER), ("guarantor_id_number", {}, ID_NUMBER),
    ("hotline", {"x-personal": "phone"}, PHONE), ("passport", {"x-personal": "id_number"}, ID_NUMBER),
    ("licence_no", {}, None), ("phone_count", {}, None), ("unit_id", {}, None), ("contact_name", {}, None),
])
def test_personal_fields_are_known_by_their_marker_or_their_name(name, schema, kind):
    assert personal_kind(name, schema) == kind


@pytest.mark.parametrize("number, shown", [
    ("110105194912310021", "110***********0021"),
    ("11010519491231002X", "110***********002X"),
    ("E12345678", "E****5678"),
    ("1234", "****"),
    ("", ""),
])
def test_an_id_number_keeps_its_first_three_and_last_four_characters(number, shown):
    assert mask_id_number(number) == shown


def test_a_masked_number_masks_to_itself():
    assert mask_id_number(mask_id_number("110105194912310021")) == "110***********0021"
    assert masked(PHONE, "13812341234") == "138****1234"


@pytest.mark.parametrize("roles, full", [
    ({"merchant_manager"}, True), ({"contract_clerk"}, True), ({"sales_manager", "finance"}, True),
    ({"leasing_agent"}, False), ({"sales_consultant"}, False), ({"channel_agent"}, False), ({"finance"}, False),
    (set(), False),
])
def test_the_full_number_is_for_the_roles_whose_work_needs_it(roles, full):
    assert sees_in_full(roles, 5) is full


def test_every_role_that_sees_customers_phones_whole_sees_these_whole():
    assert [r for r in sorted(FULL_PHONE_ROLES) if not sees_in_full({r}, 5)] == []


def test_the_records_own_consultant_sees_it_whole_while_a_member_there():
    data = {"consultant_id": 5, "contact_phone": "13812341234"}

    assert sees_in_full({"sales_consultant"}, 5, owners(data)) is True
    assert sees_in_full({"sales_consultant"}, 6, owners(data)) is False
    assert sees_in_full(set(), 5, owners(data)) is False  # no longer a member of the project


def test_the_display_masks_phones_and_id_numbers_unless_the_viewer_sees_them_whole():
    data = {"contact_phone": "13812341234", "guarantor_id_number": "110105194912310021", "hotline": "4008001234",
            "licence_no": "91310000X"}
    zone = ZoneInfo("Asia/Shanghai")

    masked_rows = Display(References(), "en", zone, SCHEMA).fields(SCHEMA, data)
    full_rows = Display(References(personal_full=True), "en", zone, SCHEMA).fields(SCHEMA, data)

    assert [(label, shown.text) for label, shown in masked_rows] == [
        ("Contact phone", "138****1234"), ("Guarantor's ID number", "110***********0021"),
        ("Hotline", "40****1234"), ("Business licence number", "91310000X")]
    assert [shown.text for _, shown in full_rows] == ["13812341234", "110105194912310021", "4008001234", "91310000X"]
