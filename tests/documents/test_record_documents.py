"""The record page's documents: preview, print (an original, then copies), download, shown again as issued;
a fixed number of queries whatever the number of payments and documents; the `document` command."""
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents import issuing
from documents.models import IssuedDocument
from kernel.models import Payment
from tests.documents.conftest import pdf_text
from tests.documents.test_documents import NAME, deal  # noqa: F401  (the fixture)
from tests.flows.conftest import world  # noqa: F401  (the fixture)


def _count(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as seen:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    return len(seen.captured_queries), page.content.decode()


def test_the_documents_section_in_a_fixed_number_of_queries(client, deal):
    p, u, records = deal
    sub = records["subscription"]
    client.force_login(u["finance"])
    url = f"/records/{sub.pk}/"
    client.get(url)
    few, page = _count(client, url)
    assert "认购书" in page and "收款收据" in page and "定金 ¥100,000.00" in page and "催款函" in page
    for _ in range(3):
        issuing.issue(sub, "subscription_form", user=u["finance"])
        issuing.issue(sub, "receipt", user=u["finance"])
    many, page = _count(client, url)
    assert many == few
    original = IssuedDocument.objects.filter(record=sub, template="subscription_form", copy_number=0).get()
    assert original.reference in page and original.content_hash[:12] in page


def test_preview_print_download_and_as_issued(client, deal, tmp_path):
    p, u, records = deal
    sub = records["subscription"]
    client.force_login(u["sales_consultant"])
    preview = client.get(f"/records/{sub.pk}/documents/subscription_form/")
    assert preview.status_code == 200 and "预览" in preview.content.decode() and NAME in preview.content.decode()
    assert not IssuedDocument.objects.exists()  # a preview stores nothing

    printed = client.post(f"/records/{sub.pk}/documents/subscription_form/issue/", {"mode": "print"})
    assert printed["Content-Type"] == "application/pdf" and printed["Content-Disposition"].startswith("inline")
    assert NAME in pdf_text(printed.content, tmp_path)
    again = client.post(f"/records/{sub.pk}/documents/subscription_form/issue/", {"mode": "download"})
    assert again["Content-Disposition"].startswith("attachment") and "copy1" in again["Content-Disposition"]
    assert "副本COPY" in pdf_text(again.content, tmp_path)

    original = IssuedDocument.objects.get(copy_number=0)
    shown = client.get(f"/documents/{original.pk}/")
    assert shown.content.decode() == original.html
    payment = Payment.objects.filter(record_id=sub.pk).first()
    receipt = client.get(f"/records/{sub.pk}/documents/receipt/?payment={payment.pk}")
    assert "壹拾万元整" in receipt.content.decode()


def test_a_stranger_to_the_project_gets_nothing(client, deal, django_user_model):
    p, u, records = deal
    sub = records["subscription"]
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    assert client.get(f"/records/{sub.pk}/documents/subscription_form/").status_code == 404
    assert client.post(f"/records/{sub.pk}/documents/subscription_form/issue/").status_code == 404
    assert not IssuedDocument.objects.exists()


def test_the_document_command_writes_a_pdf(deal, tmp_path, capsys):
    p, u, records = deal
    sub = records["subscription"]
    out = tmp_path / "sub.pdf"
    call_command("document", sub.reference, str(out), project=p.code)
    text = pdf_text(out.read_bytes(), tmp_path)
    assert NAME in text and "贰佰万元整" in text and "认购书" in text
    call_command("document", sub.reference, str(out), project=p.code, template="receipt")
    assert "壹拾万元整" in pdf_text(out.read_bytes(), tmp_path)
    call_command("document", sub.reference, str(out), project=p.code)  # again: a copy
    assert "副本COPY" in pdf_text(out.read_bytes(), tmp_path)
    assert IssuedDocument.objects.count() == 3
    call_command("document", sub.reference, str(out), project=p.code, preview=True)
    assert IssuedDocument.objects.count() == 3
    with pytest.raises(CommandError, match="has no record"):
        call_command("document", "NOPE-1", str(out), project=p.code)
    with pytest.raises(CommandError, match="has no document"):
        call_command("document", sub.reference, str(out), project=p.code, template="nothing")


def test_the_section_itself_takes_three_queries(deal, django_assert_max_num_queries, rf):
    from django.utils import translation

    from web.views.record_documents import documents_section

    p, u, records = deal
    sub = records["subscription"]
    for _ in range(4):
        issuing.issue(sub, "receipt", user=u["finance"])
        issuing.issue(sub, "payment_reminder", user=u["finance"])
    with translation.override("zh-hans"), django_assert_max_num_queries(3):
        shown = documents_section(sub)
    assert [c.title for c in shown["choices"]] == ["认购书", "收款收据", "催款函"]
    assert [(d.title, d.copies) for d in shown["issued"]] == [("收款收据", 3), ("催款函", 3)]


def test_the_issued_list_links_each_original_to_its_verification_page(client, deal):
    p, u, records = deal
    sub = records["subscription"]
    client.force_login(u["sales_consultant"])
    client.post(f"/records/{sub.pk}/documents/subscription_form/issue/", {"mode": "print"})
    original = IssuedDocument.objects.get(copy_number=0)
    assert original.verify_token

    page = client.get(f"/records/{sub.pk}/").content.decode()

    link = f'href="/documents/verify/{original.verify_token}/"'
    assert link in page and "打开核验页" in page
    assert client.get(f"/documents/verify/{original.verify_token}/").status_code == 200
