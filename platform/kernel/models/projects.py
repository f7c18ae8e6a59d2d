"""Projects 楼盘项目: the scope of units, customers, queue numbers, flows and roles."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..settings_schema import project_settings_schema, settings_problems


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

    def setting(self, key: str):
        """The project's value for `key`, or the default schemas/project-settings.json declares."""
        if key in self.settings:
            return self.settings[key]
        return project_settings_schema()["properties"][key].get("default")
