"""Document templates a project overrides, their revisions, and every document issued.

A shipped template (platform/documents/templates/documents/NAME.html) serves every
project; a project's own DocumentTemplate of the same name replaces it there, and one of
another name adds a document. Every save keeps the body as a DocumentTemplateRevision,
so an issued document names the revision it was made from. An IssuedDocument keeps the
HTML exactly as issued with its sha256: printing it again shows that text (marked as a
copy), whatever the record or the template became since.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentTemplate(models.Model):
    project = models.ForeignKey("kernel.Project", on_delete=models.CASCADE, related_name="document_templates",
                                verbose_name=_("project"))
    name = models.SlugField(_("name"), max_length=63,
                            help_text=_("A shipped document's name replaces it for this project; another adds one."))
    flow = models.SlugField(_("flow"), max_length=63, blank=True,
                            help_text=_("The flow whose records offer it; empty: every flow that takes payments."))
    title_zh = models.CharField(_("title (Chinese)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=100)
    body = models.TextField(_("template"), help_text=_("A Django template over the record's fields."))
    revision = models.PositiveIntegerField(_("revision"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="document_template_unique")]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.name}"


class DocumentTemplateRevision(models.Model):
    template = models.ForeignKey(DocumentTemplate, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField(_("revision"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=100)
    body = models.TextField(_("template"))
    saved_at = models.DateTimeField(_("saved at"), auto_now_add=True)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "revision"], name="document_revision_unique")]
        ordering = ["template", "revision"]


class IssuedDocument(models.Model):
    """One printing of a document: the original (copy 0) or a reprint (copy 1, 2, …) of it."""

    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey("engine.Record", on_delete=models.PROTECT, related_name="documents")
    template = models.SlugField(_("document"), max_length=63)
    # 0: the shipped template of this release; n: the project's own template at revision n
    revision = models.PositiveIntegerField(_("template revision"), default=0)
    subject = models.CharField(_("subject"), max_length=40, blank=True,
                               help_text=_("What one of several documents of a record is about: payment:ID for a receipt."))
    reference = models.CharField(_("document reference"), max_length=80)
    title = models.CharField(_("title"), max_length=100)
    html = models.TextField(_("issued text"))
    content_hash = models.CharField(_("content hash"), max_length=64, help_text=_("sha256 of the issued text."))
    # sha256 of the text without its own reference and time: a print whose source is unchanged is a copy
    source_hash = models.CharField(max_length=64)
    copy_number = models.PositiveIntegerField(_("copy"), default=0)
    original = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="copies")
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    # The QR code's key to the public verification page (documents.verification): random, so
    # nobody reaches another paper by counting; an original's only (a copy carries its original's QR).
    verify_token = models.CharField(_("verification code"), max_length=32, null=True, blank=True, unique=True,
                                    editable=False)
    # What the verification page shows beyond the reference, as printed and masked at issue time
    # (the buyer 张**, the unit's code): the record may change later, the paper does not.
    facts = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["record", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "reference", "copy_number"], name="issued_document_unique"),
            # one receipt per payment, also when two consumers issue it at once
            models.UniqueConstraint(fields=["record", "template", "subject"], condition=models.Q(copy_number=0)
                                    & ~models.Q(subject=""), name="issued_document_subject_unique"),
        ]
        indexes = [models.Index(fields=["record", "template"], name="issued_document_record_idx")]

    def __str__(self) -> str:
        return self.reference
