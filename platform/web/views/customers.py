"""The customer 360 page (客户台帐): identity and contact (phone masked as the kernel's rule says), intention,
stage, consultant and protection per project, deals with units and amounts, open tasks, a timeline of every
contact, step, payment, service request and points event, the key-field history, relations.

Scope: the viewer's projects (kernel.customer_scope), each with one query per kind of row, whatever their
number. A customer registered only in another project of the viewer's company shows a page saying so, with
nothing about them (a link from a colleague should not look broken); anyone else gets a 404.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from definitions.roles import STANDARD_ROLES
from engine.customer_merge import records_naming
from engine.models import Record, Task
from engine.runtime.visibility import visible_records
from engine.versions import definition_for
from forms.fields import CustomerField
from kernel.access import MANAGER_ROLES
from kernel.customer_scope import scope_for
from kernel.customers import survivor_of
from kernel.followups import may_log_follow_up
from kernel.history import customer_changes
from kernel.models import (
    ChangeStatus,
    Customer,
    CustomerChangeRequest,
    CustomerMerge,
    CustomerRelation,
    Payment,
    RelationKind,
)
from kernel.personal_fields import mask_id_number
from kernel.phones import mask_phone
from kernel.schemas import cached_schema
from kernel.visibility import PhoneVisibility, customer_payload
from kernel.visits import FRONT_DESK_ROLES

from ..display import DASH, Display, References, day, moment, money, shown_phone
from .common import lang, task_title
from .customer_timeline import decorate_deals, intention, stage_title, timeline, total_paid
from .lookups import PageRefs


def customer_schema() -> dict:
    return cached_schema(Path(settings.SCHEMAS_DIR) / "customer.json")


def relation_titles() -> dict[str, str]:
    return {RelationKind.SPOUSE: _("spouse"), RelationKind.FAMILY: _("family member"),
            RelationKind.REFERRER: _("referred by"), RelationKind.CO_BUYER: _("co-buyer"),
            RelationKind.OTHER: _("other relation")}


def relation_inverse_titles() -> dict[str, str]:
    """How the relation reads from the other side (`to` of a `referrer` relation referred `from`)."""
    return {**relation_titles(), RelationKind.REFERRER: _("referred")}


def load_customer(request, customer_id: int):
    """(customer, visible registrations, visibility, scope) or a 404; `None` registrations: registered elsewhere."""
    customer = (Customer.objects.prefetch_related("registrations__project", "registrations__consultant")
                .filter(pk=customer_id).first())
    if customer is None:
        raise Http404()
    visibility = PhoneVisibility.for_user(request.user)  # holds the viewer's memberships
    scope = scope_for(request.user, memberships=visibility.memberships)
    registrations = [r for r in customer.registrations.all() if r.project_id in scope.visible]
    if not registrations:
        if any(r.project_id in scope.elsewhere for r in customer.registrations.all()):
            return customer, None, visibility, scope
        if not (request.user.is_superuser and not customer.registrations.all()):
            raise Http404()  # an orphan (registered nowhere) is shown to platform admins only, to fix it
    return customer, registrations, visibility, scope


def manager_projects(visibility: PhoneVisibility, registrations) -> list:
    return [r.project for r in registrations if visibility.memberships.get(r.project_id, frozenset()) & MANAGER_ROLES]


def consultant_line(consultant) -> str:
    """"置业顾问：王敏"; a display name that already says its role ("王敏 置业顾问") is shown as it is."""
    name = str(consultant)
    titles = {part.strip() for role in STANDARD_ROLES for title in (role.zh, role.en) for part in title.split("/")}
    if any(title and title in name for title in titles):
        return name
    return _("Consultant: %(name)s") % {"name": name}



@dataclass(frozen=True)
class PaymentRow:
    """A payment of the customer's deals, as their page lists it."""

    payment: Payment
    amount_text: str
    day_text: str  # in the project's zone


@dataclass(frozen=True)
class TaskRow:
    task: Task
    title_text: str

