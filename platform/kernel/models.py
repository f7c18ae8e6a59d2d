"""The relational core. This session: projects; units, customers and ledgers follow."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .settings_schema import settings_problems


class Project(models.Model):
    """A development project 楼盘项目: the scope of flows, roles and settings."""

    code = models.SlugField(_("code"), max_length=32, unique=True,
                            help_text=_("Short code used in commands and references, e.g. DEMO."))
    name = models.CharField(_("name"), max_length=200)
    settings = models.JSONField(_("settings"), default=dict, blank=True,
                                help_text=_("Validated against schemas/project-settings.json."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        problems = settings_problems(self.settings)
        if problems:
            raise ValidationError({"settings": problems})
