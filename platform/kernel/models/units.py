"""Buildings, units and the holds that tie a unit to one live deal.

A unit's `status` is its sale status 销售状态, changed only through `kernel.sale_status`
(a viewflow.fsm machine). Which deal holds a unit lives in `UnitHold`: at most one hold
per unit is live (not released), and the database enforces it with a partial unique
index, so no code path, however it is written, can put a unit into two live deals.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..money import MONEY_COLUMN


class SaleStatus(models.TextChoices):
    AVAILABLE = "available", _("available")
    RESERVED = "reserved", _("reserved")
    SUBSCRIBED = "subscribed", _("subscribed")
    SIGNED = "signed", _("signed")
    FILED = "filed", _("filed")
    DELIVERED = "delivered", _("delivered")
    WITHHELD = "withheld", _("withheld")


# Chinese names for messages: the kernel's messages carry both languages whatever the
# active locale, because the engine stores and shows either.
SALE_STATUS_ZH = {
    SaleStatus.AVAILABLE: "可售", SaleStatus.RESERVED: "预留", SaleStatus.SUBSCRIBED: "认购",
    SaleStatus.SIGNED: "签约", SaleStatus.FILED: "备案", SaleStatus.DELIVERED: "交付",
    SaleStatus.WITHHELD: "销控",
}

class Building(models.Model):
    """A building 楼栋 of a project; its units make the sale-control chart 销控图."""

    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="buildings")
    code = models.CharField(_("code"), max_length=16, help_text=_("The first part of unit codes, e.g. 3 in 3-1502."))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["project", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="building_code_unique")]

    def __str__(self) -> str:
        return self.name or self.code


class Unit(models.Model):
    """A unit 房源 for sale: where it is, how big, its list price and its sale status."""

    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="units")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units")
    code = models.CharField(_("code"), max_length=32, help_text=_("Building-floor+position, e.g. 3-1502."))
    floor = models.SmallIntegerField(_("floor"))
    position = models.CharField(_("position"), max_length=8, help_text=_("Unit on its floor, e.g. 02."))
    layout = models.CharField(_("layout"), max_length=50, blank=True, help_text=_("e.g. 3室2厅2卫"))
    built_area = models.DecimalField(_("built area (m²)"), max_digits=8, decimal_places=2)
    inner_area = models.DecimalField(_("inner area (m²)"), max_digits=8, decimal_places=2)
    orientation = models.CharField(_("orientation"), max_length=20, blank=True)
    list_price = models.DecimalField(_("list price"), **MONEY_COLUMN)
    status = models.CharField(_("sale status"), max_length=16, choices=SaleStatus.choices,
                              default=SaleStatus.AVAILABLE)
    history = HistoricalRecords(excluded_fields=["project", "building", "code", "floor", "position"])

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["project", "building", "-floor", "position"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="unit_code_unique"),
            models.UniqueConstraint(fields=["building", "floor", "position"], name="unit_place_unique"),
            models.CheckConstraint(condition=Q(built_area__gt=0) & Q(inner_area__gt=0)
                                   & Q(inner_area__lte=F("built_area")), name="unit_areas_valid"),
            models.CheckConstraint(condition=Q(list_price__gte=0), name="unit_list_price_not_negative"),
            models.CheckConstraint(condition=Q(status__in=SaleStatus.values), name="unit_status_known"),
        ]
        indexes = [models.Index(fields=["project", "status"], name="unit_project_status_idx")]

    def __str__(self) -> str:
        return self.code


class ReleaseReason(models.TextChoices):
    RELEASED = "released", _("released")        # cancelled, expired, refunded: the unit is on sale again
    TRANSFERRED = "transferred", _("transferred")  # the deal moved on to a child record


class UnitHold(models.Model):
    """A deal's claim on a unit. Deals are engine records, named here by id and reference only."""

    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="holds")
    record_id = models.BigIntegerField(_("record"), help_text=_("The engine record of the deal."))
    reference = models.CharField(_("reference"), max_length=32)
    flow = models.SlugField(_("flow"), max_length=63)
    held_at = models.DateTimeField(_("held at"))
    held_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    release_reason = models.CharField(_("release reason"), max_length=16, choices=ReleaseReason.choices,
                                      blank=True)
    release_note = models.CharField(_("note"), max_length=200, blank=True)
    transferred_to = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="transferred_from")

    class Meta:
        verbose_name = _("unit hold")
        verbose_name_plural = _("unit holds")
        ordering = ["-held_at"]
        constraints = [
            # The invariant: a unit is in at most one live deal.
            models.UniqueConstraint(fields=["unit"], condition=Q(released_at__isnull=True),
                                    name="unit_hold_one_live_per_unit"),
            models.CheckConstraint(
                condition=(Q(released_at__isnull=True, release_reason="")
                           | Q(released_at__isnull=False, released_at__gte=F("held_at")) & ~Q(release_reason="")),
                name="unit_hold_release_consistent"),
        ]
        indexes = [models.Index(fields=["project", "record_id"], name="unit_hold_record_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.reference}"