@login_required
def customer_page(request, customer_id: int):
    try:
        customer, registrations, visibility, scope = load_customer(request, customer_id)
    except Http404:  # a customer merged into another: their old link leads to the survivor
        survivor = survivor_of(customer_id)
        if survivor is None:
            raise
        return redirect("web:customer", survivor)
    if registrations is None:
        return render(request, "web/customers/c360_elsewhere.html", {}, status=200)
    projects = {r.project_id: r.project for r in registrations}
    now = timezone.now()
    deals = records_naming(customer.pk, project_ids=list(projects))
    for deal in deals:
        deal.project = projects[deal.project_id]
    definitions = {deal.pk: definition_for(deal) for deal in deals}  # cached per version: no query per deal
    rows = decorate_deals(deals, definitions)
    # A deal the viewer may not see (a colleague's, where the project keeps consultants to their own work)
    # is listed without its link, state or amount, and its payments, tasks and steps are left out: the unit
    # card's rule (engine.runtime.visibility). Two queries however many deals.
    seen_ids = set(visible_records(request.user, Record.objects.filter(pk__in=[d.pk for d in deals]),
                                   visibility.memberships).values_list("pk", flat=True)) if deals else set()
    for row in rows:
        row.seen = row.record.pk in seen_ids
        if not row.seen:
            row.state_title, row.amount_text = _("Handled by a colleague"), DASH
    seen = [row for row in rows if row.seen]
    seen_pks = [row.record.pk for row in seen]
    payments = list(Payment.objects.filter(project_id__in=list(projects), record_id__in=seen_pks)
                    .order_by("-received_at"))
    payment_rows = [PaymentRow(p, money(p.amount), day(p.received_at.astimezone(projects[p.project_id].zone).date()))
                    for p in payments]
    open_tasks = [TaskRow(task, task_title(definitions[task.record_id], task))
                  for task in Task.objects.filter(record_id__in=seen_pks, status="open")
                  .select_related("record", "assignee").order_by("opened_at")]
    merges = list(CustomerMerge.objects.filter(survivor=customer).select_related("by").order_by("-at"))
    events, visits = timeline(customer.pk, projects, seen, {pk: definitions[pk] for pk in seen_pks}, payments, merges)
    schema = customer_schema()
    first = registrations[0].project if registrations else None
    zone = first.zone if first else ZoneInfo(timezone.get_current_timezone_name())
    payload = customer_payload(customer, visibility)
    payload["phone"] = shown_phone(payload["phone"])
    if payload["phone_masked"] and payload["extra"].get("id_number"):  # an ID number is as private as the phone
        payload["extra"]["id_number"] = mask_id_number(payload["extra"]["id_number"])
    # the profile's personal numbers (kernel.personal_fields) show as the customer's phone does
    shown = Display(References(personal_full=not payload["phone_masked"]), lang(), zone, schema)
    managed = manager_projects(visibility, registrations)
    for r in registrations:
        r.stage_title = stage_title(r.project, r.stage)
        r.protection_text = (_("protected until %(moment)s") % {"moment": moment(r.protected_until, r.project.zone)}
                             if r.released_at is None and r.protected_until > now else _("protection ended"))
        roles = visibility.memberships.get(r.project_id, frozenset())
        r.follow_up_url = (reverse("web:follow-up", args=[r.project.code, customer.pk])
                           if may_log_follow_up(r, visibility.user_id, roles, r.project, now) else "")
        r.may_start = bool(roles & FRONT_DESK_ROLES)  # who works the customer may start a deal for them
        r.consultant_text = consultant_line(r.consultant)
        r.reassign_url = (reverse("web:customer-reassign", args=[r.project.code, customer.pk])
                          if r.project in managed else "")
        r.next_text = day(r.next_follow_up_on) if r.next_follow_up_on else ""
    relations, relation_form = _relations(request, customer, visibility, registrations)
    extra = dict(payload["extra"])
    source_schema = schema.get("properties", {}).get("source", {})
    profile_source = shown.scalar(source_schema, extra["source"], "source") if extra.get("source") else ""
    wanted = intention(visits, projects, profile_source)
    if wanted:  # the intention says the source, once: the first visit's, else the profile's
        extra.pop("source", None)
    return render(request, "web/customer.html", {
        "customer": payload, "customer_id": customer.pk,
        "profile": shown.fields(schema, extra, skip_empty=True),
        "registrations": registrations, "deals": [row for row in rows if not row.is_service],
        "services": [row for row in rows if row.is_service], "payments": payment_rows, "paid": total_paid(payments),
        "tasks": open_tasks, "events": events,
        "intention": wanted,
        "changes": _changes(customer, visibility, shown, schema, merges),
        "pending": _pending(customer, visibility, shown),
        "plugin_facts": _plugin_facts(customer.pk, projects), "relations": relations, "relation_form": relation_form,
        "relation_kinds": list(relation_titles().items()),
        "may_merge": bool(managed), "first_project": first,
        "may_edit": not payload["phone_masked"] or bool(managed),  # the edit page refuses the others
    })


