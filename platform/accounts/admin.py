from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Membership, User

admin.site.register(User, UserAdmin)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "project", "role", "created_at")
    list_filter = ("project", "role")
    search_fields = ("user__username", "user__display_name")
    list_select_related = ("user", "project")
