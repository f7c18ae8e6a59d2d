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
        indexes = [models.Index(fields=["project", "consultant"], name="customer_reg_consultant_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.project_id} · {self.consultant_id}"
