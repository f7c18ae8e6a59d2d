"""The studio's documents: the list, a template checked and previewed with a sample record, saved as the
project's own (refused with each unknown field's line), a new document for a flow; admins only."""
from documents.models import DocumentTemplate
from tests.documents.test_documents import NAME, deal  # noqa: F401  (the fixture)
from tests.flows.conftest import world  # noqa: F401  (the fixture)
from tests.kernel.conftest import make_user


def test_edit_check_preview_and_save_a_projects_document(client, deal):
    p, u, records = deal
    admin = make_user("padmin", p, "project_admin")
    client.force_login(admin)
    listed = client.get(f"/studio/{p.code}/documents/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for title in ("认购书", "收款收据", "商品房买卖合同（草稿）", "面积补差通知书", "交房确认书", "催款函"):
        assert title in listed
    url = f"/studio/{p.code}/documents/subscription_form/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "data.deal_price|capitals" in page  # the shipped text to start from

    bad = client.post(url, {"title_zh": "认购书", "title_en": "Form", "action": "save",
                            "body": "<p>\n{{ data.deal_prise }}</p>"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert bad.status_code == 400 and "第 2 行：没有 data.deal_prise 这个字段，是不是 data.deal_price？" in bad.content.decode()
    assert not DocumentTemplate.objects.exists()

    body = '{% extends "documents/base.html" %}{% block content %}<p>{{ customer.name }} {{ data.deal_price|capitals }}</p>{% endblock %}'
    previewed = client.post(url, {"title_zh": "认购书", "title_en": "Form", "action": "preview", "body": body},
                            HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert previewed.status_code == 200
    shown = previewed.content.decode()
    assert records["subscription"].reference in shown and NAME in shown and "贰佰万元整" in shown
    assert not DocumentTemplate.objects.exists()  # a preview saves nothing

    saved = client.post(url, {"title_zh": "认购协议", "title_en": "Agreement", "action": "save", "body": body})
    assert saved.status_code == 302
    t = DocumentTemplate.objects.get()
    assert (t.name, t.flow, t.revision, t.title_zh) == ("subscription_form", "subscription", 1, "认购协议")


def test_a_new_document_for_a_flow(client, deal):
    p, u, records = deal
    client.force_login(make_user("padmin", p, "project_admin"))
    went = client.get(f"/studio/{p.code}/documents/new/", {"name": "deposit_note", "flow": "reservation"})
    assert went.status_code == 302 and went["Location"].endswith("/documents/deposit_note/?flow=reservation")
    saved = client.post(went["Location"], {"title_zh": "定金说明", "title_en": "Deposit note", "flow": "reservation",
                                           "action": "save", "body": "{{ data.deposit|yuan }} {{ customer.name }}"})
    assert saved.status_code == 302
    assert DocumentTemplate.objects.get(name="deposit_note").flow == "reservation"
    taken = client.get(f"/studio/{p.code}/documents/new/", {"name": "receipt", "flow": "reservation"}, follow=True,
                       HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "receipt 已被使用：请在列表中打开它进行修改。" in taken.content.decode()


def test_only_admins(client, deal):
    p, u, records = deal
    client.force_login(u["sales_manager"])
    assert client.get(f"/studio/{p.code}/documents/").status_code == 404
    assert client.post(f"/studio/{p.code}/documents/subscription_form/", {"action": "save"}).status_code == 404
