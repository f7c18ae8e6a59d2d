"""The manager's page that reassigns a customer's protection to another consultant, with a reason."""
import pytest
from django.urls import reverse

from kernel import customers
from kernel.models import CustomerRegistration


@pytest.fixture
def customer(people):
    return customers.register(project_id=people["p1"].pk, consultant_id=people["consultant"].pk, name="王小明",
                              phone="13812341234").customer


def _url(people, customer):
    return reverse("web:customer-reassign", args=[people["p1"].code, customer.pk])


def _owner(customer):
    return CustomerRegistration.objects.get(customer=customer).consultant.username


@pytest.mark.parametrize("language, words", [("zh-hans", "保护至"), ("en", "protected until")])
def test_a_manager_sees_the_form_with_the_projects_consultants_by_name(client, people, customer, language, words):
    people["consultant2"].display_name = "李娜"
    people["consultant2"].save()
    client.force_login(people["manager"])

    response = client.get(_url(people, customer), HTTP_ACCEPT_LANGUAGE=language)

    page = response.content.decode()
    assert response.status_code == 200
    assert words in page
    assert f'<option value="{people["consultant2"].pk}">李娜</option>' in page
    assert people["fin"].username not in page  # finance is not a consultant
    assert people["outsider"].username not in page  # a consultant of another project
    assert ("登记给" if language == "zh-hans" else "registered to") in page  # the protection history


@pytest.mark.parametrize("language, words", [("zh-hans", "只有 P1 的销售经理"), ("en", "Only a sales manager")])
def test_a_consultant_gets_a_403_page_in_words(client, people, customer, language, words):
    client.force_login(people["consultant2"])

    for response in (client.get(_url(people, customer), HTTP_ACCEPT_LANGUAGE=language),
                     client.post(_url(people, customer), {"consultant": people["consultant2"].pk, "note": "我要"},
                                 HTTP_ACCEPT_LANGUAGE=language)):
        assert response.status_code == 403
        assert words in response.content.decode()
    assert _owner(customer) == "consultant"


def test_someone_of_another_project_gets_a_404(client, people, customer):
    client.force_login(people["outsider"])

    assert client.get(_url(people, customer)).status_code == 404


def test_the_manager_reassigns_with_a_reason_and_is_sent_to_the_customer(client, people, customer):
    client.force_login(people["manager"])

    response = client.post(_url(people, customer), {"consultant": people["consultant2"].pk, "note": "原顾问离职"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)

    assert response.redirect_chain[-1][0] == reverse("web:customer", args=[customer.pk])
    assert "王小明 现为 consultant2 在 P1 的客户，保护至" in response.content.decode()
    registration = CustomerRegistration.objects.get(customer=customer)
    assert (registration.consultant_id, registration.reassigned_by_id, registration.note) == (
        people["consultant2"].pk, people["manager"].pk, "原顾问离职")


@pytest.mark.parametrize("language, words", [("zh-hans", "请说明变更归属的原因。"),
                                             ("en", "Say why the customer is reassigned.")])
def test_a_missing_reason_is_refused_at_its_field(client, people, customer, language, words):
    client.force_login(people["manager"])

    response = client.post(_url(people, customer), {"consultant": people["consultant2"].pk, "note": "  "},
                           HTTP_ACCEPT_LANGUAGE=language)

    page = response.content.decode()
    assert response.status_code == 400
    errors = page[page.index('data-errors-for="note"'):]
    assert words in errors[:300]
    assert _owner(customer) == "consultant"


@pytest.mark.parametrize("language, words", [("zh-hans", "请填写变更 王小明 归属的原因（必填）"),
                                             ("en", "say why 王小明 is reassigned: a reason is required")])
def test_the_kernels_refusal_is_shown_at_its_field(client, people, customer, language, words, monkeypatch):
    # the form's own check passes (a reason typed), the kernel refuses all the same: its words at the field
    from kernel.errors import ReassignReasonRequired

    def refuse(**kwargs):
        raise ReassignReasonRequired(name="王小明", field="note")

    monkeypatch.setattr("web.views.protection.kernel_customers.reassign", refuse)
    client.force_login(people["manager"])

    response = client.post(_url(people, customer), {"consultant": people["consultant2"].pk, "note": "x"},
                           HTTP_ACCEPT_LANGUAGE=language)

    page = response.content.decode()
    assert response.status_code == 400
    assert words in page[page.index('data-errors-for="note"'):][:300]


# Times with their zone, a renewal said as one (issue 14, the tester's walk)

_WHEN_ZH = r"(\d{4}年)?\d{1,2}月\d{1,2}日 \d\d:\d\d（北京时间）"


def test_the_page_says_every_time_in_the_sites_format_with_the_zone(client, people, customer):
    import re
    client.force_login(people["manager"])

    zh = client.get(_url(people, customer), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get(_url(people, customer), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    current = zh[zh.index("data-current"):][:200]
    assert re.search(rf"保护至 {_WHEN_ZH}。", current), current
    lines = re.findall(r'<li data-kind="[a-z]+">([^<]*)</li>', zh)
    assert lines and all("（北京时间）" in line for line in lines), lines
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d（北京时间）", lines[0])  # the kernel's words: with the year
    assert "(Asia/Shanghai)" in en[en.index("data-current"):][:200]
    assert all("(Asia/Shanghai)" in line for line in re.findall(r'<li data-kind="[a-z]+">([^<]*)</li>', en))


def test_the_success_message_names_the_zone(client, people, customer):
    import re
    client.force_login(people["manager"])

    response = client.post(_url(people, customer), {"consultant": people["consultant2"].pk, "note": "原顾问离职"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)

    assert re.search(rf"王小明 现为 consultant2 在 P1 的客户，保护至 {_WHEN_ZH}。", response.content.decode())


def test_reassigning_to_the_same_consultant_says_the_protection_is_renewed(client, people, customer):
    import re

    from kernel.protection_history import protection_history
    client.force_login(people["manager"])
    before = CustomerRegistration.objects.get(customer=customer).protected_until

    response = client.post(_url(people, customer), {"consultant": people["consultant"].pk, "note": "客户仍在洽谈"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)

    page = response.content.decode()
    assert "现为" not in page
    assert re.search(rf"consultant 在 P1 对 王小明 的保护已续期，现保护至 {_WHEN_ZH}。", page), page
    registration = CustomerRegistration.objects.get(customer=customer)
    assert registration.consultant == people["consultant"] and registration.protected_until >= before
    assert [e["kind"] for e in protection_history(customer.pk, [people["p1"].pk])] == ["registered", "renewed"]


def test_a_customer_of_another_project_is_not_found_by_its_id(client, people):
    # given: a customer registered only in P2 (a project of no company: it shares with nobody)
    far = customers.register(project_id=people["p2"].pk, consultant_id=people["outsider"].pk, name="王芳",
                             phone="13700002222").customer
    client.force_login(people["manager"])

    # when a P1 manager types its id into the reassign address, or posts the form
    url = f"/projects/P1/customers/{far.pk}/reassign/"
    seen, posted = client.get(url), client.post(url, {"consultant": people["consultant"].pk, "note": "要过来"})

    # then: not found, and the customer is not pulled into P1
    assert (seen.status_code, posted.status_code) == (404, 404)
    assert not far.registrations.filter(project=people["p1"]).exists()
