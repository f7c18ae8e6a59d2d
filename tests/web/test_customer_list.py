"""The customer base pages: the project's list (filters, paging, masking, query counts), my customers,
the follow-up form, and the inbox's reminder on the day."""
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from kernel import customers, followups, visits
from kernel.models import Company, CustomerRegistration, FollowUp, Project, Visit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


@pytest.fixture
def world(people):
    """张伟 is the consultant's, 李娜 consultant2's, in P1; both registered an hour ago (protected)."""
    now = timezone.now() - timedelta(hours=1)
    zhang = customers.register(project_id=people["p1"].pk, consultant_id=people["consultant"].pk, name="张伟",
                               phone="13812341234", extra={"id_number": "11010519491231002X", "source": "referral"},
                               now=now).customer
    li = customers.register(project_id=people["p1"].pk, consultant_id=people["consultant2"].pk, name="李娜",
                            phone="13900001111", now=now).customer
    return {**people, "zhang": zhang, "li": li}


def list_url(**params):
    return reverse("web:customer-list", args=["P1"]), params


def rows_of(html: str) -> list[str]:
    return [chunk.split('"', 1)[0] for chunk in html.split('<tr data-customer="')[1:]]


def row(html: str, customer) -> str:
    return html.split(f'<tr data-customer="{customer.pk}"')[1].split("</tr>")[0]


def log(p, customer, user, **changes):
    args = {"project_id": p["p1"].pk, "customer_id": customer.pk, "by_user_id": user.pk, "channel": "call",
            "stage": "strong_interest", "note": "约了周末看房", "next_on": today() + timedelta(days=2),
            "token": f"t{FollowUp.objects.count()}", **changes}
    return followups.log_follow_up(**args)


# the project's customer list

def test_a_consultant_sees_their_own_customers_by_default_and_all_the_projects_masked_on_asking(client, world):
    p = world
    client.force_login(p["consultant"])

    mine = client.get(*list_url()).content.decode()
    everyone = client.get(*list_url(all="1")).content.decode()

    assert rows_of(mine) == [str(p["zhang"].pk)]
    assert "13812341234" in row(mine, p["zhang"])
    assert sorted(rows_of(everyone)) == sorted([str(p["zhang"].pk), str(p["li"].pk)])
    assert "139****1111" in row(everyone, p["li"]) and "13900001111" not in everyone


def test_a_manager_sees_everyones_customers_with_full_numbers(client, world):
    p = world
    client.force_login(p["manager"])

    html = client.get(*list_url()).content.decode()

    assert len(rows_of(html)) == 2
    assert "13900001111" in row(html, p["li"])


def test_finance_sees_the_projects_customers_masked(client, world):
    p = world
    client.force_login(p["fin"])

    html = client.get(*list_url(all="1")).content.decode()

    assert "138****1234" in row(html, p["zhang"]) and "13812341234" not in html


def test_the_row_shows_stage_title_consultant_source_and_dates_in_words(client, world):
    # given
    p = world
    p["consultant"].display_name = "王敏"
    p["consultant"].save()
    log(p, p["zhang"], p["consultant"], next_on=today() + timedelta(days=2))
    client.force_login(p["manager"])

    # when
    html = client.get(*list_url()).content.decode()

    # then
    zhang = row(html, p["zhang"])
    assert "强意向 50%" in zhang and "王敏" in zhang and "老带新" in zhang and "（北京时间）" in zhang
    assert "strong_interest" not in zhang and "referral" not in zhang and "None" not in zhang
    assert reverse("web:customer", args=[p["zhang"].pk]) in zhang
    assert reverse("web:follow-up", args=["P1", p["zhang"].pk]) in zhang
    assert "从未" in row(html, p["li"])  # never contacted


