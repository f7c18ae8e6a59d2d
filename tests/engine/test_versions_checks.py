"""Checks across flows and running records at check and publish time (issue 20, item 2)."""
import re
from decimal import Decimal
from pathlib import Path

import pytest

from definitions import canonical
from engine import versions, versions_checks
from engine.runtime import records, transitions
from engine.versions import ChecksRefused
from engine.versions_checks import LINK_IN, LINK_OUT, NEW_ONLY, NEWLY_REQUIRED, SETTING_UNREAD, STATE_REMOVED
from kernel.models import Building, Customer, Unit

PLATFORM = Path(__file__).resolve().parents[2] / "platform"
GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}


def _edit(flows_dir, flow, old, new, count=1):
    path = flows_dir / f"{flow}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _held_reservation(people):
    p1 = people["p1"]
    building = Building.objects.create(project=p1, code="3", name="3号楼")
    unit = Unit.objects.create(project=p1, building=building, code="3-1502", floor=15, position="02",
                               layout="3室2厅2卫", built_area=Decimal("98.50"), inner_area=Decimal("80.10"),
                               orientation="南", list_price=Decimal("1500000.00"))
    customer = Customer.objects.create(name="王小明", phone="+8613812341234")
    record = records.start_record(people["consultant"], p1, "reservation",
                                  {"unit_id": unit.pk, "customer_id": customer.pk})
    transitions.fire(people["consultant"], record.pk, "hold", {"unit_id": unit.pk, "deposit": "5000.00"})
    return record


def test_a_start_form_requiring_what_a_linking_flow_does_not_supply_refuses_the_publish(flows_dir, people):
    # given: a held reservation that may convert to a subscription
    p1 = people["p1"]
    versions.publish(p1, "reservation")
    versions.publish(p1, "subscription")
    _held_reservation(people)
    # when: the subscription's start now requires the channel, which the conversion does not give
    _edit(flows_dir, "subscription", "fields: [unit_id, customer_id]\n    required: [customer_id]",
          "fields: [unit_id, customer_id, channel]\n    required: [customer_id, channel]")

    with pytest.raises(ChecksRefused) as caught:
        versions.publish(p1, "subscription")

    # then: nothing published; the finding names the linking flow, its step, the field and the record count
    assert versions.published_version(p1, "subscription").number == 1
    found = [f for f in caught.value.findings if f.kind == LINK_IN and f.flows[0] == "reservation"]
    assert len(found) == 1 and found[0].records == 1 and found[0].name == "channel" and found[0].blocking
    en, zh = found[0].message("en"), found[0].message("zh")
    assert en.startswith("“Reservation” starts “Subscription” in its step “Convert to subscription” without")
    assert "running records of “Reservation” that may take that step: 1" in en
    assert zh.startswith("“预留/小订”在其步骤“转认购”中发起“认购”时未提供")
    assert "1 条" in zh and "channel" not in zh.split("未提供")[1][:3]
    assert "was not published" in caught.value.message("en") and "未发布" in caught.value.message("zh")


def test_every_flow_that_starts_this_one_is_checked_even_without_running_records(flows_dir, people):
    p1 = people["p1"]
    for flow in ("reservation", "subscription", "queue_number", "resale"):
        versions.publish(p1, flow)
    _edit(flows_dir, "subscription", "fields: [unit_id, customer_id]\n    required: [customer_id]",
          "fields: [unit_id, customer_id, channel]\n    required: [customer_id, channel]")

    found = versions.publish_findings(p1, "subscription")

    linking = {(f.flows[0], f.records) for f in found if f.kind == LINK_IN}
    assert ("reservation", 0) in linking and ("queue_number", 0) in linking and ("resale", 0) in linking


def test_a_step_starting_another_flow_without_what_that_one_requires_refuses_the_publish(flows_dir, people):
    p1 = people["p1"]
    versions.publish(p1, "subscription")
    _edit(flows_dir, "reservation", "customer_id: record.customer_id, consultant_id", "consultant_id")

    with pytest.raises(ChecksRefused) as caught:
        versions.publish(p1, "reservation")

    found = [f for f in caught.value.findings if f.kind == LINK_OUT]
    assert [(f.flows, f.name) for f in found] == [(("reservation", "subscription"), "customer_id")]
    assert "every record taking that step would be refused" in found[0].message("en")
    assert "到达该步骤的每条记录都会被拒绝" in found[0].message("zh")
    assert versions.published_version(p1, "reservation") is None


