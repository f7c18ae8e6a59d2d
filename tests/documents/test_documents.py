"""Each shipped document renders for a real deal, and its PDF's text (pdftotext) has the buyer's Chinese name
and the amounts in figures and in capitals; issuing, copies, the project's own templates checked on save."""
import re

import pytest

from documents import issuing
from documents.catalogue import RECEIPT, SHIPPED
from documents.models import IssuedDocument
from documents.rendering import pdf
from engine.models import Record
from kernel.models import Customer, Payment
from tests.documents.conftest import pdf_text
from tests.flows.conftest import world  # noqa: F401  (the fixture)
from tests.flows.steps import filed_contract, survey

NAME = "张伟明"


@pytest.fixture
def deal(world):
    """A deal of 2 000 000.00 (deposit 100 000.00), filed, handed over to its area settlement (+2 m²: 40 000.00)."""
    p, u, units = world
    buyer = Customer.objects.create(name=NAME, phone="+8613912345678")
    ho = filed_contract(p, u, units[0], buyer)
    st = survey(u, ho, "102.00")
    con = ho.parent
    records = {r.flow: r for r in Record.objects.select_related("project").filter(
        pk__in=[st.pk, ho.pk, con.pk, con.parent_id])}
    return p, u, records


EXPECTED = {  # document -> (flow, figures, capitals)
    "subscription_form": ("subscription", "¥2,000,000.00", "贰佰万元整"),
    "contract_draft": ("contract", "¥2,000,000.00", "贰佰万元整"),
    "area_settlement_notice": ("area_settlement", "¥40,000.00", "肆万元整"),
    "handover_certificate": ("handover", "¥2,000,000.00", "贰佰万元整"),
    "payment_reminder": ("contract", "¥2,000,000.00", "贰佰万元整"),
    RECEIPT: ("subscription", "¥100,000.00", "壹拾万元整"),
}


def test_every_shipped_document_is_tested():
    assert set(EXPECTED) == set(SHIPPED)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_shipped_document_prints_the_buyer_and_the_amounts_in_chinese(deal, name, tmp_path):
    p, u, records = deal
    flow, figures, capitals = EXPECTED[name]
    document = issuing.issue(records[flow], name, user=u["finance"])
    text = pdf_text(pdf(document.html), tmp_path)
    assert NAME in text  # not boxes: the CJK font is embedded
    assert figures in text and capitals in text
    assert document.reference in text
    assert re.search(r"第1页/共\d页", text)  # the page counters
    assert p.name in text  # the project's header
    assert "None" not in text


def test_a_reprint_is_a_copy_of_the_issued_text(deal, tmp_path):
    p, u, records = deal
    sub = records["subscription"]
    first = issuing.issue(sub, "subscription_form", user=u["sales_consultant"])
    again = issuing.issue(sub, "subscription_form", user=u["sales_consultant"])
    assert (first.copy_number, again.copy_number, again.original_id, again.reference) == (0, 1, first.pk,
                                                                                          first.reference)
    assert "副本" not in pdf_text(pdf(first.html), tmp_path)
    text = pdf_text(pdf(again.html), tmp_path)
    assert "副本COPY" in text and NAME in text
    # the original's text is kept byte for byte and its hash matches it
    from documents.rendering import sha256

    first.refresh_from_db()
    assert sha256(first.html) == first.content_hash
    # what the document says changed (another deposit): a new original, with a new reference
    Record.objects.filter(pk=sub.pk).update(data={**sub.data, "deposit": "120000.00"})
    sub.refresh_from_db()
    changed = issuing.issue(sub, "subscription_form", user=u["sales_consultant"])
    assert changed.copy_number == 0 and changed.reference != first.reference
    assert "壹拾贰万元整" in pdf_text(pdf(changed.html), tmp_path)


def test_a_receipt_per_payment_after_commit(deal, django_capture_on_commit_callbacks):
    p, u, records = deal
    sub = records["subscription"]
    payment = Payment.objects.filter(record_id=sub.pk).first()
    assert not IssuedDocument.objects.filter(template=RECEIPT).exists()  # the test's transaction never committed
    from kernel import payments
    from kernel.actions import ActionContext

    ctx = ActionContext(project_id=p.pk, record_id=sub.pk, reference=sub.reference, flow="subscription",
                        user_id=u["finance"].pk, now=payment.received_at, data={}, lineage=(sub.pk,))
    with django_capture_on_commit_callbacks(execute=True):
        made = payments.record(ctx, "refund", "1000.00")
    receipt = IssuedDocument.objects.get(template=RECEIPT, subject=f"payment:{made.pk}")
    assert receipt.record_id == sub.pk and receipt.issued_by_id == u["finance"].pk and len(receipt.content_hash) == 64
    assert "壹仟元整" in receipt.html and "退还" in receipt.html
    # issued once: the job run again finds the same receipt
    from documents.receipts import issue_receipt_now

    assert issue_receipt_now(made.pk).pk == receipt.pk
    assert IssuedDocument.objects.filter(template=RECEIPT, subject=f"payment:{made.pk}").count() == 1
