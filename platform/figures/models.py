"""Targets 指标: what management set a project (and a consultant) out to reach in a month."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.money import MONEY_COLUMN


class Target(models.Model):
    """The monthly targets of a project, or of one consultant in it (consultant set)."""

    project = models.ForeignKey("kernel.Project", on_delete=models.CASCADE, related_name="targets",
                                verbose_name=_("project"))
    month = models.DateField(_("month"), help_text=_("The first day of the month the targets are for."))
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="targets", verbose_name=_("consultant"),
                                   help_text=_("Empty for the project's own targets."))
    subscription_count = models.PositiveIntegerField(_("subscriptions target"), default=0)
    signing_amount = models.DecimalField(_("signing amount target"), default=0, **MONEY_COLUMN)
    collection_amount = models.DecimalField(_("collection target"), default=0, **MONEY_COLUMN)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["project", "month", "consultant"]
        constraints = [
            models.UniqueConstraint(fields=["project", "month", "consultant"], name="target_per_month_and_consultant"),
            models.UniqueConstraint(fields=["project", "month"], condition=models.Q(consultant__isnull=True),
                                    name="project_target_per_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="target_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.month:%Y-%m}"


class GroupRole(models.TextChoices):
    """What a person does at the group level: the figures of a company's or one region's projects."""

    GROUP_EXECUTIVE = "group_executive", _("group executive")      # 集团高管: every project of the company
    REGION_DIRECTOR = "region_director", _("regional director")    # 区域总: the projects of one region


class GroupMembership(models.Model):
    """A user sees the figures (never the records or customers) of a company's projects, or one region's.

    Group roles sit above project memberships and open only figures: the group dashboard
    and the project dashboards of those projects, read-only (docs/figures.md). They live
    with the figures, the one thing they grant, rather than with accounts' project roles.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships",
                             verbose_name=_("user"))
    company = models.ForeignKey("kernel.Company", on_delete=models.CASCADE, related_name="group_memberships",
                                verbose_name=_("company"))
    region = models.ForeignKey("kernel.Region", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="group_memberships", verbose_name=_("region"),
                               help_text=_("Empty: every project of the company."))
    role = models.CharField(_("role"), max_length=24, choices=GroupRole.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "company", "region"], name="group_membership_unique"),
            models.UniqueConstraint(fields=["user", "company"], condition=models.Q(region__isnull=True),
                                    name="group_membership_company_unique"),
            models.CheckConstraint(condition=models.Q(role__in=GroupRole.values), name="group_membership_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.company_id} · {self.region_id or '*'}"


class DealFact(models.Model):
    """One deal as the figures count it (figures.deals), kept by database triggers in the engine's transaction.

    A row appears when a subscription first enters `awaiting_contract` and follows its
    history (signed, cancelled) and its data (price, consultant, customer) as they are
    written: triggers on the history and on the records (migration 0003) update it in
    the statement that writes the fact, so it never lags. The dashboards read these
    rows instead of the history (measured in docs/benchmarks.md).
    """

    subscription_id = models.BigIntegerField(primary_key=True)
    project = models.ForeignKey("kernel.Project", on_delete=models.DO_NOTHING, db_constraint=False,
                                related_name="+")
    contract_id = models.BigIntegerField(null=True)
    subscribed_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True)
    cancelled_at = models.DateTimeField(null=True)
    sub_amount = models.DecimalField(null=True, **MONEY_COLUMN)
    sign_amount = models.DecimalField(null=True, **MONEY_COLUMN)
    consultant = models.CharField(max_length=32, null=True)
    customer_key = models.CharField(max_length=32, null=True)

    class Meta:
        indexes = [models.Index(fields=["project", "subscribed_at"], name="deal_fact_subscribed_idx"),
                   models.Index(fields=["project", "signed_at"], name="deal_fact_signed_idx"),
                   models.Index(fields=["project", "consultant"], name="deal_fact_consultant_idx")]


class VisitDay(models.Model):
    """Visits per local day, by the consultant their customer is registered to, source type and new/returning.

    Kept by database triggers (figures.rollup_triggers) in the statement that writes a visit or
    a registration, like DealFact. `consultant_id` is 0 for a customer not registered in the
    project; `zone` the time zone the day was read in (the project's), so a reader can tell.
    """

    project_id = models.BigIntegerField()
    day = models.DateField()
    consultant_id = models.BigIntegerField()
    source_type = models.CharField(max_length=40)
    returning = models.BooleanField()
    zone = models.CharField(max_length=64)
    n = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project_id", "day", "consultant_id", "source_type", "returning"],
                                               name="visit_day_key")]
        indexes = [models.Index(fields=["project_id", "consultant_id", "day"], name="visit_day_consultant_idx")]


class VisitTotal(models.Model):
    """Visits per local day and new/returning, the project's whole: what the trends read (a few rows a day)."""

    project_id = models.BigIntegerField()
    day = models.DateField()
    returning = models.BooleanField()
    zone = models.CharField(max_length=64)
    n = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project_id", "day", "returning"], name="visit_total_key")]


class RegistrationDay(models.Model):
    """Registrations 报备 per local day and consultant (channel agents are told apart when read)."""

    project_id = models.BigIntegerField()
    day = models.DateField()
    consultant_id = models.BigIntegerField()
    zone = models.CharField(max_length=64)
    n = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project_id", "day", "consultant_id"],
                                               name="registration_day_key")]


class DealPaid(models.Model):
    """Net sales collections (figures.collections) per deal and local day of receipt, in fen.

    `deal_id` is the subscription the paid record belongs to (itself, its parent or
    grandparent: a contract, or a record the contract started), 0 for none.
    """

    project_id = models.BigIntegerField()
    # a relation only for joins: no constraint (0 for no deal; a deal's payments may come before its row)
    deal = models.ForeignKey(DealFact, db_constraint=False, on_delete=models.DO_NOTHING, related_name="paid_days",
                             db_column="deal_id", db_index=False)
    day = models.DateField()
    zone = models.CharField(max_length=64)
    fen = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project_id", "deal", "day"], name="deal_paid_key")]
        indexes = [models.Index(fields=["project_id", "day"], name="deal_paid_day_idx")]


class DealTotal(models.Model):
    """A deal's net sales collections of all time, in fen: the collection rate subtracts those after its moment."""

    # a relation only for the join (DealFact.paid): no constraint, a deal's payments may come before its row
    deal = models.OneToOneField(DealFact, primary_key=True, db_constraint=False, on_delete=models.DO_NOTHING,
                                related_name="paid", db_column="deal_id")
    project_id = models.BigIntegerField()
    fen = models.BigIntegerField()
