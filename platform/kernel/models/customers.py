"""One customer base across projects, and each project's registration of a customer.

`Customer.phone` holds the number normalised to E.164 (+8613812341234) and is unique,
so two spellings of one number can never become two customers, even when two
consultants register it at the same moment. A `CustomerRegistration` says which
consultant brought the customer to a project and until when that claim is protected.
Key fields keep their history (who, when, old, new) through django-simple-history.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, unique=True, help_text=_("E.164, e.g. +8613812341234."))
    extra = models.JSONField(_("more details"), default=dict, blank=True,
                             help_text=_("Validated against schemas/customer.json."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    history = HistoricalRecords(excluded_fields=["created_at", "created_by"])

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        # Never the phone: str() ends up in logs and pages that must not show it.
        return f"#{self.pk} {self.name}"


class CustomerRegistration(models.Model):
    """A consultant registered (报备) this customer in this project; protected until `protected_until`."""

    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="customer_registrations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="registrations")
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered at"))
    protected_until = models.DateTimeField(_("protected until"))
    reassigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    released_at = models.DateTimeField(_("protection released at"), null=True, blank=True,
                                       help_text=_("When the protection ran out and was released (once)."))
    stage = models.CharField(_("opportunity stage"), max_length=40, blank=True,
                             help_text=_("One of the project's opportunity stages, set by the last follow-up."))
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer registration")
        verbose_name_plural = _("customer registrations")
        ordering = ["project", "-registered_at"]
        constraints = [
            models.UniqueConstraint(fields=["project", "customer"], name="customer_registration_unique"),
            models.CheckConstraint(condition=Q(protected_until__gte=F("registered_at")),
                                   name="customer_registration_protection_after_start"),
        ]
        indexes = [
            models.Index(fields=["project", "consultant"], name="customer_reg_consultant_idx"),
            models.Index(fields=["consultant", "next_follow_up_on"], name="customer_reg_next_idx"),
            models.Index(fields=["protected_until"], name="customer_reg_protection_idx",
                         condition=Q(released_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.project_id} · {self.consultant_id}"


class RelationKind(models.TextChoices):
    SPOUSE = "spouse", _("spouse")
    FAMILY = "family", _("family")
    REFERRER = "referrer", _("referred by")  # from_customer was referred by to_customer (老带新)
    CO_BUYER = "co_buyer", _("co-buyer")
    OTHER = "other", _("other")


class CustomerRelation(models.Model):
    """`from_customer` is `kind` of `to_customer` (for a referrer: was referred by them)."""

    from_customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="relations")
    to_customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("relation"), max_length=12, choices=RelationKind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("customer relation")
        verbose_name_plural = _("customer relations")
        constraints = [
            models.UniqueConstraint(fields=["from_customer", "to_customer", "kind"], name="customer_relation_unique"),
            models.CheckConstraint(condition=~Q(from_customer=F("to_customer")), name="customer_relation_not_self"),
            models.CheckConstraint(condition=Q(kind__in=RelationKind.values), name="customer_relation_kind_known"),
        ]


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class CustomerChangeRequest(models.Model):
    """A change of key fields (name, phone, ID number) waiting for a manager, when the project asks for one."""

    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="change_requests")
    changes = models.JSONField(_("changes"), help_text=_("field -> the new value, for name, phone and id_number."))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("customer change request")
        verbose_name_plural = _("customer change requests")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ChangeStatus.values), name="customer_change_status_known"),
            # one pending request per customer: a second waits for the first to be decided
            models.UniqueConstraint(fields=["customer"], condition=Q(status="pending"),
                                    name="customer_change_one_pending"),
        ]


class CustomerMerge(models.Model):
    """Two records of one person made one: what moved, kept after the duplicate row is gone."""

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges")
    merged_id = models.BigIntegerField(_("merged customer"))
    merged_name = models.CharField(_("merged name"), max_length=100)
    merged_phone = models.CharField(_("merged phone"), max_length=20)
    moved = models.JSONField(_("what moved"), default=dict, help_text=_("kind -> count of rows moved."))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-at"]
