"""Which documents a record offers, their text, and issuing them: originals and copies.

Printing or downloading a document issues it. The first time (or when what it says
changed: another unit, another price, a new template revision) it is an original with a
new reference; printing it again gives a copy of that original's stored text, marked
副本 / COPY and numbered, never a fresh rendering. A receipt is about one payment: every
later print of it is a copy.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext_noop

from engine.models import Record
from engine.versions import definition_of, published_version
from kernel.errors import Refusal
from kernel.models import Payment, Project

from . import context as contexts
from .catalogue import RECEIPT, SHIPPED
from .checking import problems_in
from .models import DocumentTemplate, DocumentTemplateRevision, IssuedDocument
from .rendering import copy_text, qr_data_uri, render_body, sha256
from .verification import facts_of, new_token, verify_url

if TYPE_CHECKING:  # django-stubs' annotated-row type: for the checker only, not a dependency at run time
    from django_stubs_ext import WithAnnotations


class CopiesMade(TypedDict):
    copies_made: int  # an original's copies, annotated by `issued_of`


class DocumentError(Refusal):
    """A document that cannot be made, with what is wrong in words: a refusal of the one family
    (`kernel.errors.Refusal`), its template marked at the raise and its Chinese in the catalogue."""

    code = "document_refused"

    def __init__(self, template: str, /, *, problems: list[str] | None = None, found: list | None = None,
                 **params: object):
        """`problems`: the template's problems in words (line first); `found`: the same as checking.Problem."""
        self.problems, self.found = problems or [], found or []
        super().__init__(template, **params)


@dataclass(frozen=True)
class Offer:
    name: str
    title_zh: str
    title_en: str
    revision: int  # 0: shipped
    body: str | None  # None: the shipped file
    per_payment: bool

    def title(self, lang: str) -> str:
        return self.title_zh if lang.startswith("zh") else self.title_en


def offers(project_id: int, flow: str, own: Iterable[DocumentTemplate] | None = None) -> list[Offer]:
    """The documents a record of `flow` offers in the project, shipped first in their order (one query)."""
    mine = {t.name: t for t in (own if own is not None else DocumentTemplate.objects.filter(project_id=project_id))}
    found: list[Offer] = []
    for s in SHIPPED.values():
        t = mine.pop(s.name, None)
        if t is not None and (t.flow == flow or (not t.flow and s.name == RECEIPT) or (not t.flow and not s.flows)):
            found.append(Offer(s.name, t.title_zh, t.title_en, t.revision, t.body, s.name == RECEIPT))
        elif t is None and (flow in s.flows or not s.flows):
            found.append(Offer(s.name, s.title_zh, s.title_en, 0, None, s.name == RECEIPT))
    for t in sorted(mine.values(), key=lambda t: t.name):
        if t.flow == flow or not t.flow:
            found.append(Offer(t.name, t.title_zh, t.title_en, t.revision, t.body, not t.flow))
    return found


def offer(record: Record, name: str) -> Offer:
    for o in offers(record.project_id, record.flow):
        if o.name == name:
            return o
    known = "、".join(o.name for o in offers(record.project_id, record.flow))
    raise DocumentError(gettext_noop("{reference} has no document {name} (it offers: {known})"),
                        reference=record.reference, name=name, known=known)


def render(record: Record, chosen: Offer, *, payment: Payment | None = None, document: dict | None = None,
           ctx: dict | None = None) -> str:
    ctx = dict(ctx) if ctx is not None else contexts.build(record, payment=payment)
    ctx["document"] = {"reference": "", "title": chosen.title_zh, "issued_at": "", "qr": "", "preview": False,
                       **(document or {})}
    return render_body(chosen.body, chosen.name, ctx)


def preview(record: Record, chosen: Offer, payment: Payment | None = None) -> str:
    """The document as it would be issued now, marked as a preview; nothing is stored."""
    return render(record, chosen, payment=payment, document={"preview": True, "reference": record.reference})


def records_with_payments(record_ids: list[int]) -> set[int]:
    """Which of these records took a payment (one query): they offer receipts."""
    return set(Payment.objects.filter(record_id__in=record_ids).values_list("record_id", flat=True).distinct())


def default_payment(record: Record, chosen: Offer) -> Payment | None:
    """The payment a receipt shows when none is named: the record's latest."""
    return _payment(record, chosen, None)


def _payment(record: Record, chosen: Offer, payment_id: int | None) -> Payment | None:
    if not chosen.per_payment:
        return None
    payments = Payment.objects.filter(project_id=record.project_id, record_id=record.pk)
    found = payments.filter(pk=payment_id).first() if payment_id else payments.order_by("-received_at", "-pk").first()
    if found is None:
        raise DocumentError(gettext_noop("{reference} has no such payment to give a receipt for"),
                            reference=record.reference)
    return found


