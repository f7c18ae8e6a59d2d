"""Members' points in Django's admin: read-only; points move only through the points services."""
from __future__ import annotations

from django.contrib import admin

from extensions.api import ReadOnlyAdmin

from .models import PointsAccount, PointsEntry, PointsLot


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnlyAdmin):
    list_display = ("customer", "project", "balance", "points_ever_earned", "level", "updated_at")
    list_filter = ("project", "level")
    list_select_related = ("customer", "project")


@admin.register(PointsLot)
class PointsLotAdmin(ReadOnlyAdmin):
    list_display = ("account", "rule", "source_key", "points", "remaining", "earned_at", "expires_at")
    list_filter = ("rule",)
    list_select_related = ("account",)
    search_fields = ("source_key", "reference")


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = ("account", "kind", "points", "balance_after", "reference", "at", "note")
    list_filter = ("kind",)
    list_select_related = ("account",)
