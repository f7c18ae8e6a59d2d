"""A client's own flow templates and entity schemas, kept in the database instead of the code tree.

The text is kept exactly as the implementer wrote it (comments, key order, spelling), so
an export gives back the files that were loaded. Which projects may use a template is a
many-to-many: one text can serve several projects of a client; `install` keeps at most
one template of a name per project.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClientTemplate(models.Model):
    """One flow template (YAML text) with the entity schemas it brings (JSON texts by file name)."""

    name = models.SlugField(_("flow"), max_length=63)
    flow_text = models.TextField(_("flow template"))
    schema_texts = models.JSONField(_("entity schemas"), default=dict, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    source = models.CharField(_("source"), max_length=200)
    projects = models.ManyToManyField("kernel.Project", related_name="client_templates", blank=True,
                                      verbose_name=_("projects"))
    created_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("client flow template")
        verbose_name_plural = _("client flow templates")
        ordering = ["name", "created_at"]
        constraints = [models.UniqueConstraint(fields=["name", "content_hash"], name="client_template_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.source})"
