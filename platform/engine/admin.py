from typing import cast

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, MembershipChange
from definitions.roles import role_title_map

from . import members
from .models import ClientTemplate, FlowBinding, FlowVersion


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


class MembershipForm(forms.ModelForm):
    """The role is a choice (standard roles and those some published flow declares), checked against the project's."""

    role = forms.ChoiceField(label=_("role"))

    class Meta:
        model = Membership
        fields = ("user", "project", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = get_language() or "en"
        declared = [r for roles in members.declared_roles().values() for r in roles]
        titles = role_title_map(lang, declared)
        role_field = cast(forms.ChoiceField, self.fields["role"])
        role_field.choices = [("", "---------")] + [(name, title) for name, title in titles.items()]

    def clean(self):
        cleaned = cast(dict, super().clean())  # a ModelForm's clean gives cleaned_data back
        project, role = cleaned.get("project"), cleaned.get("role")
        if project is not None and role:
            try:
                members.check_role(project, role)
            except members.MemberError as exc:
                self.add_error("role", exc.message(get_language()))
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ("user", "project", "role_title", "created_at")
    list_filter = ("project", "role")
    search_fields = ("user__username", "user__display_name")
    list_select_related = ("user", "project")

    @admin.display(description=_("role"), ordering="role")
    def role_title(self, obj: Membership) -> str:
        """The standard role by its title (no query per row); a flow's own role by its name."""
        return role_title_map(get_language() or "en").get(obj.role, obj.role)

    def save_model(self, request, obj, form, change):
        # the history a project admin reads on the members page also shows what was done here
        with transaction.atomic():
            if change and "role" in form.changed_data:
                MembershipChange.objects.create(project=obj.project, member=obj.user, role=form.initial["role"],
                                                action=MembershipChange.Action.REMOVED, changed_by=request.user)
            super().save_model(request, obj, form, change)
            if not change or "role" in form.changed_data:
                MembershipChange.objects.create(project=obj.project, member=obj.user, role=obj.role,
                                                action=MembershipChange.Action.GIVEN, changed_by=request.user)

    def delete_model(self, request, obj):
        with transaction.atomic():
            MembershipChange.objects.create(project=obj.project, member=obj.user, role=obj.role,
                                            action=MembershipChange.Action.REMOVED, changed_by=request.user)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset.select_related("project", "user"):
                self.delete_model(request, obj)


@admin.register(ClientTemplate)
class ClientTemplateAdmin(admin.ModelAdmin):
    """Read-only: a client's templates come and go with `bundle load` (the bundle in git is where they change).
    The schemas are shown as their files, each file's text as written, never as the JSON field holding them."""

    list_display = ("name", "source", "projects_text", "created_at")
    list_filter = ("name",)
    search_fields = ("name", "source")
    fields = ("name", "source", "projects_text", "created_at", "content_hash", "flow_text", "schema_files")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("projects")

    @admin.display(description=_("projects"))
    def projects_text(self, obj: ClientTemplate) -> str:
        return ", ".join(f"{p.code} {p.name}" for p in obj.projects.all()) or "—"

    @admin.display(description=_("entity schemas"))
    def schema_files(self, obj: ClientTemplate):
        from django.utils.html import format_html, format_html_join

        if not obj.schema_texts:
            return "—"
        return format_html_join("", "<p><strong>{}</strong></p><pre>{}</pre>",
                                sorted(obj.schema_texts.items())) or format_html("—")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MembershipChange)
class MembershipChangeAdmin(admin.ModelAdmin):
    """Read-only: the history is written by the changes themselves."""

    list_display = ("at", "project", "member", "action", "role", "changed_by")
    list_filter = ("project", "action")
    list_select_related = ("project", "member", "changed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
