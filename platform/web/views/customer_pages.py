"""The customer 360 page's other pages: edit details, the managers' change approvals, merging a duplicate,
adding and removing relations. Each parses the form, calls one kernel service and turns its refusal into a
message in the user's language.
"""
from __future__ import annotations

from types import SimpleNamespace

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from forms import build_form_class
from forms.fields import CustomerField
from kernel import customers as kernel_customers
from kernel import merge, relations, revisions
from kernel.access import MANAGER_ROLES, memberships_of
from kernel.errors import InvalidCustomerData, InvalidPhone, KernelError, NothingToChange
from kernel.models import ChangeStatus, Customer, CustomerChangeRequest, Project
from kernel.personal_fields import masked, personal_kind
from kernel.phones import normalise_phone
from kernel.protection import ensure_may_act
from kernel.visibility import PhoneVisibility, with_registrations

from .common import lang, refused
from .customers import RelationForm, change_rows, customer_schema, load_customer, manager_projects, shown_phone
from .lookups import PageRefs

# The details the edit page changes; the profile's `source` is not one: the customer's source is the source type
# of their first visit, and the page keeps whatever an older profile holds.
PROFILE_FIELDS = ("gender", "birthday", "id_type", "email", "address", "occupation", "note")


def _visible(request, customer_id: int):
    customer, registrations, visibility, _scope = load_customer(request, customer_id)
    if not registrations:
        raise Http404()
    return customer, registrations, visibility


def _project_of(request, registrations):
    """The project the page acts in: ?project=CODE among the customer's, else the first the viewer manages, else the first."""
    code = request.GET.get("project") or request.POST.get("project")
    for r in registrations:
        if r.project.code == code:
            return r.project
    memberships = memberships_of(request.user.pk)
    managed = [r.project for r in registrations if memberships.get(r.project_id, frozenset()) & MANAGER_ROLES]
    return (managed or [r.project for r in registrations])[0]


def _refused(request, error: KernelError) -> None:
    messages.error(request, error.message(lang()))


# Edit details

class _CheckedEdit(forms.Form):
    """Every field checked at once with the kernel's rules (the phone's, the customer schema's in words, the resident
    ID's check digit, a birthday neither future nor against the ID), each problem at its field; the services
    check again when they save."""

    current_extra: dict = {}

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        try:
            normalise_phone(phone)
        except InvalidPhone as error:
            raise forms.ValidationError(_("%(value)s is not a whole phone number, e.g. 13812341234 or +86 138 1234 "
                                          "1234") % {"value": error.params["value_en"]}) from None
        return phone

    def clean(self):
        data = super().clean() or self.cleaned_data  # as Django takes it when clean() returns nothing
        extra = {k: v for k, v in self.current_extra.items() if k not in (*PROFILE_FIELDS, "id_number")}
        extra.update(profile_values(data))
        if data.get("id_number"):
            extra["id_number"] = data["id_number"].strip()
        for field, words in kernel_customers.extra_field_problems(extra).items():
            self.add_error(field if field in self.fields else None, words[1 if lang().startswith("zh") else 0])
        return data


def profile_values(data) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()
            if k in PROFILE_FIELDS and v not in (None, "")}


def add_kernel_error(form, error: KernelError) -> None:
    """A refusal at the fields it names (a customer's details: each field's own words), else above the form."""
    fields = error.params.get("fields") if isinstance(error, InvalidCustomerData) else None
    if fields:
        for field, words in fields.items():
            form.add_error(field if field in form.fields else None, words[1 if lang().startswith("zh") else 0])
        return
    field = error.params.get("field")
    if isinstance(error, InvalidPhone) and "phone" in form.fields:
        field = "phone"
    form.add_error(field if field in form.fields else None, error.message(lang()))


def _read_only_details(form_class, initial: dict, phone: str) -> list[tuple[str, str]]:
    """(label, value in words) of the edit form's fields, for a viewer who may not change them.

    That viewer sees the phone masked, so the ID number too (kernel.personal_fields).
    """
    from ..display import DASH, day

    rows = []
    for name, field in form_class.base_fields.items():
        if name == "reason":
            continue
        value = initial.get(name, "")
        kind = personal_kind(name)
        if kind and value:
            text = masked(kind, value)
        elif name == "birthday" and value:
            text = day(value)
        elif isinstance(field, forms.ChoiceField):
            text = dict(field.choices).get(value, "") if value else ""  # type: ignore[arg-type]  # pairs: build_form_class
        else:
            text = str(value or "")
        rows.append((str(field.label), text or DASH))
        if name == "name":
            rows.append((_("Phone"), phone or DASH))
    return rows