def test_a_newly_required_field_that_running_records_lack_blocks_until_the_admin_chooses(engine_flows, people):
    # given: two running discount records, one with a note and one without
    p1 = people["p1"]
    versions.publish(p1, "discount")
    records.start_record(people["consultant"], p1, "discount", GOOD)
    records.start_record(people["consultant"], p1, "discount", {**GOOD, "note": "ok"})
    _edit(engine_flows, "discount", "required: [unit_id, price, discount_rate]\n",
          "required: [unit_id, price, discount_rate, note]\n")

    # when / then: refused, naming the field and the record lacking it
    with pytest.raises(ChecksRefused) as caught:
        versions.publish(p1, "discount")
    found = [f for f in caught.value.findings if f.kind == NEWLY_REQUIRED]
    assert [(f.name, f.records, f.blocking) for f in found] == [("note", 1, True)]
    assert "running records lacking it: 1 (versions v1)" in found[0].message("en")
    assert "缺少该字段的在办记录：1 条（版本 v1）" in found[0].message("zh")

    # the admin chooses: required of new records only
    result = versions.publish(p1, "discount", choices={"note": NEW_ONLY})
    assert result.version.number == 2


def test_a_default_for_a_newly_required_field_is_kept_in_the_versions_schema(engine_flows, people):
    p1 = people["p1"]
    versions.publish(p1, "discount")
    records.start_record(people["consultant"], p1, "discount", GOOD)
    _edit(engine_flows, "discount", "required: [unit_id, price, discount_rate]\n",
          "required: [unit_id, price, discount_rate, note]\n")

    found = versions.publish_findings(p1, "discount", choices={"note": {"default": "none given"}})
    result = versions.publish(p1, "discount", choices={"note": {"default": "none given"}})

    assert [f.blocking for f in found if f.kind == NEWLY_REQUIRED] == [False]
    assert "are given “none given” when they move" in found[0].message("en")
    schema = canonical.loads(result.version.content)["entity"]["schema"]
    assert schema["properties"]["note"]["default"] == "none given"


def test_a_default_that_does_not_fit_the_field_is_refused(engine_flows, people):
    p1 = people["p1"]
    versions.publish(p1, "discount")
    records.start_record(people["consultant"], p1, "discount", GOOD)
    _edit(engine_flows, "discount", "required: [unit_id, price, discount_rate]\n",
          "required: [unit_id, price, discount_rate, note]\n")

    with pytest.raises(versions.VersionError) as caught:
        versions.publish(p1, "discount", choices={"note": {"default": 12}})

    assert "the default of 'note' does not fit the field" in caught.value.message("en")
    assert versions.published_version(p1, "discount").number == 1


def test_a_removed_state_that_records_are_in_is_reported_with_their_count_and_does_not_block(engine_flows, people):
    p1 = people["p1"]
    versions.publish(p1, "discount")
    records.start_record(people["consultant"], p1, "discount", GOOD)
    records.start_record(people["consultant"], p1, "discount", GOOD)
    path = engine_flows / "discount.yaml"
    path.write_text(re.sub(r"\bdraft\b", "drafting", path.read_text(encoding="utf-8")), encoding="utf-8")

    found = versions.publish_findings(p1, "discount")
    result = versions.publish(p1, "discount")

    removed = [f for f in found if f.kind == STATE_REMOVED]
    assert [(f.name, f.records, f.blocking) for f in removed] == [("draft", 2, False)]
    assert removed[0].message("en").startswith("This version has no state “Draft”; running records in it: 2 (versions v1)")
    assert removed[0].message("zh").startswith("此版本没有状态“草稿”；处于该状态的在办记录：2 条（版本 v1）")
    assert result.created


def test_an_unchanged_flow_has_no_findings(flows_dir, people):
    p1 = people["p1"]
    versions.publish(p1, "reservation")
    versions.publish(p1, "subscription")
    _held_reservation(people)

    assert versions.publish_findings(p1, "subscription") == []
    assert versions.publish_findings(p1, "reservation") == []