def _relations(request, customer: Customer, visibility: PhoneVisibility, registrations):
    rows = list(CustomerRelation.objects.filter(Q(from_customer=customer) | Q(to_customer=customer))
                .select_related("from_customer", "to_customer")
                .prefetch_related("from_customer__registrations", "to_customer__registrations").order_by("pk"))
    titles, inverse = relation_titles(), relation_inverse_titles()
    out = []
    for relation in rows:
        mine = relation.from_customer_id == customer.pk
        other = relation.to_customer if mine else relation.from_customer
        out.append({"id": relation.pk, "title": titles[relation.kind] if mine else inverse[relation.kind],
                    "other_id": other.pk, "other_name": other.name,
                    "other_phone": shown_phone(visibility.phone_for(other)), "note": relation.note})
    form = None
    if registrations:
        form = RelationForm(refs=PageRefs(request.user, registrations[0].project))
    return out, form


class RelationForm(forms.Form):
    """The add-a-relation form: a relation and the other customer (forms.fields.CustomerField: by name or phone)."""

    kind = forms.ChoiceField(label=gettext_lazy("Relation"))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def __init__(self, *, refs, data=None) -> None:
        super().__init__(data=data, prefix="relation")
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)  # as declared above (`fields` is typed by the base Field)
        kind.choices = [("", "—"), *relation_titles().items()]
        self.fields["other"] = CustomerField(refs=refs, label=_("Customer"))
        self.order_fields(["kind", "other", "note"])


def _pending(customer: Customer, visibility: PhoneVisibility, shown: Display) -> dict | None:
    request = (CustomerChangeRequest.objects.filter(customer=customer, status=ChangeStatus.PENDING)
               .select_related("requested_by", "project").first())
    if request is None:
        return None
    managed = visibility.memberships.get(request.project_id, frozenset()) & MANAGER_ROLES
    return {"rows": change_rows(customer, request.changes, visibility.sees_full(customer)),
            "by": str(request.requested_by), "reason": request.reason,
            "decide_url": reverse("web:customer-changes", args=[request.project.code]) if managed else ""}


def key_labels() -> dict[str, str]:
    return {"name": _("Name"), "phone": _("Phone"), "id_number": _("ID number")}


def change_rows(customer: Customer, changes: dict, full: bool) -> list[tuple[str, str, str]]:
    """(label, old, new) for a change request, phones masked unless the viewer sees full numbers."""
    labels, out = key_labels(), []
    current = {"name": customer.name, "phone": customer.phone, "id_number": customer.extra.get("id_number", "")}
    for key, new in changes.items():
        old = current.get(key, "")
        if key == "phone":
            old, new = ((shown_phone(old), shown_phone(new)) if full else (mask_phone(old), mask_phone(new)))
        elif key == "id_number" and not full:
            old, new = mask_id_number(old), mask_id_number(new)
        out.append((labels.get(key, key), old or DASH, new or DASH))
    return out


def _changes(customer: Customer, visibility: PhoneVisibility, shown: Display, schema: dict, merges) -> list[dict]:
    """The key-field history in words, newest first: name and phone as they were (masked per role),
    profile changes by their labels, who made them; and each merge of a duplicate."""
    raw = customer_changes(customer, visibility)
    users = {u.pk: str(u) for u in User.objects.filter(pk__in={c.user_id for c in raw if c.user_id})}
    full = visibility.sees_full(customer)
    out: list[dict[str, Any]] = []
    for change in raw:
        who = users.get(change.user_id, _("system")) if change.user_id is not None else _("system")
        at = moment(change.at, shown.zone)
        if change.field == "extra":
            old, new = change.old or {}, change.new or {}
            for key in [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]:
                field_schema = schema.get("properties", {}).get(key, {})
                # an ID number is masked by `shown` as the phone is (kernel.personal_fields)
                values = [shown.scalar(field_schema, side[key], key) if key in side else "" for side in (old, new)]
                out.append({"at": at, "sort": change.at, "by": who, "field": shown.label(key, field_schema),
                            "old": values[0], "new": values[1]})
        else:
            old, new = change.old, change.new
            if change.field == "phone":
                old, new = shown_phone(old or ""), shown_phone(new or "")
            out.append({"at": at, "sort": change.at, "by": who, "field": key_labels().get(change.field, _("Profile")),
                        "old": old, "new": new})
    for m in merges:
        phone = shown_phone(m.merged_phone) if full else mask_phone(m.merged_phone)
        out.append({"at": moment(m.at, shown.zone), "sort": m.at, "by": str(m.by),
                    "field": _("Merged duplicate"), "old": f"{m.merged_name} {phone}", "new": customer.name})
    out.sort(key=lambda c: c["sort"], reverse=True)
    return out


def _plugin_facts(customer_id: int, projects: dict) -> list[dict]:
    """The plugins' lines for this customer (membership points …), through the plugin API's customer hook."""
    from extensions import registry

    return [{"plugin": plugin, "project": projects[fact.project_id], "text": fact.text}
            for plugin, fact in registry.customer_facts(customer_id, list(projects)) if fact.project_id in projects]


__all__ = ["customer_page", "load_customer"]
