"""A project's rules for one plugin: the configuration its actions read.

Saving validates: a configuration that does not fit the plugin's JSON Schema (or its
own checks) never reaches the table, so an action never meets rules it cannot read.
`revision` goes up by one with every save, read under the row's lock, and is copied into what the actions freeze (a
quote, a commission entry), so a figure can always be traced to the rules behind it;
the history table keeps every earlier configuration, who saved it and when.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import get_language
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
            raise ValidationError({"plugin": exc.message(get_language() or "en")}) from None
        if problems:
            raise InvalidRules(self.plugin, problems)

    def save(self, *args, validate: bool = True, **kwargs) -> None:
        """Validate (unless the caller just did, as the admin form does) and store as the next revision.

        The revision is read under the row's lock, so two saves at once get consecutive
        revisions; `extensions.rulesets.publish_rules` is the way in for services.
        """
        if validate:
            self.clean()
        with transaction.atomic(using=kwargs.get("using")):
            current = None
            if self.pk is not None:
                current = (type(self).objects.select_for_update().filter(pk=self.pk)
                           .values_list("revision", flat=True).first())
            self.revision = (current or 0) + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "revision", "updated_at"}
            super().save(*args, **kwargs)