def test_settings_no_flow_and_no_code_reads_are_named(engine_flows, people):
    p1 = people["p1"]

    before = {f.name for f in versions_checks.unread_settings(p1)}
    versions.publish(p1, "reservation")   # reads reservation_hours
    versions.publish(p1, "discount")      # reads project.discount_allowance in a guard
    after = versions_checks.unread_settings(p1)

    assert {"reservation_hours", "discount_allowance", "contract_days"} <= before
    assert {f.name for f in after} == before - {"reservation_hours", "discount_allowance"}
    contract = next(f for f in after if f.name == "contract_days")
    assert contract.kind == SETTING_UNREAD and not contract.blocking
    assert contract.message("en") == ("The project setting “Days from subscription to contract” is read by no flow "
                                      "of this project and by nothing else: changing it changes nothing.")
    assert contract.message("zh") == ("项目设置“认购转签约期限（天）”没有被本项目的任何流程或其他功能读取："
                                      "修改它不会产生任何效果。")


def test_each_setting_said_to_be_read_by_code_is_named_in_that_module():
    for name, module in versions_checks.CODE_READERS.items():
        assert name in (PLATFORM / module).read_text(encoding="utf-8"), (name, module)


def _v1_requiring_what_a_held_reservation_cannot_give(flows_dir, people):
    """v1 of the subscription required the channel at the start; v2 does not; a reservation is held."""
    p1 = people["p1"]
    original = (flows_dir / "subscription.yaml").read_text(encoding="utf-8")
    _edit(flows_dir, "subscription", "fields: [unit_id, customer_id]\n    required: [customer_id]",
          "fields: [unit_id, customer_id, channel]\n    required: [customer_id, channel]")
    versions.publish(p1, "subscription")
    (flows_dir / "subscription.yaml").write_text(original, encoding="utf-8")
    versions.publish(p1, "subscription")
    versions.publish(p1, "reservation")
    _held_reservation(people)
    return p1


def test_a_rollback_to_a_start_a_linking_flow_cannot_fill_is_refused(flows_dir, people):
    # given: v1 of the subscription required the channel at the start; v2 does not; a reservation is held
    p1 = _v1_requiring_what_a_held_reservation_cannot_give(flows_dir, people)

    with pytest.raises(ChecksRefused) as caught:
        versions.rollback(p1, "subscription", 1)

    assert [(f.kind, f.records) for f in caught.value.findings if f.blocking] == [(LINK_IN, 1)]
    assert versions.published_version(p1, "subscription").number == 2


def test_the_rollback_confirmation_shows_the_linked_flow_it_would_break_and_offers_no_button(
        flows_dir, people, client):
    from accounts.models import Membership

    # given: the same rollback as above, seen on its confirmation page
    p1 = _v1_requiring_what_a_held_reservation_cannot_give(flows_dir, people)
    Membership.objects.create(user=people["manager"], project=p1, role="project_admin")
    client.force_login(people["manager"])

    page = client.get("/studio/P1/subscription/rollback/1/").content.decode()

    assert [f.kind for f in versions.rollback_findings(p1, "subscription", 1) if f.blocking] == [LINK_IN]
    assert 'data-findings' in page and 'class="error"' in page
    assert "data-confirm-button" not in page  # nothing to click: the rollback would break the reservation


def test_manage_py_check_warns_of_a_setting_a_project_set_that_nothing_reads(engine_flows, people):
    from django.core import checks

    from engine.checks import check_unread_project_settings

    p1 = people["p1"]  # sets discount_allowance, read by the discount flow's guard once published
    p1.settings = {**p1.settings, "contract_days": 10}
    p1.save(update_fields=["settings"])
    versions.publish(p1, "discount")

    found = [w for w in check_unread_project_settings(databases=["default"]) if "project P1 " in w.msg]

    assert [(w.id, w.level) for w in found] == [("flows.W001", checks.WARNING)]
    assert "project P1 sets 'contract_days'" in found[0].msg  # not discount_allowance: the guard reads it
    assert check_unread_project_settings() == []  # plain `check` reads no database
