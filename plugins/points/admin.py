"""Members' points in Django's admin: read-only; points move only through the points services."""
from __future__ import annotations

from django.contrib import admin

from .models import PointsAccount, PointsEntry, PointsLot


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PointsAccount)
class PointsAccountAdmin(_ReadOnly):
    list_display = ("customer", "project", "balance", "points_ever_earned", "level", "updated_at")
    list_filter = ("project", "level")


@admin.register(PointsLot)
class PointsLotAdmin(_ReadOnly):
    list_display = ("account", "rule", "source_key", "points", "remaining", "earned_at", "expires_at")
    list_filter = ("rule",)
    search_fields = ("source_key", "reference")


@admin.register(PointsEntry)
class PointsEntryAdmin(_ReadOnly):
    list_display = ("account", "kind", "points", "balance_after", "reference", "at", "note")
    list_filter = ("kind",)
