"""Flow bindings (a project's overrides) and published flow versions."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .json import ExactDecoder, ExactNumberEncoder


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    RETIRED = "retired", _("retired")


class FlowBinding(models.Model):
    """A project's use of a flow template, with its overrides (edited by admins)."""

    project = models.ForeignKey("kernel.Project", on_delete=models.CASCADE, related_name="flow_bindings")
    flow = models.SlugField(_("flow"), max_length=63)
    overrides = models.JSONField(_("overrides"), default=dict, blank=True,
                                 encoder=ExactNumberEncoder, decoder=ExactDecoder)
    # the overrides as the admin wrote them (YAML with comments); None when they were set as data
    overrides_text = models.TextField(_("overrides as written"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("project flow")
        verbose_name_plural = _("project flows")
        constraints = [models.UniqueConstraint(fields=["project", "flow"], name="flow_binding_unique")]

    def __str__(self) -> str:
        return f"{self.project.code}/{self.flow}"


class FlowVersion(models.Model):
    """One numbered, frozen effective definition of a flow in a project.

    `content` is the document as JSON with sorted keys; `content_hash` is computed from its
    canonical form (`definitions.canonical.form`: named lists by name, numbers spelt one
    way), so equal content hashes equal however it was written. Once a
    version leaves draft its content can never change: `save()` refuses, and database
    triggers refuse an UPDATE or DELETE that tries (see the migration).
    """

    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="flow_versions")
    flow = models.SlugField(_("flow"), max_length=63)
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=16, choices=VersionStatus.choices,
                              default=VersionStatus.DRAFT)
    content = models.TextField(_("content"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    overrides = models.TextField(_("overrides used"), default="{}")
    overrides_text = models.TextField(_("overrides as written"), null=True, blank=True)
    template_hash = models.CharField(_("template hash"), max_length=64, blank=True)
    restored_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("restored from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("flow version")
        verbose_name_plural = _("flow versions")
        ordering = ["project", "flow", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "flow", "number"], name="flow_version_number_unique"),
            models.UniqueConstraint(fields=["project", "flow"], condition=Q(status="published"),
                                    name="flow_version_one_published"),
        ]
        indexes = [models.Index(fields=["project", "flow", "status"], name="flow_version_status_idx")]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.flow} v{self.number} ({self.status})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            frozen = (type(self).objects.filter(pk=self.pk)
                      .exclude(status=VersionStatus.DRAFT)
                      .values("content", "content_hash", "number", "flow", "project_id", "overrides_text").first())
            if frozen and (frozen["content"] != self.content or frozen["content_hash"] != self.content_hash
                           or frozen["overrides_text"] != self.overrides_text
                           or frozen["number"] != self.number or frozen["flow"] != self.flow
                           or frozen["project_id"] != self.project_id):
                raise ImmutableVersionError(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status != VersionStatus.DRAFT:
            raise ImmutableVersionError(self)
        return super().delete(*args, **kwargs)


class ImmutableVersionError(Exception):
    def __init__(self, version: FlowVersion):
        super().__init__(f"{version.flow} v{version.number} is {version.status} and can never change")
