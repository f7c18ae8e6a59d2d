"""A project's rules for one plugin: the configuration its actions read.

Saving validates: a configuration that does not fit the plugin's JSON Schema (or its
own checks) never reaches the table, so an action never meets rules it cannot read.
`revision` goes up by one with every save, read under the row's lock, and is copied into what the actions freeze (a
quote, a commission entry), so a figure can always be traced to the rules behind it;
the history table keeps every earlier configuration, who saved it and when.

`RuleSet` is the head: the latest revision published. Every revision is also a
`RuleRevision` row with the moment it is in force from (`valid_from`, possibly in the
future: scheduled), and `DealRules` records which revision a deal was frozen at, so a
change applies to later deals only (docs/plugins.md, "Rules over time").
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
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

    def save(self, *args, validate: bool = True, valid_from=None, **kwargs) -> None:
        """Validate (unless the caller just did, as the admin form does) and store as the next revision.

        The revision is read under the row's lock, so two saves at once get consecutive
        revisions; `extensions.rulesets.publish_rules` is the way in for services (it
        checks `valid_from`). Each save also writes the revision's `RuleRevision`, in force
        from `valid_from` (None: from now), in the same transaction.
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
            now = timezone.now()
            RuleRevision.objects.create(project_id=self.project_id, plugin=self.plugin, revision=self.revision,
                                        config=self.config, valid_from=valid_from or now, published_at=now,
                                        published_by=self.updated_by)


class RuleRevision(models.Model):
    """One published configuration of a project's rules for a plugin, and the moment it is in force from.

    Never changed once written (a scheduled one may be withdrawn before its moment). The
    revision in force at a moment is the one with the latest `valid_from` at or before
    it (the higher revision when two share a moment); `extensions.rulesets.rules_for`.
    """

    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="+")
    plugin = models.SlugField(_("plugin"), max_length=31)
    revision = models.PositiveIntegerField(_("revision"))
    config = models.JSONField(_("rules"), default=dict)
    valid_from = models.DateTimeField(_("in force from"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        verbose_name = _("rule revision")
        verbose_name_plural = _("rule revisions")
        ordering = ["project", "plugin", "revision"]
        constraints = [models.UniqueConstraint(fields=["project", "plugin", "revision"],
                                               name="rule_revision_unique")]
        indexes = [models.Index(fields=["project", "plugin", "valid_from"], name="rule_revision_from_idx")]

    def __str__(self) -> str:
        return f"{self.plugin} r{self.revision}"

    @property
    def scheduled(self) -> bool:
        """Published to take effect later than its publication."""
        return self.valid_from > self.published_at


class DealRules(models.Model):
    """The revision of a plugin's rules a deal was frozen at, at its decisive moment.

    The decisive moment is the plugin's to define (the contract's signing for area
    settlement and commission); the deal is named by the engine record of that moment,
    by id and reference only (the engine sits above the plugin host). The deal's later
    steps (a settlement, a re-run, a clawback) read this revision, whatever is in force
    by then. `closed_at`: the terms were applied for good (settled, payable, cancelled);
    until then an admin may explicitly apply a newer revision (`rulesets.apply_to_open`),
    which the history keeps.
    """

    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="+")
    plugin = models.SlugField(_("plugin"), max_length=31)
    record_id = models.BigIntegerField(_("record"), help_text=_("The engine record of the deal's decisive moment."))
    reference = models.CharField(_("reference"), max_length=32)
    rule_revision = models.ForeignKey(RuleRevision, on_delete=models.PROTECT, related_name="deals",
                                      verbose_name=_("rule revision"))
    decided_at = models.DateTimeField(_("decisive moment"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deal rules")
        verbose_name_plural = _("deal rules")
        ordering = ["project", "plugin", "decided_at"]
        constraints = [models.UniqueConstraint(fields=["project", "plugin", "record_id"],
                                               name="deal_rules_one_per_record")]
        indexes = [models.Index(fields=["project", "plugin", "closed_at"], name="deal_rules_open_idx")]

    def __str__(self) -> str:
        return f"{self.reference} · {self.plugin}"
