"""The customer edit page and the managers' change approvals after the staff walk-through: every problem at its
field in words, birthdays checked, a read-only page for whoever sees the phone masked, no profile source, and a
refusal in words for members who do not decide changes."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from kernel import customers
from kernel.id_numbers import check_character
from kernel.models import Customer


@pytest.fixture
def customer(people):
    return customers.register(project_id=people["p1"].pk, consultant_id=people["consultant"].pk, name="王小明",
                              phone="13812341234", extra={"id_type": "passport", "id_number": "E12345678",
                                                          "source": "referral"}).customer


def errors_at(html: str, field: str) -> str:
    found = re.search(rf'data-errors-for="{field}"[^>]*>(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def edit(client, user, customer, language="zh-hans", **fields):
    client.force_login(user)
    data = {"name": "王小明", "phone": "13812341234", "id_type": "passport", "id_number": "E12345678", **fields}
    return client.post(f"/customers/{customer.pk}/edit/", data, HTTP_ACCEPT_LANGUAGE=language)


def test_phone_id_number_and_email_problems_show_at_once_at_their_fields_in_words(client, people, customer):
    response = edit(client, people["consultant"], customer, phone="1365555", id_type="resident_id",
                    id_number="110105194912310021", email="not-an-email")

    html = response.content.decode()
    assert response.status_code == 400
    assert "1365555 不是完整的电话号码" in errors_at(html, "phone")
    assert "校验码不符" in errors_at(html, "id_number")
    assert errors_at(html, "email") == "电子邮箱：格式不正确，例如 name@example.com"
    assert "does not match" not in html and "^[^@" not in html
    assert 'value="not-an-email"' in html and 'value="1365555"' in html


def test_the_email_words_in_english(client, people, customer):
    html = edit(client, people["consultant"], customer, "en", email="not-an-email").content.decode()

    assert errors_at(html, "email") == "Email: not a valid address, e.g. name@example.com"


def test_a_future_birthday_is_refused(client, people, customer):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()

    html = edit(client, people["consultant"], customer, birthday=future).content.decode()

    assert errors_at(html, "birthday") == "生日：不能晚于今天"
    assert "birthday" not in Customer.objects.get(pk=customer.pk).extra


def test_a_birthday_against_the_resident_id_is_refused_naming_both(client, people, customer):
    number = "11010519491231002"
    number += check_character(number)

    html = edit(client, people["consultant"], customer, id_type="resident_id", id_number=number,
                birthday="1950-01-01").content.decode()

    assert errors_at(html, "birthday") == ("生日：1950年1月1日与证件号码中的出生日期（1949年12月31日）不符，"
                                           "请更正其一")
    ok = edit(client, people["consultant"], customer, id_type="resident_id", id_number=number, birthday="1949-12-31")
    assert ok.status_code == 302
    assert Customer.objects.get(pk=customer.pk).extra["birthday"] == "1949-12-31"


def test_the_form_does_not_offer_the_source_and_keeps_it(client, people, customer):
    client.force_login(people["consultant"])
    page = client.get(f"/customers/{customer.pk}/edit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'name="source"' not in page and "来源渠道" not in page

    assert edit(client, people["consultant"], customer, occupation="教师").status_code == 302
    assert Customer.objects.get(pk=customer.pk).extra["source"] == "referral"


def test_a_viewer_who_sees_the_phone_masked_gets_a_read_only_page_saying_why(client, people, customer):
    client.force_login(people["consultant2"])

    page = client.get(f"/customers/{customer.pk}/edit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    refused = edit(client, people["consultant2"], customer, name="别人改的")

    assert "data-read-only" in page and "您看到的是该客户的隐藏号码" in page
    assert "<form method=\"post\" class=\"c360-form" not in page and 'name="name"' not in page
    assert "138****1234" in page and "13812341234" not in page and "王小明" in page
    assert "E****5678" in page and "E12345678" not in page  # the ID number masked as the phone (issue 16)
    assert refused.status_code == 403
    assert Customer.objects.get(pk=customer.pk).name == "王小明"


@pytest.mark.parametrize("who", ["fin", "consultant"])
def test_members_who_do_not_decide_changes_get_a_refusal_in_words_and_outsiders_404(client, people, who):
    client.force_login(people[who])

    response = client.get("/projects/P1/customer-changes/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 403
    page = response.content.decode()
    assert "data-refused" in page and "由本项目的销售经理、案场经理/项目总监和项目管理员审批" in page
    client.force_login(people["outsider"])
    assert client.get("/projects/P1/customer-changes/").status_code == 404