def edit_form_class(sees_full: bool):
    schema = customer_schema()
    spec = SimpleNamespace(fields=list(PROFILE_FIELDS), required=[], extra={})
    profile = build_form_class(schema, spec, lang=lang())
    fields = {
        "name": forms.CharField(label=_("Name"), max_length=100),
        "id_number": forms.CharField(label=_("ID number"), max_length=40, required=False),
    }
    if sees_full:
        fields["phone"] = forms.CharField(label=_("Phone"), max_length=30)
    fields["reason"] = forms.CharField(label=_("Reason for the change"), required=False, max_length=300,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    form_class: type[forms.Form] = type("CustomerEditForm", (_CheckedEdit, profile), fields)
    form_class.base_fields.pop("comment", None)
    order = ["name", "phone", "id_type", "id_number", *[f for f in PROFILE_FIELDS if f != "id_type"], "reason"]
    form_class.field_order = [f for f in order if f in form_class.base_fields]
    return form_class


@login_required
def customer_edit(request, customer_id: int):
    customer, registrations, visibility = _visible(request, customer_id)
    project = _project_of(request, registrations)
    full = visibility.sees_full(customer)
    form_class = edit_form_class(full)
    form_class.current_extra = dict(customer.extra)
    roles = visibility.memberships.get(project.pk, frozenset())
    approval = revisions.needs_approval(project, roles)
    initial = {"name": customer.name, "phone": shown_phone(customer.phone) if full else "",
               **{k: v for k, v in customer.extra.items() if k in (*PROFILE_FIELDS, "id_number")}}
    if not full:
        # whoever sees the number masked is not the customer's consultant nor a manager here: they read, not change
        return render(request, "web/customers/edit.html", {
            "customer": customer, "customer_name": customer.name, "project": project, "read_only": True,
            "details": _read_only_details(form_class, initial, shown_phone(visibility.phone_for(customer))),
        }, status=403 if request.method == "POST" else 200)
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        wanted = {"name": data["name"], "id_number": data.get("id_number", ""), "phone": data["phone"]}
        profile = profile_values(data)
        changed_profile = False
        try:
            with transaction.atomic():
                try:
                    outcome = revisions.request_change(project_id=project.pk, customer_id=customer.pk,
                                                       by_user_id=request.user.pk, changes=wanted,
                                                       reason=data.get("reason", ""))
                except NothingToChange:
                    outcome = None
                fresh = Customer.objects.get(pk=customer.pk)
                extra = {**{k: v for k, v in fresh.extra.items() if k not in PROFILE_FIELDS}, **profile}
                if extra != fresh.extra:
                    ensure_may_act(project_id=project.pk, customer_id=customer.pk, user_id=request.user.pk)
                    kernel_customers.update(customer.pk, by_user_id=request.user.pk, extra=extra)
                    changed_profile = True
        except KernelError as error:
            add_kernel_error(form, error)
        else:
            if outcome is not None and not outcome.applied:
                messages.success(request, _("Saved. The change of name, phone or ID number waits for a sales "
                                            "manager's approval."))
            elif outcome is None and not changed_profile:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(request, _("The customer's details are saved."))
            return redirect("web:customer", customer.pk)
    return render(request, "web/customers/edit.html", {
        "form": form, "customer": customer, "customer_name": customer.name, "project": project,
        "approval": approval, "sees_full": full,
        "projects": [r.project for r in registrations] if len(registrations) > 1 else [],
    }, status=400 if request.method == "POST" else 200)


# The managers' change approvals

@login_required
def customer_changes(request, project: str):
    project_obj = Project.objects.filter(code=project).first()
    if project_obj is None:
        raise Http404()
    roles = memberships_of(request.user.pk).get(project_obj.pk, frozenset())
    if not roles:
        raise Http404()
    if not roles & MANAGER_ROLES:  # a member: told why in words, as the front desk does
        return refused(request, project_obj, _(
            "Changes of customers' names, phones and ID numbers are decided by the project's sales managers, "
            "project director and project admins. Your change requests wait for them; ask a sales manager if one "
            "is urgent."))
    if request.method == "POST":
        try:
            request_id = int(request.POST.get("request", ""))
        except ValueError:
            request_id = 0
        approve = request.POST.get("decision") == "approve"
        try:
            decided = revisions.decide_change(request_id, by_user_id=request.user.pk, approve=approve,
                                              note=request.POST.get("note", ""))
        except KernelError as error:
            _refused(request, error)
        else:
            word = _("approved") if approve else _("rejected")
            messages.success(request, _("The change of %(name)s is %(decision)s.") % {
                "name": decided.customer.name, "decision": word})
        return redirect("web:customer-changes", project_obj.code)
    pending = list(CustomerChangeRequest.objects.filter(project=project_obj, status=ChangeStatus.PENDING)
                   .select_related("requested_by").order_by("requested_at"))
    people = {c.pk: c for c in with_registrations(Customer.objects.filter(pk__in=[p.customer_id for p in pending]))}
    visibility = PhoneVisibility.for_user(request.user, project_obj.pk)
    from ..display import moment

    rows = [{"id": p.pk, "customer": people[p.customer_id], "by": str(p.requested_by), "reason": p.reason,
             "at": moment(p.requested_at, project_obj.zone),
             "changes": change_rows(people[p.customer_id], p.changes, visibility.sees_full(people[p.customer_id]))}
            for p in pending]
    return render(request, "web/customers/changes.html", {"project": project_obj, "rows": rows})


# Merging a duplicate

def count_titles() -> dict[str, str]:
    return {"registrations": _("Project registrations"), "visits": _("Visits and calls"),
            "follow_ups": _("Follow-ups"), "relations": _("Relations"), "change_requests": _("Change requests"),
            "records": _("Deals and service requests"), "points_accounts": _("Points accounts"),
            "points": _("Points"), "profile_fields": _("Profile fields"), "merges": _("Earlier merges"),
            "reminders": _("Payment reminders")}


@login_required
def customer_merge(request, customer_id: int):
    customer, registrations, visibility = _visible(request, customer_id)
    managed = manager_projects(visibility, registrations)
    if not managed:
        raise Http404()
    project = managed[0]
    refs = PageRefs(request.user, project)

    class MergeForm(forms.Form):
        duplicate = CustomerField(refs=refs, label=_("Duplicate customer"),
                                  help_text=_("The other record of the same person; it is merged into this one "
                                              "and then removed."))

    form = MergeForm(request.POST or None)
    preview = refusal = duplicate = None
    duplicate_phone = ""
    if request.method == "POST" and form.is_valid():
        duplicate_id = form.cleaned_data["duplicate"]
        if request.POST.get("confirm") == "1":
            try:
                done = merge.merge_customers(survivor_id=customer.pk, duplicate_id=duplicate_id,
                                             by_user_id=request.user.pk)
            except KernelError as error:
                form.add_error(None, error.message(lang()))
            else:
                messages.success(request, _("%(name)s was merged into this customer.") % {"name": done.merged_name})
                return redirect("web:customer", customer.pk)
        counts, refusal = merge.preview(survivor_id=customer.pk, duplicate_id=duplicate_id,
                                        by_user_id=request.user.pk)
        titles = count_titles()
        preview = [(titles.get(k, _("Other rows")), v) for k, v in counts.items()]
        duplicate = with_registrations(Customer.objects.filter(pk=duplicate_id)).first()
        if duplicate is not None:
            duplicate_phone = shown_phone(visibility.phone_for(duplicate))
    return render(request, "web/customers/merge.html", {
        "form": form, "customer": customer, "customer_phone": shown_phone(visibility.phone_for(customer)),
        "preview": preview, "refusal": refusal.message(lang()) if refusal else "", "duplicate": duplicate,
        "duplicate_phone": duplicate_phone,
        "duplicate_value": request.POST.get("duplicate", ""),
    }, status=400 if request.method == "POST" and form.errors else 200)


# Relations

@login_required
@require_POST
def customer_relations(request, customer_id: int):
    customer, registrations, _visibility = _visible(request, customer_id)
    try:
        if request.POST.get("remove"):
            relations.unrelate(int(request.POST["remove"]), request.user.pk)
            messages.success(request, _("The relation is removed."))
        else:
            form = RelationForm(refs=PageRefs(request.user, registrations[0].project), data=request.POST)
            if not form.is_valid():
                for errors in form.errors.values():
                    for error in errors:
                        messages.error(request, str(error))
                return redirect(f"{_customer_url(customer.pk)}#relations")
            relations.relate(customer.pk, form.cleaned_data["other"], form.cleaned_data["kind"], request.user.pk,
                             note=form.cleaned_data.get("note", ""))
            messages.success(request, _("The relation is recorded."))
    except (KernelError, ValueError) as error:
        messages.error(request, error.message(lang()) if isinstance(error, KernelError) else _("Pick a relation."))
    return redirect(f"{_customer_url(customer.pk)}#relations")


def _customer_url(pk: int) -> str:
    from django.urls import reverse

    return reverse("web:customer", args=[pk])


__all__ = ["customer_changes", "customer_edit", "customer_merge", "customer_relations"]
