"""A business admin changes a flow with the studio's forms only, on a phone; new records follow, running ones are unharmed.

Issue 20, item 1: a renamed title, a shorter deadline, an added countersign, a new field
required from a given step, and an inserted state with a new role, each made with the
structured editor, published, and checked by running a new record through it, while a
record that was running before keeps working on its own version.
"""
from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.models import Membership
from engine import versions
from engine.models import Record, Task
from engine.runtime import approvals, records, transitions
from kernel.models import Building, Customer, Unit

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _unit_and_customer(project, code: str):
    building = Building.objects.get_or_create(project=project, code="3", defaults={"name": "3号楼"})[0]
    unit = Unit.objects.create(project=project, building=building, code=code, floor=15, position=code[-2:],
                               layout="3室2厅2卫", built_area=Decimal("98.50"), inner_area=Decimal("80.10"),
                               orientation="南", list_price=Decimal("1500000.00"))
    return unit, Customer.objects.create(name=f"客户{code}", phone=f"+861381234{code[-4:].replace('-', '0')}")


def _save(page, key: str, fill: dict, check=(), select: dict | None = None, label: str | None = None) -> str:
    page.click(f"details[data-edit='{key}'] > summary")
    form = page.locator(f"form#{key}")
    for name, value in fill.items():
        form.locator(f"[name='{key}-{name}']").fill(value)
    for name, value in (select or {}).items():
        form.locator(f"select[name='{key}-{name}']").select_option(label=value)
    for field, text in check:  # a checkbox of a field, by its label
        form.locator(f"[data-field='{key}-{field}'] label:has-text('{text}')").first.click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, key
    form.locator("button[type=submit]").click()
    return page.locator(".message").first.inner_text()


def test_an_admin_makes_five_changes_with_forms_and_only_new_records_follow(browser, live_server, flows_dir, people):
    p = people
    Membership.objects.create(user=p["manager"], project=p["p1"], role="project_admin")
    versions.publish(p["p1"], "reservation")
    versions.publish(p["p1"], "subscription")  # a conversion starts one
    unit, customer = _unit_and_customer(p["p1"], "3-1502")
    running = records.start_record(p["consultant"], p["p1"], "reservation",
                                   {"unit_id": unit.pk, "customer_id": customer.pk})
    transitions.fire(p["consultant"], running.pk, "hold", {"unit_id": unit.pk, "deposit": "5000.00"})
    page = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740}).new_page()
    page.set_default_timeout(10_000)

    log_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/studio/P1/reservation/")
    page.click("a[data-editor-link]")
    # 1. a renamed title
    assert "已保存：“保留中”的名称" in _save(page, "title-state-held", {"zh": "锁定保留中", "en": "Unit held"})
    # 2. a shorter deadline, told to the director
    assert "已保存：“草稿”的时限" in _save(page, "deadline-draft", {"after_amount": "12"},
                                          check=[("escalate_to", "案场经理/项目总监")], select={"after_unit": "小时"})
    # 3. an added countersign before the conversion
    assert "已保存：审批" in _save(page, "approval-held", {"zh": "转认购会签", "en": "Conversion countersign"},
                                   check=[("roles", "销售经理"), ("roles", "财务")],
                                   select={"approved": "转认购", "rejected": "过期释放"})
    # 4. a new field, required from the hold on
    assert "已保存：新字段" in _save(page, "field-new", {"zh": "来源说明", "en": "Source note"},
                                     check=[("required", "从此步骤起必填")], select={"kind": "短文本", "step": "锁定房源"})
    # 5. a state inserted on the conversion's way, worked by a new role
    assert "已保存：新状态" in _save(page, "insert-convert", {
        "zh": "法务审核", "en": "Legal review", "role_zh": "法务", "role_en": "Legal", "task_zh": "审核资料",
        "task_en": "Review the papers", "leave_zh": "法务通过", "leave_en": "Legal approves"},
        check=[("leave_roles", "销售经理")])
    # the expert view shows the same overrides
    page.click("a[data-expert-link]")
    yaml = page.locator("textarea[name=overrides]").input_value()
    assert "conversion_countersign" in yaml and "legal_review" in yaml and "after: 12h" in yaml
    page.go_back()
    page.click("[data-publish]")
    if page.locator("label:has-text('仅对新记录要求填写')").count():
        page.click("label:has-text('仅对新记录要求填写')")
    page.click("button[data-confirm-button]")
    assert "已发布 v2。" in page.locator(".message").inner_text()
    page.context.close()

    # a new record follows every change
    unit2, customer2 = _unit_and_customer(p["p1"], "3-1503")
    new = records.start_record(p["consultant"], p["p1"], "reservation",
                               {"unit_id": unit2.pk, "customer_id": customer2.pk})
    draft_task = Task.objects.get(record=new, status="open")
    assert timedelta(hours=11) < draft_task.due_at - new.created_at <= timedelta(hours=12, minutes=1)
    refused = None
    try:
        transitions.fire(p["consultant"], new.pk, "hold", {"unit_id": unit2.pk, "deposit": "5000.00"})
    except Exception as exc:  # the new field is required from the hold on
        refused = exc
    assert refused is not None and "source_note" in str(getattr(refused, "errors", "")) + str(refused)
    transitions.fire(p["consultant"], new.pk, "hold", {"unit_id": unit2.pk, "deposit": "5000.00",
                                                       "source_note": "朋友介绍"})
    new = Record.objects.get(pk=new.pk)
    definition = versions.definition_for(new)
    assert (new.version.number, definition.state(new.state).title.zh) == (2, "锁定保留中")
    for voter, role in (("manager", "sales_manager"), ("fin", "finance")):  # a countersign: a vote per role
        vote = Task.objects.get(record=new, name="conversion_countersign", status="open", role=role)
        approvals.vote(p[voter], vote.pk, "approve")
    assert Record.objects.get(pk=new.pk).state == "legal_review"
    transitions.fire(p["manager"], new.pk, "legal_approves", {})
    assert Record.objects.get(pk=new.pk).state == "converted"

    # the record that was running keeps its version and converts as before, with no countersign
    transitions.fire(p["consultant"], running.pk, "convert", {})
    running = Record.objects.get(pk=running.pk)
    assert (running.version.number, running.state) == (1, "converted")
    assert not Task.objects.filter(record=running, name="conversion_countersign").exists()