@transaction.atomic
def issue(record: Record, name: str, *, user=None, payment_id: int | None = None) -> IssuedDocument:
    """Issue the document `name` of `record`: an original, or a numbered copy of the last original."""
    # the record's row only: with the project joined, FOR UPDATE locked the project's row too, and every step's
    # foreign-key check on it (FOR KEY SHARE) then deadlocked with receipts issued at the same time (two instances)
    record = Record.objects.select_for_update(of=("self",)).select_related("project").get(pk=record.pk)
    chosen = offer(record, name)
    payment = _payment(record, chosen, payment_id)
    subject = f"payment:{payment.pk}" if payment is not None else ""
    ctx = contexts.build(record, payment=payment)  # once: the source text and the issued text both read it
    source = sha256(f"{chosen.revision}\n" + render(record, chosen, payment=payment, ctx=ctx))
    last = (IssuedDocument.objects.filter(record=record, template=name, subject=subject, copy_number=0)
            .order_by("-pk").first())
    now = timezone.now()
    if last is not None and (subject or last.source_hash == source):
        number = (IssuedDocument.objects.filter(original=last).aggregate(n=Max("copy_number"))["n"] or 0) + 1
        html = copy_text(last.html, number)
        return IssuedDocument.objects.create(
            project_id=record.project_id, record=record, template=name, revision=last.revision, subject=subject,
            reference=last.reference, title=last.title, html=html, content_hash=sha256(html),
            source_hash=last.source_hash, copy_number=number, original=last, issued_at=now, issued_by=user)
    code = SHIPPED[name].code if name in SHIPPED else "DOC"
    count = IssuedDocument.objects.filter(record=record, template=name, copy_number=0).count() + 1
    reference = f"{record.reference}-{code}{count}"
    zone = record.project.zone
    token = new_token()
    url = verify_url(token)
    html = render(record, chosen, payment=payment, ctx=ctx, document={
        "reference": reference, "issued_at": f"{timezone.localtime(now, zone):%Y-%m-%d %H:%M}（{zone.key}）",
        "qr": qr_data_uri(url), "verify_url": url})
    return IssuedDocument.objects.create(
        project_id=record.project_id, record=record, template=name, revision=chosen.revision, subject=subject,
        reference=reference, title=chosen.title_zh, html=html, content_hash=sha256(html), source_hash=source,
        copy_number=0, issued_at=now, issued_by=user, verify_token=token, facts=facts_of(ctx))


def issued_of(record: Record) -> list[WithAnnotations[IssuedDocument, CopiesMade]]:
    """The record's originals with their number of copies, oldest first (one query)."""
    return list(IssuedDocument.objects.filter(record=record, copy_number=0).select_related("issued_by")
                .annotate(copies_made=Count("copies")).order_by("pk"))


def schema_of(project: Project, flow: str) -> dict:
    version = published_version(project, flow)
    if version is None:
        raise DocumentError(gettext_noop("the flow {flow} is not published in this project: the template's fields "
                                         "cannot be checked"), flow=flow)
    from definitions.model import thaw

    return thaw(definition_of(version).entity.schema)


@transaction.atomic
def save_template(project: Project, name: str, *, flow: str, title_zh: str, title_en: str, body: str,
                  user=None, lang: str = "zh-hans") -> DocumentTemplate:
    """Save a project's own template after checking it; a new revision each time. DocumentError lists the problems."""
    if name in SHIPPED and SHIPPED[name].flows and flow not in SHIPPED[name].flows:
        flows = "、".join(SHIPPED[name].flows)
        if flow:
            raise DocumentError(gettext_noop("{name} belongs to the flow {flows}, not to {flow}"), name=name,
                                flows=flows, flow=flow)
        raise DocumentError(gettext_noop("{name} belongs to the flow {flows}, not to every flow"), name=name,
                            flows=flows)
    if name == RECEIPT and flow:
        raise DocumentError(gettext_noop("the receipt serves every payment: leave its flow empty"))
    schema = schema_of(project, flow) if flow else None
    found = problems_in(body, schema)
    if found:
        problems = [p.words(lang) for p in found]
        raise DocumentError(gettext_noop("the template has problems: {problems_en}"), problems=problems, found=found,
                            problems_en="; ".join(problems), problems_zh="；".join(problems))
    template = DocumentTemplate.objects.select_for_update().filter(project=project, name=name).first()
    if template is None:
        template = DocumentTemplate(project=project, name=name, revision=0)
    template.revision += 1
    template.flow, template.title_zh, template.title_en, template.body = flow, title_zh, title_en, body
    template.updated_by = user
    template.save()
    DocumentTemplateRevision.objects.create(template=template, revision=template.revision, title_zh=title_zh,
                                            title_en=title_en, body=body, saved_by=user)
    return template

