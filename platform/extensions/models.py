"""A project's rules for one plugin: the configuration its actions read.

Saving validates: a configuration that does not fit the plugin's JSON Schema (or its
own checks) never reaches the table, so an action never meets rules it cannot read.
`revision` goes up with every save and is copied into what the actions freeze (a
quote, a commission entry), so a figure can always be traced to the rules behind it;
the history table keeps every earlier configuration, who saved it and when.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from definitions.errors import Problem

from .errors import InvalidRules, UnknownPlugin


class RuleSet(models.Model):
    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="rule_sets")
    plugin = models.SlugField(_("plugin"), max_length=31)
    config = models.JSONField(_("rules"), default=dict, blank=True,
                              help_text=_("Checked against the plugin's rule schema when saved."))
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["project", "plugin"]
        constraints = [models.UniqueConstraint(fields=["project", "plugin"], name="rule_set_one_per_plugin")]

    def __str__(self) -> str:
        return f"{self.plugin} r{self.revision}"

    def problems(self) -> list[Problem]:
        from .registry import validate_rules

        return validate_rules(self.plugin, self.config)

    def clean(self) -> None:
        try:
            problems = self.problems()
        except UnknownPlugin as exc:
            raise ValidationError({"plugin": str(exc)}) from None
        if problems:
            raise InvalidRules(self.plugin, problems)

    def save(self, *args, **kwargs) -> None:
        self.clean()
        self.revision += 1
        super().save(*args, **kwargs)
