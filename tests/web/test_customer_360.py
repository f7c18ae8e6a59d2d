"""The customer 360 page (客户台帐) and its edit, change-approval, merge and relation pages."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engine import versions
from engine.models import Record
from engine.runtime import records
from kernel import customers
from kernel.models import (
    Campaign,
    ChangeStatus,
    Customer,
    CustomerChangeRequest,
    CustomerRegistration,
    CustomerRelation,
    FollowUp,
    Payment,
    Visit,
)

from .page_text import read as page_text


@pytest.fixture
def customer(engine_flows, people):
    versions.publish(people["p1"], "discount")
    registration = customers.register(project_id=people["p1"].pk, consultant_id=people["consultant"].pk,
                                      name="王小明", phone="13812341234",
                                      extra={"id_type": "passport", "id_number": "E12345678"})
    return registration.customer


def _deal(people, customer, **data):
    record = records.start_record(people["consultant"], people["p1"], "discount", {"unit_id": 7, "note": "x"})
    Record.objects.filter(pk=record.pk).update(data={"unit_id": 7, "customer_id": customer.pk, **data})
    return record


def _visit(people, customer, n, **fields):
    return Visit.objects.create(project=people["p1"], customer=customer, received_by=people["consultant"],
                                at=timezone.now() - timedelta(hours=n), token=f"v{n}", **{"kind": "visit", **fields})


def _follow_up(people, customer, n, **fields):
    return FollowUp.objects.create(project=people["p1"], customer=customer, by=people["consultant"],
                                   at=timezone.now() - timedelta(hours=n, minutes=30), channel="call",
                                   token=f"f{n}", **{"stage": "intention", **fields})


def _get(client, user, url):
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    return response, response.content.decode()


def test_the_header_shows_the_phone_the_stage_the_consultant_and_the_protection(client, people, customer):
    from kernel.models import CustomerRegistration
    CustomerRegistration.objects.filter(customer=customer).update(stage="intention")

    _, page = _get(client, people["manager"], f"/customers/{customer.pk}/")

    assert "<small data-phone>13812341234</small>" in page
    assert '<span class="stage" data-stage>意向 10%</span>' in page
    assert "保护至" in page and "（北京时间）" in page
    assert ">记录跟进</a>" in page and ">合并重复客户</a>" in page and ">修改资料</a>" in page


def test_another_consultant_sees_the_phone_masked_in_header_history_and_relations(client, people, customer):
    customers.update(customer.pk, by_user_id=people["consultant"].pk, phone="13912345678")
    other = customers.register(project_id=people["p1"].pk, consultant_id=people["consultant"].pk, name="李娜",
                               phone="13700001111").customer
    CustomerRelation.objects.create(from_customer=customer, to_customer=other, kind="spouse")

    _, page = _get(client, people["consultant2"], f"/customers/{customer.pk}/")

    assert "<small data-phone>139****5678</small>" in page
    assert "电话: 138****1234 → 139****5678" in page
    assert '<span data-phone>137****1111</span>' in page
    assert "13912345678" not in page and "13700001111" not in page and "E12345678" not in page
    assert "E****5678" in page  # the ID number masked as every personal number is (kernel.personal_fields)
    assert ">合并重复客户</a>" not in page


def test_the_timeline_puts_visits_follow_ups_steps_payments_and_points_in_words_newest_first(client, people, customer):
    from plugins.points.models import PointsAccount, PointsEntry
    deal = _deal(people, customer, price="1200000.00")
    _visit(people, customer, 5, layout="三室两厅", budget=Decimal("3000000.00"), area=Decimal("120.00"),
           source_type="referral")
    _follow_up(people, customer, 1, stage="strong_interest", previous_stage="intention")
    Payment.objects.create(project=people["p1"], record_id=deal.pk, reference=deal.reference, kind="deposit",
                           amount=Decimal("50000.00"), received_at=timezone.now() - timedelta(minutes=10))
    account = PointsAccount.objects.create(project=people["p1"], customer=customer, balance=10, points_ever_earned=10)
    PointsEntry.objects.create(account=account, kind="earn", points=10, balance_after=10, reference="E-1",
                               at=timezone.now() - timedelta(minutes=5))

    response, page = _get(client, people["manager"], f"/customers/{customer.pk}/")
    text = page_text(page).text

    kinds = [chunk.split('"')[0] for chunk in page.split('data-event="')[1:]]
    # the deal started just now, after the registration (the visit and follow-up are dated before it)
    assert kinds == ["step", "protection", "points", "payment", "follow-up", "visit"]
    assert "电话 · 意向 10% → 强意向 50%" in text  # the channel by the follow-up form's title
    assert "三室两厅 · ¥3,000,000.00 · 120.00 m² · 老带新" in text
    assert "¥50,000.00" in text and "获得积分 +10" in text
    assert f'{deal.reference}</a> · Project one · 折扣审批' in page
    assert "¥1,200,000.00" in text  # the deal's amount
    assert "意向房型 三室两厅" in text  # the intention, from the latest visit


def test_the_intention_is_each_fields_latest_known_value_and_one_source(client, people, customer):
    # given: a visit with the intention and a campaign, then a call that says nothing of it
    Customer.objects.filter(pk=customer.pk).update(extra={**customer.extra, "source": "walk_in"})
    spring = Campaign.objects.create(project=people["p1"], name="春季开盘", source_type="short_video",
                                     starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    _visit(people, customer, 5, layout="三室两厅", budget=Decimal("3000000.00"), area=Decimal("120.00"),
           source_type="referral")
    _visit(people, customer, 3, campaign=spring, source_type="short_video")
    _visit(people, customer, 1, kind="call")

    _, page = _get(client, people["manager"], f"/customers/{customer.pk}/")
    text = page_text(page).text

    # then: nothing blanked by the call; the source once, the first visit's
    wanted = page_text(page.split("data-intention")[1].split("</dl>")[0]).text
    assert "三室两厅" in wanted and "¥3,000,000.00" in wanted and "120.00 m²" in wanted and "春季开盘" in wanted
    assert "老带新" in wanted and "短视频" not in wanted
    assert "来源渠道" not in text and "自然到访" not in text


def test_without_a_visit_the_profile_says_the_source(client, people, customer):
    Customer.objects.filter(pk=customer.pk).update(extra={**customer.extra, "source": "walk_in"})

    _, page = _get(client, people["manager"], f"/customers/{customer.pk}/")
    text = page_text(page).text

    assert "来源渠道 自然到访" in text and text.count("自然到访") == 1


def test_the_timeline_shows_the_protection_history_reassigned_with_reason_and_by_whom(client, people, customer):
    people["manager"].display_name = "陈刚 销售经理"
    people["manager"].save()
    customers.reassign(project_id=people["p1"].pk, customer_id=customer.pk, to_consultant_id=people["consultant2"].pk,
                       by_user_id=people["manager"].pk, note="原顾问离职")

    _, page = _get(client, people["manager"], f"/customers/{customer.pk}/")

    events = [page_text(chunk.split("</li>")[0]).text for chunk in page.split('data-event="protection"')[1:]]
    assert len(events) == 2
    assert "从 consultant 改派给 consultant2" in events[0] and "原顾问离职" in events[0] and "陈刚 销售经理" in events[0]
    assert "登记给 consultant" in events[1] and "保护至" in events[1]
    assert "None" not in " ".join(events)


def _actions(page: str) -> dict[str, bool]:
    return {"follow-up": ">记录跟进</a>" in page, "start": "data-start-deal" in page, "edit": ">修改资料</a>" in page}


def test_the_page_offers_follow_up_start_and_edit_only_to_whom_may_use_them(client, people, customer):
    everything = {"follow-up": True, "start": True, "edit": True}

    assert _actions(_get(client, people["consultant"], f"/customers/{customer.pk}/")[1]) == everything
    assert _actions(_get(client, people["manager"], f"/customers/{customer.pk}/")[1]) == everything
    assert _actions(_get(client, people["fin"], f"/customers/{customer.pk}/")[1]) == {
        "follow-up": False, "start": False, "edit": False}
    assert _actions(_get(client, people["consultant2"], f"/customers/{customer.pk}/")[1]) == {
        "follow-up": False, "start": True, "edit": False}  # protected for the consultant, phone masked

    CustomerRegistration.objects.filter(customer=customer).update(protected_until=timezone.now())
    assert _actions(_get(client, people["consultant2"], f"/customers/{customer.pk}/")[1])["follow-up"]


def test_empty_sections_say_none_in_a_paragraph_not_a_list_item(client, people, customer):
    _, page = _get(client, people["manager"], f"/customers/{customer.pk}/")

    assert '<li class="muted">—</li>' not in page
    for section, empty in (("profile", 1), ("deals", 2), ("history", 1), ("relations", 1)):  # points; services
        part = page.split(f'id="{section}"')[1].split("</section>")[0]  # and tasks; changes; relations
        assert part.count('<p class="muted empty">无</p>') == empty, section
    english = client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<p class="muted empty">Nothing recorded</p>' in english


def test_the_consultant_and_next_date_read_in_each_language_without_repeating_the_role(client, people, customer):
    CustomerRegistration.objects.filter(customer=customer).update(next_follow_up_on=date(2030, 5, 4))

    _, zh = _get(client, people["manager"], f"/customers/{customer.pk}/")
    en = client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    people["consultant"].display_name = "王敏 置业顾问"
    people["consultant"].save()
    _, demo = _get(client, people["manager"], f"/customers/{customer.pk}/")

    assert "<span data-consultant>置业顾问：consultant</span>" in zh and "<span data-next>下次跟进：" in zh
    assert "<span data-consultant>Consultant: consultant</span>" in en and "<span data-next>Next follow-up: " in en
    assert "：" not in page_text(en.split("c360-projects")[1].split("</ul>")[0]).text
    assert "<span data-consultant>王敏 置业顾问</span>" in demo


def test_the_page_costs_the_same_queries_for_3_and_30_timeline_items(client, people, customer):
    client.force_login(people["manager"])

    def queries(n):
        Visit.objects.all().delete(), FollowUp.objects.all().delete()
        for i in range(n):
            _visit(people, customer, i, layout="三室")
            _follow_up(people, customer, i)
            customers.reassign(project_id=people["p1"].pk, customer_id=customer.pk, by_user_id=people["manager"].pk,
                               to_consultant_id=people["consultant2" if i % 2 else "consultant"].pk, note=f"第{i}次")
        for _ in range(n // 3):
            _deal(people, customer)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/customers/{customer.pk}/").status_code == 200
        return len(captured)

    queries(3)  # warm the definition cache
    assert queries(3) == queries(30)


def test_an_outsider_gets_a_404_and_a_company_colleague_a_registered_elsewhere_page(client, people, customer):
    from kernel.models import Company
    assert _get(client, people["outsider"], f"/customers/{customer.pk}/")[0].status_code == 404

    company = Company.objects.create(code="acme", name="Acme")
    people["p1"].company = company
    people["p1"].save()
    people["p2"].company = company
    people["p2"].save()

    response, page = _get(client, people["outsider"], f"/customers/{customer.pk}/")
    assert response.status_code == 200
    assert "该客户已在本公司的其他项目登记" in page and "王小明" not in page


def test_editing_without_approval_applies_at_once(client, people, customer):
    client.force_login(people["consultant"])

    response = client.post(f"/customers/{customer.pk}/edit/", {
        "name": "王晓明", "phone": "13812341234", "id_type": "passport", "id_number": "E12345678",
        "occupation": "教师"}, HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)

    customer.refresh_from_db()
    assert (customer.name, customer.extra["occupation"]) == ("王晓明", "教师")
    assert "客户资料已保存。" in response.content.decode()


def test_editing_with_approval_waits_for_a_manager_who_approves_on_the_changes_page(client, people, customer):
    people["p1"].settings = {**people["p1"].settings, "customer_changes_need_approval": True}
    people["p1"].save()
    client.force_login(people["consultant"])

    response = client.post(f"/customers/{customer.pk}/edit/", {
        "name": "王晓明", "phone": "13912345678", "id_type": "passport", "id_number": "E12345678",
        "reason": "证件"}, HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)

    assert "等待销售经理审批" in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).name == "王小明"
    request = CustomerChangeRequest.objects.get()

    # a consultant does not see the approvals; the manager does, old → new, and approves
    client.force_login(people["consultant2"])
    assert client.get("/projects/P1/customer-changes/").status_code == 403  # told why in words (tests/web/test_customer_edit.py)
    client.force_login(people["manager"])
    page = client.get("/projects/P1/customer-changes/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<td>王小明</td><td>→</td><td>王晓明</td>" in page
    assert "<td>13812341234</td><td>→</td><td>13912345678</td>" in page
    response = client.post("/projects/P1/customer-changes/", {"request": request.pk, "decision": "approve",
                                                              "note": "ok"}, HTTP_ACCEPT_LANGUAGE="zh-hans",
                           follow=True)
    assert "已批准" in response.content.decode()
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("王晓明", "+8613912345678")
    assert CustomerChangeRequest.objects.get().status == ChangeStatus.APPROVED


def test_a_refused_edit_says_why_at_the_form(client, people, customer):
    client.force_login(people["consultant"])

    response = client.post(f"/customers/{customer.pk}/edit/", {"name": "王小明", "phone": "12"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400
    assert "12 不是完整的电话号码" in response.content.decode()  # at the phone field (tests/web/test_customer_edit.py)


def test_the_merge_page_previews_what_moves_then_merges(client, people, customer):
    twin = customers.register(project_id=people["p1"].pk, consultant_id=people["consultant"].pk, name="王小明",
                              phone="13900001111").customer
    _visit(people, twin, 1)
    client.force_login(people["manager"])

    page = client.post(f"/customers/{customer.pk}/merge/", {"duplicate": f"@{twin.pk}", "confirm": "0"},
                       HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<dt>到访与来电</dt><dd>1</dd>" in page and "合并到此客户" in page

    response = client.post(f"/customers/{customer.pk}/merge/", {"duplicate": f"@{twin.pk}", "confirm": "1"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    assert "已合并到此客户" in response.content.decode()
    assert not Customer.objects.filter(pk=twin.pk).exists()
    assert Visit.objects.get().customer_id == customer.pk


def test_the_merge_page_is_for_managers_and_shows_a_refusal_in_words(client, people, customer):
    client.force_login(people["consultant"])
    assert client.get(f"/customers/{customer.pk}/merge/").status_code == 404

    client.force_login(people["manager"])
    page = client.post(f"/customers/{customer.pk}/merge/", {"duplicate": f"@{customer.pk}", "confirm": "0"},
                       HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "不能把客户合并到其本人" in page and "合并到此客户</button>" not in page


def test_relations_are_added_with_the_picker_and_removed(client, people, customer):
    other = customers.register(project_id=people["p1"].pk, consultant_id=people["consultant"].pk, name="李娜",
                               phone="13700001111").customer
    client.force_login(people["consultant"])

    response = client.post(f"/customers/{customer.pk}/relations/", {
        "relation-kind": "referrer", "relation-other": "李娜", "relation-note": "老业主"},
        HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    page = response.content.decode()
    relation = CustomerRelation.objects.get()
    assert (relation.from_customer_id, relation.to_customer_id, relation.kind) == (customer.pk, other.pk, "referrer")
    assert "推荐人：" in page_text(page).text or "推荐人:" in page_text(page).text

    client.post(f"/customers/{customer.pk}/relations/", {"remove": relation.pk})
    assert not CustomerRelation.objects.exists()


def test_the_page_reads_in_english(client, people, customer):
    client.force_login(people["manager"])
    page = client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Timeline" in page and "Key field history" in page and "Merge a duplicate" in page


def test_a_customer_added_in_the_admin_is_registered_in_a_project_and_their_page_opens(client, people):
    from accounts.models import Membership, User
    from kernel.models import CustomerRegistration
    root = User.objects.create_superuser("root", password="x")
    Membership.objects.create(user=root, project=people["p1"], role="project_admin")
    client.force_login(root)

    refused = client.post("/admin/kernel/customer/add/", {"name": "赵六", "phone": "13600001234", "extra": "{}",
                                                          "project": people["p1"].pk,
                                                          "consultant": people["outsider"].pk})
    assert refused.status_code == 200 and not Customer.objects.exists()  # not a member of P1

    client.post("/admin/kernel/customer/add/", {"name": "赵六", "phone": "13600001234", "extra": "{}",
                                               "project": people["p1"].pk, "consultant": people["consultant"].pk})

    customer = Customer.objects.get()
    registration = CustomerRegistration.objects.get(customer=customer)
    assert (registration.project_id, registration.consultant_id) == (people["p1"].pk, people["consultant"].pk)
    client.force_login(people["consultant"])
    assert client.get(f"/customers/{customer.pk}/").status_code == 200


def test_a_colleagues_deal_is_listed_without_its_link_state_amount_payments_or_steps(client, people, customer):
    # given: the consultant's deal with a price and a payment, in a project where consultants see only their own work
    deal = _deal(people, customer, price="1200000.00")
    Payment.objects.create(project=people["p1"], record_id=deal.pk, reference=deal.reference, kind="deposit",
                           amount=Decimal("50000.00"), received_at=timezone.now() - timedelta(minutes=10))

    # when: their colleague opens the customer
    _, page = _get(client, people["consultant2"], f"/customers/{customer.pk}/")
    text = page_text(page).text

    # then: the deal is there, unlinked, handled by a colleague; nothing of its money, state or steps
    assert deal.reference in page and f"/records/{deal.pk}/" not in page
    assert "同事跟进中" in text
    assert "¥1,200,000.00" not in text and "¥50,000.00" not in text
    assert 'data-event="step"' not in page and 'data-event="payment"' not in page
    # the consultant who holds it, and the manager, see all of it
    for who in ("consultant", "manager"):
        _, page = _get(client, people[who], f"/customers/{customer.pk}/")
        text = page_text(page).text
        assert f"/records/{deal.pk}/" in page and "¥1,200,000.00" in text and "¥50,000.00" in text
        assert "同事跟进中" not in text
