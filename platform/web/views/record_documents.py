"""A record's documents: preview (HTML), print and download (PDF), and those already issued.

The section lists what the record's flow offers (documents.issuing.offers), a receipt
per payment the record took, and every document issued with its reference, time, who,
content hash and copies: three queries whatever their number
(tests/documents/test_record_documents.py). Printing or downloading issues the document
(an original the first time, a numbered copy 副本 after); a preview stores nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from documents import issuing
from documents.models import DocumentTemplate, IssuedDocument
from documents.rendering import FontsMissing, pdf
from engine.models import Record
from kernel.models import Payment, PaymentKind
from web.display import moment, money

from .common import lang, refused
from .record_access import RecordHidden, visible


@dataclass(frozen=True)
class Choice:
    name: str
    title: str
    payment_id: int | None
    payment_words: str


@dataclass(frozen=True)
class Issued:
    pk: int
    reference: str
    title: str
    at: str
    by: str
    digest: str
    copies: int
    verify_token: str  # empty for papers issued before verification pages existed


def documents_section(record: Record) -> dict:
    """What web/record/documents.html shows (three queries)."""
    offers = issuing.offers(record.project_id, record.flow, DocumentTemplate.objects.filter(project_id=record.project_id))
    zone = record.project.zone
    language = lang()
    choices: list[Choice] = []
    paid = None
    for o in offers:
        if not o.per_payment:
            choices.append(Choice(o.name, o.title(language), None, ""))
            continue
        if paid is None:
            paid = list(Payment.objects.filter(project_id=record.project_id, record_id=record.pk)
                        .order_by("received_at", "pk"))
        for p in paid:
            words = f"{PaymentKind(p.kind).label} {money(p.amount)} · {moment(p.received_at, zone)}"
            choices.append(Choice(o.name, o.title(language), p.pk, words))
    issued = [Issued(d.pk, d.reference, d.title, moment(d.issued_at, zone), str(d.issued_by) if d.issued_by else
                     _("the system"), d.content_hash[:12], d.copies_made, d.verify_token or "")
              for d in issuing.issued_of(record)]
    return {"choices": choices, "issued": issued}


def _record(request, record_id: int):
    try:
        record, _roles = visible(request, record_id)
    except RecordHidden as hidden:
        return None, refused(request, hidden.record.project, hidden.words)
    return record, None


def _payment_id(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise Http404(_("No such payment on this record."))
    return int(value)


def _pdf_response(request, html: str, filename: str, *, attachment: bool) -> HttpResponse:
    try:
        data = pdf(html)
    except FontsMissing as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'{"attachment" if attachment else "inline"}; filename="{filename}"'
    return response


@login_required
def document_preview(request, record_id: int, name: str):
    record, refusal = _record(request, record_id)
    if refusal:
        return refusal
    try:
        chosen = issuing.offer(record, name)
        payment = None
        if chosen.per_payment:
            found = _payment_id(request.GET.get("payment"))
            payment = Payment.objects.filter(project_id=record.project_id, record_id=record.pk,
                                                     **({"pk": found} if found else {})).order_by("-pk").first()
            if payment is None:
                raise Http404(_("No such payment on this record."))
        html = issuing.preview(record, chosen, payment)
    except issuing.DocumentError as error:
        raise Http404(error.message(lang())) from error
    return HttpResponse(html)


@login_required
@require_POST
def document_issue(request, record_id: int, name: str):
    """Print (PDF inline) or download (attachment): issues the document, an original or a copy."""
    record, refusal = _record(request, record_id)
    if refusal:
        return refusal
    try:
        issued = issuing.issue(record, name, user=request.user, payment_id=_payment_id(request.POST.get("payment")))
    except issuing.DocumentError as error:
        raise Http404(error.message(lang())) from error
    suffix = f"-copy{issued.copy_number}" if issued.copy_number else ""
    return _pdf_response(request, issued.html, f"{issued.reference}{suffix}.pdf",
                         attachment=request.POST.get("mode") == "download")


@login_required
def issued_document(request, document_id: int):
    """A document exactly as it was issued (its stored text); ?pdf=1 as PDF."""
    document = get_object_or_404(IssuedDocument, pk=document_id)
    record, refusal = _record(request, document.record_id)
    if refusal:
        return refusal
    if request.GET.get("pdf"):
        suffix = f"-copy{document.copy_number}" if document.copy_number else ""
        return _pdf_response(request, document.html, f"{document.reference}{suffix}.pdf", attachment=False)
    return HttpResponse(document.html)

