"""Rule sets in Django's admin: edit a project's rules; saving validates them, history keeps the rest."""
from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import RuleSet


@admin.register(RuleSet)
class RuleSetAdmin(SimpleHistoryAdmin):
    list_display = ("project", "plugin", "revision", "updated_at", "updated_by")
    list_filter = ("plugin",)
    search_fields = ("project__code", "plugin")
    readonly_fields = ("revision", "updated_at", "updated_by")

    def save_model(self, request, obj: RuleSet, form, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
