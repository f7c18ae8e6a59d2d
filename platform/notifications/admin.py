"""The delivery log in the admin: what was sent to whom by which channel, and why a channel failed."""
from django.contrib import admin

from .models import Delivery, Notification


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
