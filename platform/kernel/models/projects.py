"""Projects 楼盘项目: the scope of units, customers, queue numbers, flows and roles."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..settings_schema import effective_settings, settings_problems


class Project(models.Model):
    """A development project 楼盘项目: the scope of flows, roles and settings."""

    code = models.SlugField(_("code"), max_length=32, unique=True,
                            help_text=_("Short code used in commands and references, e.g. DEMO."))
    name = models.CharField(_("name"), max_length=200)
    company = models.ForeignKey("kernel.Company", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="projects",
                                help_text=_("The developer the project belongs to; its projects share customers."))
    region = models.ForeignKey("kernel.Region", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="projects", verbose_name=_("region"),
                               help_text=_("The company's region the project belongs to; figures roll up by region."))
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
        problems = settings_problems(self.settings, get_language() or "en")
        if problems:
            raise ValidationError({"settings": problems})

    def setting(self, key: str):
        """The project's value for `key`, or the default schemas/project-settings.json declares (None without one)."""
        return effective_settings(self.settings).get(key)

    @property
    def zone(self) -> ZoneInfo:
        """The project's time zone: its `time_zone` setting, else the installation's (settings.TIME_ZONE).

        Every local date and time of a project (a deal's month, a protection's end) is read in it.
        """
        name = self.settings.get("time_zone") if isinstance(self.settings, dict) else None
        return ZoneInfo(name or django_settings.TIME_ZONE)
