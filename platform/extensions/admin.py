"""Rule sets in Django's admin: edit a project's rules; saving validates them, history keeps the rest.

Saving publishes through `extensions.rulesets.publish_rules`, like the command and the
rules page: the row is locked and the revision goes up by exactly one. The form has
already validated the configuration (`RuleSet.clean`), so publishing does not again.
"""
from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import RuleSet
from .rulesets import publish_rules


@admin.register(RuleSet)
class RuleSetAdmin(SimpleHistoryAdmin):
    list_display = ("project", "plugin", "revision", "updated_at", "updated_by")
    list_filter = ("plugin",)
    list_select_related = ("project", "updated_by")  # updated_by may be empty: named, or Django skips it
    search_fields = ("project__code", "plugin")
    readonly_fields = ("revision", "updated_at", "updated_by")

    def get_readonly_fields(self, request, obj: RuleSet | None = None):
        # A rule set is a project's rules for one plugin: to move them, publish a new one.
        fixed = ("project", "plugin") if obj is not None else ()
        return (*fixed, *self.readonly_fields)

    def save_model(self, request, obj: RuleSet, form, change: bool) -> None:
        saved = publish_rules(obj.project, obj.plugin, obj.config, user=request.user, validated=True)
        for field in RuleSet._meta.concrete_fields:  # the admin goes on with obj (messages, log, redirect)
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding, obj._state.db = False, saved._state.db
