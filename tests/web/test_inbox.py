"""The inbox page: business columns, views with counts, search, filters by title, sort, bulk actions, saved filters."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engine import versions
from engine.models import Record, Task
from engine.runtime import records, tasks, transitions
from kernel.models import Building, Customer, Unit
from web.models import SavedFilter


@pytest.fixture
def world(engine_flows, people):
    versions.publish(people["p1"], "discount")
    building = Building.objects.create(project=people["p1"], code="3", name="3号楼")
    units = [Unit.objects.create(project=people["p1"], building=building, code=f"3-{1500 + n:04d}", floor=15,
                                 position=f"{n:02d}", built_area=Decimal("89.37"), inner_area=Decimal("70.00"),
                                 list_price=Decimal("2530307.00")) for n in range(1, 4)]
    customers = [Customer.objects.create(name=name, phone=phone) for name, phone in
                 [("李娜", "+8613812341234"), ("王小明", "+8613900001111")]]
    return {**people, "units": units, "customers": customers}


def deal(p, unit, customer=None, price="2530307.00"):
    """A discount record for `unit` (and `customer`, kept in its data as deals keep it)."""
    record = records.start_record(p["consultant"], p["p1"], "discount",
                                  {"unit_id": unit.pk, "price": price, "discount_rate": "0.05"})
    if customer is not None:
        Record.objects.filter(pk=record.pk).update(data={**record.data, "customer_id": customer.pk})
    return record


def rows_of(html: str) -> int:
    return html.count('<tr data-task="')


def test_the_inbox_shows_customer_unit_amount_and_holder_by_name(client, world):
    # given
    p = world
    p["consultant2"].display_name = "张伟"
    p["consultant2"].save()
    record = deal(p, p["units"][0], p["customers"][0], price="1234567.5")
    tasks.claim(p["consultant2"], Task.objects.get(record=record).pk)
    client.force_login(p["consultant2"])

    # when
    html = client.get(reverse("web:inbox")).content.decode()

    # then
    row = html.split(f'<tr data-task="{Task.objects.get(record=record).pk}"')[1].split("</tr>")[0]
    assert "李娜" in row and "3-1501" in row and "¥1,234,567.50" in row and "张伟" in row
    assert f">{p['consultant2'].pk}<" not in row


def test_the_page_reads_the_same_number_of_queries_for_5_and_50_rows(client, world):
    p = world
    client.force_login(p["consultant"])
    counted = []
    for total in (5, 50):
        while Record.objects.count() < total:
            n = Record.objects.count()
            deal(p, p["units"][n % 3], p["customers"][n % 2])
        client.get(reverse("web:inbox"))  # warm the definition cache
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("web:inbox") + "?q=李").content.decode()
        assert rows_of(html) == (total + 1) // 2  # every other deal is 李娜's
        counted.append(len(queries))
    assert counted[0] == counted[1], counted


def test_search_finds_by_reference_number_customer_name_phone_and_unit_code(client, world):
    p = world
    first = deal(p, p["units"][0], p["customers"][0])
    second = deal(p, p["units"][1], p["customers"][1])
    client.force_login(p["consultant"])

    def found(q):
        html = client.get(reverse("web:inbox"), {"q": q}).content.decode()
        return sorted(r.reference for r in (first, second) if f">{r.reference}</a>" in html)

    assert found(first.reference) == [first.reference]
    assert found(first.reference.lower()) == [first.reference]
    assert found("2") == [second.reference]
    assert found("小明") == [second.reference]
    assert found("13812341234") == [first.reference]
    assert found("1234") == []  # a phone is found by the whole number only
    assert found("3-1502") == [second.reference]
    assert found("3-15") == [first.reference, second.reference]
    assert "没有符合搜索条件的任务" in client.get(reverse("web:inbox"), {"q": "赵"}).content.decode()


def test_flow_and_state_filters_are_selects_with_titles_in_the_users_language(client, world):
    p = world
    deal(p, p["units"][0])
    client.force_login(p["consultant"])

    chinese = client.get(reverse("web:inbox")).content.decode()
    assert '<option value="discount">折扣审批</option>' in chinese
    assert '<option value="discount:draft">草稿</option>' in chinese
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(reverse("web:inbox")).content.decode()
    assert '<option value="discount">Discount approval</option>' in english
    assert '<option value="discount:review">In review</option>' in english
    assert rows_of(client.get(reverse("web:inbox"), {"state": "discount:review"}).content.decode()) == 0
    assert rows_of(client.get(reverse("web:inbox"), {"state": "discount:draft"}).content.decode()) == 1


def test_the_tabs_count_each_view(client, world):
    p = world
    made = [deal(p, p["units"][n % 3]) for n in range(3)]
    tasks.claim(p["consultant2"], Task.objects.get(record=made[0]).pk)
    tasks.claim(p["consultant"], Task.objects.get(record=made[1]).pk)
    client.force_login(p["consultant"])

    html = client.get(reverse("web:inbox")).content.decode()

    counts = {v: html.split(f'data-count="{v}">')[1].split("<")[0]
              for v in ("all", "mine", "group", "claimable", "overdue", "sent_back")}
    assert counts == {"all": "2", "mine": "1", "group": "3", "claimable": "1", "overdue": "0", "sent_back": "0"}
    group = client.get(reverse("web:inbox"), {"view": "group"}).content.decode()
    assert rows_of(group) == 3 and "consultant2" in group


def test_sort_by_reference_descending(client, world):
    p = world
    made = [deal(p, p["units"][0]) for _ in range(3)]
    client.force_login(p["consultant"])

    html = client.get(reverse("web:inbox"), {"order": "-reference"}).content.decode()

    positions = [html.index(f">{r.reference}</a>") for r in made]
    assert positions == sorted(positions, reverse=True)


def test_bulk_approve_gives_the_votes_allowed_and_names_each_refusal(client, world):
    p = world
    made = [deal(p, p["units"][n]) for n in range(2)]
    for record in made:
        transitions.fire(p["consultant"], record.pk, "submit",
                         {"unit_id": p["units"][0].pk, "price": "1.00", "discount_rate": "0.05"})
    slots = [Task.objects.get(record=r, roles=["project_director"]) for r in made]
    work = deal(p, p["units"][2])
    work_task = Task.objects.get(record=work)
    client.force_login(p["director"])

    response = client.post(reverse("web:approve-tasks"), {"task": [slots[0].pk, slots[1].pk, work_task.pk]},
                           follow=True)

    said = [str(m) for m in response.context["messages"]]
    assert [Task.objects.get(pk=s.pk).outcome for s in slots] == ["approve", "approve"]
    assert "已审批 2 项。" in said
    assert any(m.startswith(f"{work.reference}：") for m in said)  # the refusal names its record, colon full-width
    assert Task.objects.get(pk=work_task.pk).status == "open"


def test_an_approvals_badge_is_a_title_in_english_and_a_refusal_keeps_the_english_colon(client, world):
    p = world
    record = deal(p, p["units"][0])
    transitions.fire(p["consultant"], record.pk, "submit",
                     {"unit_id": p["units"][0].pk, "price": "1.00", "discount_rate": "0.05"})
    work = deal(p, p["units"][1])
    client.force_login(p["director"])
    client.cookies["django_language"] = "en"

    page = client.get(reverse("web:inbox")).content.decode()
    response = client.post(reverse("web:approve-tasks"), {"task": [Task.objects.get(record=work).pk]}, follow=True)

    assert '<span class="badge approval">Approval</span>' in page and ">approval<" not in page
    assert any(str(m).startswith(f"{work.reference}: ") for m in response.context["messages"])


def test_unclaim_from_the_row_puts_the_task_back(client, world):
    p = world
    record = deal(p, p["units"][0])
    task = Task.objects.get(record=record)
    tasks.claim(p["consultant"], task.pk)
    client.force_login(p["consultant"])
    assert f'name="unclaim" value="{task.pk}"' in client.get(reverse("web:inbox")).content.decode()

    response = client.post(reverse("web:unclaim"), {"unclaim": task.pk}, follow=True)

    assert Task.objects.get(pk=task.pk).assignee_id is None
    assert f"{record.reference} 已放回可认领任务。" in [str(m) for m in response.context["messages"]]


def test_unclaiming_a_task_number_that_is_no_key_leaves_every_task_as_it_was(client, world):
    p = world
    record = deal(p, p["units"][0])
    task = Task.objects.get(record=record)
    tasks.claim(p["consultant"], task.pk)
    client.force_login(p["consultant"])

    for posted in ("²", "9" * 20, ""):
        response = client.post(reverse("web:unclaim"), {"unclaim": posted})
        assert response.status_code == 302

    assert Task.objects.get(pk=task.pk).assignee_id == p["consultant"].pk


def test_unclaiming_a_colleagues_task_is_refused_in_words(client, world):
    p = world
    record = deal(p, p["units"][0])
    task = Task.objects.get(record=record)
    tasks.claim(p["consultant2"], task.pk)
    client.force_login(p["consultant"])

    response = client.post(reverse("web:unclaim"), {"unclaim": task.pk}, follow=True)

    assert Task.objects.get(pk=task.pk).assignee_id == p["consultant2"].pk
    [said] = [str(m) for m in response.context["messages"]]
    assert said.startswith(f"{record.reference}：") and "释放他人持有的任务" in said


def test_a_saved_filter_is_listed_applied_and_deleted(client, world):
    p = world
    deal(p, p["units"][0], p["customers"][0])
    client.force_login(p["consultant"])

    response = client.post(reverse("web:inbox-filter-save"), {"name": "李娜的单", "query": "q=李娜&view=claimable&junk=1"})
    saved = SavedFilter.objects.get(user=p["consultant"])
    assert (saved.name, saved.query) == ("李娜的单", "view=claimable&q=%E6%9D%8E%E5%A8%9C")
    assert response["Location"] == "/?view=claimable&q=%E6%9D%8E%E5%A8%9C"
    html = client.get("/").content.decode()
    assert '<a href="?view=claimable&amp;q=%E6%9D%8E%E5%A8%9C">李娜的单</a>' in html

    client.force_login(p["consultant2"])  # nobody else sees or deletes it
    assert "李娜的单" not in client.get("/").content.decode()
    client.post(reverse("web:inbox-filter-delete", args=[saved.pk]))
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    client.force_login(p["consultant"])
    client.post(reverse("web:inbox-filter-delete", args=[saved.pk]))
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


def test_a_filter_without_a_name_is_refused_at_its_field(client, world):
    client.force_login(world["consultant"])

    response = client.post(reverse("web:inbox-filter-save"), {"name": "  ", "query": "view=mine"})

    html = response.content.decode()
    assert response.status_code == 400
    assert '<ul class="errorlist" id="filter-name-error"><li>请为筛选命名。</li></ul>' in html
    assert SavedFilter.objects.count() == 0


def test_a_task_sent_back_says_so_with_the_reason_in_its_row(client, world):
    from engine.runtime import moves

    # given: a submitted discount the director sent back with a reason, and another never sent back
    p = world
    values = {"unit_id": p["units"][0].pk, "price": "2530307.00", "discount_rate": "0.05"}
    record = records.start_record(p["consultant"], p["p1"], "discount", values)
    other = records.start_record(p["consultant"], p["p1"], "discount", {**values, "unit_id": p["units"][1].pk})
    transitions.fire(p["consultant"], record.pk, "submit", values)
    moves.send_back(p["director"], record.pk, "draft", "价格需复核")
    client.force_login(p["consultant"])

    # when
    html = client.get(reverse("web:inbox")).content.decode()

    # then
    sent_back = html.split(f'<tr data-task="{Task.objects.get(record=record, status="open").pk}"')[1].split("</tr>")[0]
    assert "已退回：价格需复核" in sent_back
    untouched = html.split(f'<tr data-task="{Task.objects.get(record=other, status="open").pk}"')[1].split("</tr>")[0]
    assert "data-sent-back" not in untouched
    client.cookies["django_language"] = "en"  # English writes its own colon, not the Chinese one
    assert "Sent back: 价格需复核" in client.get(reverse("web:inbox")).content.decode()


def test_a_return_address_that_is_not_a_path_goes_back_to_the_inbox(client, django_user_model):
    user = django_user_model.objects.create_user("back-check", password="x")
    client.force_login(user)
    response = client.post("/tasks/claim/", {"next": "138 0000 0000"})
    assert response.status_code == 302 and response["Location"] == "/"
