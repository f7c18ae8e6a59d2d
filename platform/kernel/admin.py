"""The kernel in Django's admin: browse everything, change only what may change by hand.

Sale status, holds, queue numbers, registrations and payments change through kernel
operations (flows, or the unit actions below), never by editing a row, so their pages
are read-only. Customers' phone numbers follow the masking rule on every page here.
"""
from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Membership

from . import units
from .customers import claim, extra_problems
from .errors import InvalidPhone, KernelError
from .models import Building, Customer, CustomerRegistration, Payment, Project, QueueBatch, QueueNumber, Unit, UnitHold
from .phones import mask_phone, normalise_phone
from .visibility import PhoneVisibility


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "created_at")
    search_fields = ("code", "name")


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "project")
    list_filter = ("project",)
    list_select_related = ("project",)


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("code", "building", "floor", "layout", "built_area", "inner_area", "orientation",
                    "list_price", "status")
    list_filter = ("project", "building", "status", "layout")
    search_fields = ("code",)
    list_select_related = ("project", "building")
    readonly_fields = ("status",)
    actions = ("withhold", "put_on_sale")

    @admin.action(description=_("Withhold from sale (销控)"))
    def withhold(self, request: HttpRequest, queryset: QuerySet[Unit]) -> None:
        self._each(request, queryset, units.withhold)

    @admin.action(description=_("Put back on sale"))
    def put_on_sale(self, request: HttpRequest, queryset: QuerySet[Unit]) -> None:
        self._each(request, queryset, units.put_on_sale)

    def _each(self, request, queryset, operation) -> None:
        done = 0
        for unit in queryset:
            try:
                operation(unit.project_id, unit.pk, user_id=request.user.pk, now=timezone.now())
                done += 1
            except KernelError as exc:
                self.message_user(request, exc.message(request.LANGUAGE_CODE), messages.ERROR)
        if done:
            self.message_user(request, _("%(n)d units changed.") % {"n": done}, messages.SUCCESS)


@admin.register(UnitHold)
class UnitHoldAdmin(ReadOnlyAdmin):
    list_display = ("unit", "reference", "flow", "held_at", "released_at", "release_reason")
    list_filter = ("project", "release_reason", "flow")
    search_fields = ("unit__code", "reference")
    list_select_related = ("unit", "project")


@admin.register(QueueBatch)
class QueueBatchAdmin(admin.ModelAdmin):
    list_display = ("code", "project", "title", "last_number", "is_open")
    list_filter = ("project", "is_open")
    list_select_related = ("project",)

    def get_readonly_fields(self, request: HttpRequest, obj: QueueBatch | None = None) -> tuple[str, ...]:
        # Issued numbers carry the batch's code (A-0001): renaming or moving a batch would
        # let a new batch of the old code issue A-0001 again.
        return ("last_number",) if obj is None else ("project", "code", "last_number")


@admin.register(QueueNumber)
class QueueNumberAdmin(ReadOnlyAdmin):
    list_display = ("code", "reference", "issued_at", "voided_at", "void_reason")
    list_filter = ("project", "batch")
    search_fields = ("code", "reference")
    list_select_related = ("batch", "project")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "kind", "amount", "received_at", "recorded_by")
    list_filter = ("project", "kind")
    search_fields = ("reference",)
    list_select_related = ("project", "recorded_by")


@admin.register(CustomerRegistration)
class CustomerRegistrationAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ("customer", "project", "consultant", "registered_at", "protected_until", "reassigned_by")
    list_filter = ("project",)
    search_fields = ("customer__name",)
    list_select_related = ("customer", "project", "consultant", "reassigned_by")


class CustomerForm(forms.ModelForm):
    """Normalises the phone (so the unique index catches every spelling) and checks extra fields."""

    class Meta:
        model = Customer
        fields = ("name", "phone", "extra")

    def clean_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except InvalidPhone as exc:
            raise forms.ValidationError(exc.message(get_language() or "en")) from None

    def clean_extra(self) -> dict:
        extra = self.cleaned_data["extra"] or {}
        problems = extra_problems(extra)
        if problems:
            raise forms.ValidationError(problems)
        return extra


class CustomerAddForm(CustomerForm):
    """Adding a customer registers them in a project to a consultant, so no customer belongs to no project
    (a customer in no project is nobody's to see, and their page would be a 404)."""

    project = forms.ModelChoiceField(label=_("project"), queryset=Project.objects.order_by("code"))
    consultant = forms.ModelChoiceField(label=_("consultant"), queryset=get_user_model().objects.filter(
        is_active=True).order_by("username"), help_text=_("A member of the project, who is protected for this "
                                                          "customer there."))

    def clean(self) -> dict:
        data = cast(dict, super().clean())  # a ModelForm's clean gives cleaned_data back
        project, consultant = data.get("project"), data.get("consultant")
        if project and consultant and not Membership.objects.filter(project=project, user=consultant).exists():
            self.add_error("consultant", _("This person is not a member of the project."))
        return data


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Shows each phone as the viewer may see it; searches phones by exact number only.

    The admin object is shared by every request, so the viewer's visibility travels on
    the request and on the object being shown, never on `self`.
    """

    form = CustomerForm
    search_fields = ("name",)
    search_help_text = _("A name, or a whole phone number.")
    list_select_related = ("created_by",)
    readonly_fields = ("phone_shown",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return super().get_queryset(request).prefetch_related("registrations")

    def get_list_display(self, request: HttpRequest):
        visibility = _visibility(request)

        @admin.display(description=_("phone"))
        def phone(obj: Customer) -> str:
            return visibility.phone_for(obj)

        return ("id", "name", phone, "created_at", "created_by")

    def get_search_results(self, request, queryset, search_term):
        # Exact phone match only: a partial match would let a masked viewer find a
        # number digit by digit.
        try:
            return queryset.filter(phone=normalise_phone(search_term)), False
        except InvalidPhone:
            return super().get_search_results(request, queryset, search_term)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.phone_is_masked = not _visibility(request).sees_full(obj)
        return obj

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CustomerAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "phone", "extra", "project", "consultant")
        if getattr(obj, "phone_is_masked", True):
            return ("name", "phone_shown", "extra")
        return ("name", "phone", "extra")

    @admin.display(description=_("phone"))
    def phone_shown(self, obj: Customer) -> str:
        return mask_phone(obj.phone)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:  # inside the add view's transaction: the customer and the registration, or neither
            claim(project_id=form.cleaned_data["project"].pk, customer_id=obj.pk,
                  consultant_id=form.cleaned_data["consultant"].pk)


def _visibility(request: HttpRequest) -> PhoneVisibility:
    cached: Any = request  # once per request: the admin's list asks for every row
    if not hasattr(cached, "_phone_visibility"):
        cached._phone_visibility = PhoneVisibility.for_user(request.user)
    return cached._phone_visibility
