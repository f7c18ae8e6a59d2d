from django.contrib import admin

from .models import FlowBinding, FlowVersion


@admin.register(FlowBinding)
class FlowBindingAdmin(admin.ModelAdmin):
    list_display = ("project", "flow", "updated_at")
    list_filter = ("project",)


@admin.register(FlowVersion)
class FlowVersionAdmin(admin.ModelAdmin):
    """Read-only: versions change only through publish and rollback."""

    list_display = ("project", "flow", "number", "status", "content_hash", "published_at")
    list_filter = ("project", "flow", "status")
    list_select_related = ("project",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
