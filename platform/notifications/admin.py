"""The delivery log in the admin: what was sent to whom by which channel, and why a channel failed."""
from django.contrib import admin

from .models import Delivery, Notification, Preference, RecipientSettings


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = ("channel", "status", "attempts", "last_error", "not_before", "sent_at")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "project", "created_at", "read_at")
    list_filter = ("kind", "project")
    list_select_related = ("recipient", "project")
    search_fields = ("recipient__username", "event_key")
    readonly_fields = ("recipient", "kind", "event_key", "project", "record", "params", "link", "created_at", "read_at")
    inlines = [DeliveryInline]

    def has_add_permission(self, request) -> bool:
        return False  # made by the engine's events only


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("notification", "channel", "status", "attempts", "sent_at")
    list_filter = ("channel", "status")
    list_select_related = ("notification",)
    readonly_fields = ("notification", "channel", "status", "attempts", "last_error", "not_before", "sent_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    """Who changed which kind's channels (each person sets their own on /notifications/settings/)."""

    list_display = ("user", "kind", "email", "sms")
    list_filter = ("kind",)
    list_select_related = ("user",)
    search_fields = ("user__username",)


@admin.register(RecipientSettings)
class RecipientSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "quiet_from", "quiet_until", "language")
    list_select_related = ("user",)
    search_fields = ("user__username",)