def test_the_page_speaks_english_too(client, world):
    p = world
    log(p, p["zhang"], p["consultant"])
    client.force_login(p["manager"])

    html = client.get(*list_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Customers" in html and "Strong interest 50%" in row(html, p["zhang"])
    assert "Referred by an owner" in row(html, p["zhang"])


@pytest.mark.parametrize("text", ["张伟", "13812341234", "138-1234-1234", "1234", "11010519491231002x"])
def test_search_by_name_phone_last_four_and_id_number(client, world, text):
    client.force_login(world["manager"])

    html = client.get(*list_url(q=text)).content.decode()

    assert rows_of(html) == [str(world["zhang"].pk)]


def test_a_whole_phone_of_another_project_of_the_company_says_registered_elsewhere_and_nothing_more(client, world):
    # given: P1 and P2 belong to one company that does not share
    p = world
    company = Company.objects.create(code="group", name="集团")
    Project.objects.filter(pk__in=[p["p1"].pk, p["p2"].pk]).update(company=company)
    wu = customers.register(project_id=p["p2"].pk, consultant_id=p["outsider"].pk, name="吴芳",
                            phone="13700003333").customer
    client.force_login(p["consultant"])

    # when
    html = client.get(*list_url(q="137 0000 3333", all="1")).content.decode()

    # then
    assert rows_of(html) == [] and "data-elsewhere" in html and "吴芳" not in html
    assert "data-elsewhere" not in client.get(*list_url(q="吴芳", all="1")).content.decode()
    assert wu.pk


def test_filters_stage_source_consultant_contact_and_overdue(client, world):
    # given
    p = world
    log(p, p["zhang"], p["consultant"], stage="negotiating", next_on=today())
    CustomerRegistration.objects.filter(customer=p["zhang"]).update(next_follow_up_on=today() - timedelta(days=1))
    Visit.objects.create(project=p["p1"], customer=p["li"], kind="visit", source_type="short_video",
                         received_by=p["consultant2"], token="v1")
    client.force_login(p["manager"])

    def shown(**params):
        return rows_of(client.get(*list_url(**params)).content.decode())

    # then
    assert shown(stage="negotiating") == [str(p["zhang"].pk)]
    assert shown(stage="none") == [str(p["li"].pk)]
    assert shown(source="referral") == [str(p["zhang"].pk)]  # from the profile
    assert shown(source="short_video") == [str(p["li"].pk)]  # from the first visit
    assert shown(consultant=str(p["consultant2"].pk)) == [str(p["li"].pk)]
    assert shown(contact="7") == [str(p["zhang"].pk)]
    assert shown(contact="never") == [str(p["li"].pk)]
    assert shown(contact="older") == []
    assert shown(overdue="1") == [str(p["zhang"].pk)]
    assert 'class="next overdue"' in row(client.get(*list_url()).content.decode(), p["zhang"])


def test_the_consultant_filter_lists_who_holds_customers_here_by_display_name(client, world):
    # given: a channel agent holds a customer; the manager and the director hold none
    p = world
    p["consultant"].display_name = "王敏 置业顾问"
    p["consultant"].save()
    agent = User.objects.create_user("agent", password="x", display_name="赵渠道")
    Membership.objects.create(user=agent, project=p["p1"], role="channel_agent")
    customers.register(project_id=p["p1"].pk, consultant_id=agent.pk, name="吴芳", phone="13700003333")
    client.force_login(p["manager"])

    # when
    html = client.get(*list_url()).content.decode()

    # then
    select = html.split('name="consultant"')[1].split("</select>")[0]
    names = [chunk.split(">", 1)[1].split("<")[0] for chunk in select.split('<option value="')[2:]]
    assert sorted(names) == sorted(["王敏 置业顾问", "consultant2", "赵渠道"])
    assert "manager" not in select and "director" not in select
    assert rows_of(client.get(*list_url(consultant=str(agent.pk))).content.decode()) == [
        str(CustomerRegistration.objects.get(consultant=agent).customer_id)]


def test_a_walk_in_has_a_stage_and_a_last_contact_from_the_front_desk(client, world):
    # given: a new walk-in, a new caller, and 张伟 (意向) and 李娜 (议价中) coming back
    p = world
    desk = {"project_id": p["p1"].pk, "received_by_id": p["consultant"].pk}
    walk_in = visits.register_visit(**desk, kind="visit", phone="13600001111", name="周建华", token="w1").customer
    caller = visits.register_visit(**desk, kind="call", phone="13600002222", name="孙丽", token="w2").customer
    CustomerRegistration.objects.filter(customer=p["zhang"]).update(stage="intention")
    CustomerRegistration.objects.filter(customer=p["li"]).update(stage="negotiating")
    visits.register_visit(**desk, kind="visit", phone="13812341234", name="张伟", token="w3")
    visits.register_visit(project_id=p["p1"].pk, received_by_id=p["consultant2"].pk, kind="visit",
                          phone="13900001111", name="李娜", token="w4")
    client.force_login(p["manager"])

    # when
    html = client.get(*list_url()).content.decode()

    # then: a visit is 已到访, a call the first stage; a stage is raised to 已到访, never lowered
    assert "已到访 30%" in row(html, walk_in) and "从未" not in row(html, walk_in)
    assert "意向 10%" in row(html, caller) and "从未" not in row(html, caller)
    assert "已到访 30%" in row(html, p["zhang"])
    assert "议价中 70%" in row(html, p["li"]) and "从未" not in row(html, p["li"])
    assert rows_of(client.get(*list_url(contact="never")).content.decode()) == []


def test_a_visit_takes_the_first_stage_where_the_project_has_no_visited_stage(world):
    p = world
    p["p1"].settings = {**p["p1"].settings, "opportunity_stages": [
        {"code": "warm", "percent": 20, "zh": "有兴趣", "en": "Warm"},
        {"code": "hot", "percent": 60, "zh": "强烈", "en": "Hot"}]}
    p["p1"].save()

    walk_in = visits.register_visit(project_id=p["p1"].pk, received_by_id=p["consultant"].pk, kind="visit",
                                    phone="13600001111", name="周建华", token="w1").customer

    assert CustomerRegistration.objects.get(customer=walk_in).stage == "warm"


def test_paging_keeps_the_filters(client, world, monkeypatch):
    p = world
    from web.views import customer_list

    monkeypatch.setattr(customer_list, "PAGE_SIZE", 1)
    client.force_login(p["manager"])

    first = client.get(*list_url(order="name")).content.decode()
    second = client.get(*list_url(order="name", page="2")).content.decode()

    # by the name's code points: 张 before 李
    assert rows_of(first) == [str(p["zhang"].pk)] and rows_of(second) == [str(p["li"].pk)]
    assert "order=name&amp;page=2" in first


def test_the_list_reads_the_same_number_of_queries_for_3_and_30_customers(client, world):
    p = world
    client.force_login(p["manager"])
    counted = []
    for total in (3, 30):
        n = CustomerRegistration.objects.count()
        for i in range(n, total):
            customer = customers.register(project_id=p["p1"].pk, consultant_id=p["consultant"].pk,
                                          name=f"客户{i}", phone=f"1390000{i:04d}").customer
            log(p, customer, p["consultant"])
            Visit.objects.create(project=p["p1"], customer=customer, kind="visit", source_type="walk_in",
                                 received_by=p["consultant"], token=f"v{i}")
        with CaptureQueriesContext(connection) as queries:
            html = client.get(*list_url(all="1", q="客户")).content.decode()
        assert len(rows_of(html)) == total - 2
        counted.append(len(queries))
    assert counted[0] == counted[1], counted


def test_a_non_member_gets_404_and_an_unknown_project_too(client, world):
    client.force_login(world["outsider"])

    assert client.get(*list_url()).status_code == 404
    assert client.get(reverse("web:customer-list", args=["NOPE"])).status_code == 404
    assert client.get(reverse("web:follow-up", args=["P1", world["zhang"].pk])).status_code == 404


# my customers

def test_my_customers_lists_overdue_then_today_then_later_then_none(client, world):
    # given
    p = world
    extra = [customers.register(project_id=p["p1"].pk, consultant_id=p["consultant"].pk, name=name,
                                phone=phone).customer for name, phone in [("赵六", "13900002222"),
                                                                          ("钱七", "13900003333")]]
    log(p, p["zhang"], p["consultant"], next_on=today())
    CustomerRegistration.objects.filter(customer=p["zhang"]).update(next_follow_up_on=today() - timedelta(days=3))
    log(p, extra[0], p["consultant"], next_on=today())
    log(p, extra[1], p["consultant"], next_on=today() + timedelta(days=4))
    third = customers.register(project_id=p["p1"].pk, consultant_id=p["consultant"].pk, name="孙八",
                               phone="13900004444").customer
    client.force_login(p["consultant"])

    # when
    html = client.get(reverse("web:my-customers")).content.decode()

    # then
    assert rows_of(html) == [str(c.pk) for c in (p["zhang"], extra[0], extra[1], third)]
    assert [g.split('"')[0] for g in html.split('data-group="')[1:]] == ["overdue", "today", "later", "none"]
    assert "已超期" in html and "今天到期" in html
    assert reverse("web:follow-up", args=["P1", third.pk]) in html
    assert str(p["li"].pk) not in rows_of(html)


# the follow-up form

def test_the_form_offers_channels_as_buttons_stages_by_title_and_a_date_picker(client, world):
    client.force_login(world["consultant"])

    html = client.get(reverse("web:follow-up", args=["P1", world["zhang"].pk])).content.decode()

    assert 'type="radio" name="channel" value="call" checked' in html and "电话" in html and "到访" in html
    assert ">意向 10%<" in html and ">待签约 90%<" in html
    assert 'type="date"' in html and 'name="token" value="' in html


def test_logging_a_follow_up_redirects_to_the_customer_with_a_message(client, world):
    # given
    p = world
    client.force_login(p["consultant"])
    url = reverse("web:follow-up", args=["P1", p["zhang"].pk])
    posted = {"channel": "visit", "stage": "negotiating", "note": "看了样板间",
              "next_on": (today() + timedelta(days=1)).isoformat(), "token": "form-1"}

    # when: sent twice (a double click)
    response = client.post(url, posted)
    client.post(url, posted)

    # then
    assert response.status_code == 302 and response["Location"] == reverse("web:customer", args=[p["zhang"].pk])
    follow_up = FollowUp.objects.get()
    assert (follow_up.channel, follow_up.stage, follow_up.note, follow_up.by_id) == (
        "visit", "negotiating", "看了样板间", p["consultant"].pk)
    registration = CustomerRegistration.objects.get(customer=p["zhang"])
    assert (registration.stage, registration.next_follow_up_on) == ("negotiating", today() + timedelta(days=1))
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["张伟 的跟进已记录。"]


def test_a_past_date_is_refused_at_its_field_in_the_users_language_values_kept(client, world):
    p = world
    client.force_login(p["consultant"])
    past = (today() - timedelta(days=1)).isoformat()
    posted = {"channel": "message", "stage": "visited", "note": "发了户型图", "next_on": past, "token": "form-2"}

    zh = client.post(reverse("web:follow-up", args=["P1", p["zhang"].pk]), posted)
    en = client.post(reverse("web:follow-up", args=["P1", p["zhang"].pk]), posted, HTTP_ACCEPT_LANGUAGE="en")

    html = zh.content.decode()
    assert zh.status_code == 400
    assert f"下次跟进日期 {past} 已过" in html.split('id="next-error"')[1].split("</ul>")[0]
    assert 'value="message" checked' in html and 'value="visited" selected' in html and "发了户型图" in html
    assert f'value="{past}"' in html and 'value="form-2"' in html
    assert f"the next follow-up date {past} is in the past" in en.content.decode()
    assert FollowUp.objects.count() == 0


def test_a_stage_the_project_does_not_have_is_refused_at_the_stage(client, world):
    client.force_login(world["consultant"])

    response = client.post(reverse("web:follow-up", args=["P1", world["zhang"].pk]),
                           {"channel": "call", "stage": "hot", "note": "打过电话", "token": "form-3"})

    assert response.status_code == 400
    assert "不是 P1 的商机阶段" in response.content.decode().split('id="stage-error"')[1].split("</ul>")[0]


def test_another_consultants_protected_customer_is_refused_with_whose_it_is(client, world):
    p = world
    client.force_login(p["consultant2"])

    response = client.post(reverse("web:follow-up", args=["P1", p["zhang"].pk]),
                           {"channel": "call", "stage": "visited", "note": "打过电话", "token": "form-4"})
    opened = client.get(reverse("web:follow-up", args=["P1", p["zhang"].pk]))

    html = response.content.decode()
    assert response.status_code == 403 and "data-form-error" in html and "由 consultant 保护至" in html
    assert opened.status_code == 403 and "由 consultant 保护至" in opened.content.decode()
    assert 'name="note"' not in opened.content.decode()
    assert FollowUp.objects.count() == 0


def test_finance_may_not_log_a_follow_up_and_is_told_why_the_consultants_date_stays(client, world):
    # given: the consultant planned a call in two days
    p = world
    log(p, p["zhang"], p["consultant"])
    client.force_login(p["fin"])
    url = reverse("web:follow-up", args=["P1", p["zhang"].pk])

    # when
    opened = client.get(url)
    posted = client.post(url, {"channel": "call", "stage": "visited", "note": "对账", "next_on": "", "token": "f"})

    # then: a refusal in words, naming the roles by title; nothing changed
    for response in (opened, posted):
        html = response.content.decode()
        assert response.status_code == 403 and "记录跟进需要在 P1 担任以下角色之一" in html and "置业顾问" in html
        assert "sales_consultant" not in html and 'name="note"' not in html
    assert FollowUp.objects.count() == 1
    assert CustomerRegistration.objects.get(customer=p["zhang"]).next_follow_up_on == today() + timedelta(days=2)


def test_the_lists_offer_log_follow_up_only_to_whom_may_log_it(client, world):
    p = world
    follow_up_link = "/follow-up/"

    client.force_login(p["fin"])
    finance = client.get(*list_url(all="1")).content.decode()
    client.force_login(p["consultant2"])
    colleague = client.get(*list_url(all="1")).content.decode()
    client.force_login(p["manager"])
    manager = client.get(*list_url()).content.decode()

    assert follow_up_link not in row(finance, p["zhang"]) and follow_up_link not in row(finance, p["li"])
    assert follow_up_link not in row(colleague, p["zhang"])  # protected for the consultant
    assert follow_up_link in row(colleague, p["li"])  # their own
    assert follow_up_link in row(manager, p["zhang"]) and follow_up_link in row(manager, p["li"])

    # once the protection has ended, a colleague may follow the customer up
    CustomerRegistration.objects.filter(customer=p["zhang"]).update(protected_until=timezone.now())
    client.force_login(p["consultant2"])
    assert follow_up_link in row(client.get(*list_url(all="1")).content.decode(), p["zhang"])


def test_a_channel_agent_sees_their_customers_without_a_follow_up_button(client, world):
    p = world
    agent = User.objects.create_user("agent", password="x", display_name="赵渠道")
    Membership.objects.create(user=agent, project=p["p1"], role="channel_agent")
    wu = customers.register(project_id=p["p1"].pk, consultant_id=agent.pk, name="吴芳", phone="13700003333").customer
    client.force_login(agent)

    html = client.get(reverse("web:my-customers")).content.decode()

    assert rows_of(html) == [str(wu.pk)] and "/follow-up/" not in html


def test_the_form_starts_from_the_planned_date_and_an_empty_note_is_refused_at_the_note(client, world):
    # given
    p = world
    planned = today() + timedelta(days=2)
    log(p, p["zhang"], p["consultant"], next_on=planned)
    client.force_login(p["consultant"])
    url = reverse("web:follow-up", args=["P1", p["zhang"].pk])

    # when
    form = client.get(url).content.decode()
    empty = client.post(url, {"channel": "call", "stage": "strong_interest", "note": " ", "next_on": "",
                              "token": "empty"})

    # then
    assert f'name="next_on" min="{today().isoformat()}" value="{planned.isoformat()}"' in form
    html = empty.content.decode()
    assert empty.status_code == 400
    assert "请填写跟进内容" in html.split('id="note-error"')[1].split("</ul>")[0]
    assert FollowUp.objects.count() == 1
    assert CustomerRegistration.objects.get(customer=p["zhang"]).next_follow_up_on == planned


def test_a_planned_date_that_has_passed_is_said_beside_the_date(client, world):
    p = world
    log(p, p["zhang"], p["consultant"], next_on=today())
    CustomerRegistration.objects.filter(customer=p["zhang"]).update(next_follow_up_on=today() - timedelta(days=2))
    client.force_login(p["consultant"])

    html = client.get(reverse("web:follow-up", args=["P1", p["zhang"].pk])).content.decode()

    assert "data-planned-passed" in html and "已过" in html.split("data-planned-passed")[1].split("</small>")[0]


# the inbox's reminder

def test_the_reminder_appears_in_the_inbox_on_the_day_and_not_before(client, world):
    # given: the next follow-up is tomorrow
    p = world
    log(p, p["zhang"], p["consultant"], next_on=today() + timedelta(days=1))
    client.force_login(p["consultant"])

    # when / then: not today
    assert "data-reminders" not in client.get(reverse("web:inbox")).content.decode()

    # when the day comes (the date moved one day back stands for tomorrow arriving)
    CustomerRegistration.objects.filter(customer=p["zhang"]).update(next_follow_up_on=today())
    html = client.get(reverse("web:inbox")).content.decode()

    # then
    box = html.split("data-reminders")[1].split("</section>")[0]
    assert "今日待跟进" in box and "张伟" in box and "强意向 50%" in box
    assert reverse("web:follow-up", args=["P1", p["zhang"].pk]) in box and "已超期" not in box

    # and a day later it is marked overdue
    CustomerRegistration.objects.filter(customer=p["zhang"]).update(next_follow_up_on=today() - timedelta(days=1))
    assert "已超期" in client.get(reverse("web:inbox")).content.decode().split("data-reminders")[1]


def test_the_reminder_is_computed_for_a_given_day(world):
    p = world
    log(p, p["zhang"], p["consultant"], next_on=today() + timedelta(days=3))

    assert followups.due_follow_ups(p["consultant"], on=today() + timedelta(days=2)) == []
    assert [r.customer_id for r in followups.due_follow_ups(p["consultant"], on=today() + timedelta(days=3))] == [
        p["zhang"].pk]


def test_a_manager_sees_the_projects_overdue_count_linking_to_the_filtered_list(client, world):
    p = world
    log(p, p["li"], p["consultant2"], next_on=today())
    CustomerRegistration.objects.filter(customer=p["li"]).update(next_follow_up_on=today() - timedelta(days=2))
    client.force_login(p["manager"])

    html = client.get(reverse("web:inbox")).content.decode()

    count = html.split('data-overdue-project="P1"')[1].split("</p>")[0]
    assert "P1：1 条跟进已超期" in count
    assert reverse("web:customer-list", args=["P1"]) + "?overdue=1" in count
    client.force_login(p["consultant"])
    assert "data-overdue-project" not in client.get(reverse("web:inbox")).content.decode()


def test_the_inbox_reads_one_more_query_for_a_consultant_with_reminders(client, world):
    p = world
    client.force_login(p["consultant"])
    client.get(reverse("web:inbox"))
    with CaptureQueriesContext(connection) as none_due:
        client.get(reverse("web:inbox"))
    for i in range(5):
        customer = customers.register(project_id=p["p1"].pk, consultant_id=p["consultant"].pk, name=f"客户{i}",
                                      phone=f"1390000{i:04d}").customer
        log(p, customer, p["consultant"], next_on=today())
    with CaptureQueriesContext(connection) as five_due:
        html = client.get(reverse("web:inbox")).content.decode()
    assert html.count("data-reminder=") == 5
    assert len(five_due) == len(none_due)


def test_no_page_shows_raw_codes_ids_or_none(client, world):
    p = world
    log(p, p["zhang"], p["consultant"], stage="about_to_sign", channel="message", next_on=None)
    client.force_login(p["consultant"])

    pages = [client.get(reverse("web:my-customers")), client.get(*list_url(all="1")),
             client.get(reverse("web:follow-up", args=["P1", p["zhang"].pk]))]

    for response in pages:
        main = response.content.decode().split('<main id="main"')[1]
        text = "".join(part.split(">", 1)[-1] for part in main.split("<"))  # the words, not the markup
        assert "None" not in text and "about_to_sign" not in text and "待签约 90%" in text
