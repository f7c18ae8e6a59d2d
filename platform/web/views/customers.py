"""A customer's page: profile (phone masked as the kernel's rule says), deals, payments,
open tasks and the history of key fields, limited to the viewer's projects."""
from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.db.models import F
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from engine.models import Record, Task
from engine.runtime.access import can_see
from engine.versions import definition_for
from kernel.history import customer_changes
from kernel.models import Customer, Payment
from kernel.schemas import cached_schema
from kernel.visibility import PhoneVisibility, customer_payload

from ..display import Display, References, money
from .common import lang, task_title, text


@login_required
def customer_page(request, customer_id: int):
    customer = Customer.objects.prefetch_related("registrations__project", "registrations__consultant") \
        .filter(pk=customer_id).first()
    if customer is None:
        raise Http404()
    visibility = PhoneVisibility.for_user(request.user)  # holds the viewer's memberships
    registrations = [r for r in customer.registrations.all()
                     if can_see(request.user, r.project_id, visibility.memberships.get(r.project_id, frozenset()))]
    if not registrations:
        raise Http404()  # not registered in any project of the viewer
    projects = {r.project_id for r in registrations}
    deals = list(Record.objects.filter(project_id__in=projects, data__customer_id=customer.pk)
                 .select_related("project").annotate(version_hash=F("version__content_hash"))
                 .order_by("-created_at"))
    definitions = {}
    for deal in deals:  # definitions are cached per version: no query per deal
        definition = definitions[deal.pk] = definition_for(deal)
        deal.flow_title = text(definition.title, deal.flow)
        deal.state_title = text(definition.state(deal.state).title, deal.state)
    payments = list(Payment.objects.filter(project_id__in=projects, record_id__in=[d.pk for d in deals])
                    .order_by("received_at"))
    for payment in payments:
        payment.amount_text = money(payment.amount)
    open_tasks = list(Task.objects.filter(record__in=deals, status="open").select_related("record", "assignee"))
    for task in open_tasks:
        task.title_text = task_title(definitions[task.record_id], task)
    schema = cached_schema(Path(settings.SCHEMAS_DIR) / "customer.json")
    shown = Display(References(), lang(), ZoneInfo(timezone.get_current_timezone_name()), schema)
    payload = customer_payload(customer, visibility)
    if payload["phone"].startswith("+86"):  # a Chinese number as people write it
        payload["phone"] = payload["phone"][3:]
    return render(request, "web/customer.html", {
        "points": _points(customer.pk, projects),
        "customer": payload, "profile": shown.fields(schema, payload["extra"], skip_empty=True),
        "registrations": registrations, "deals": deals,
        "payments": payments, "tasks": open_tasks, "changes": _changes(customer, visibility, shown, schema),
    })


def _changes(customer: Customer, visibility: PhoneVisibility, shown: Display, schema: dict) -> list[dict]:
    """The key-field history in words: name and phone as they were, profile changes by their labels."""
    out = []
    labels = {"name": _("Name"), "phone": _("Phone")}
    for change in customer_changes(customer, visibility):
        if change.field == "extra":
            old, new = change.old or {}, change.new or {}
            for key in [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]:
                field_schema = schema.get("properties", {}).get(key, {})
                out.append({"at": change.at, "field": shown.label(key, field_schema),
                            "old": shown.scalar(field_schema, old[key], key) if key in old else "",
                            "new": shown.scalar(field_schema, new[key], key) if key in new else ""})
        else:
            out.append({"at": change.at, "field": labels.get(change.field, change.field),
                        "old": change.old, "new": change.new})
    return out


def _points(customer_id: int, projects: set[int]) -> list:
    """Membership points per project, when the points plugin is installed."""
    from django.apps import apps

    if not apps.is_installed("plugins.points"):
        return []
    from plugins.points.models import PointsAccount

    accounts = list(PointsAccount.objects.filter(customer_id=customer_id, project_id__in=projects)
                    .select_related("project").order_by("project__code"))
    titles = _level_titles([a.project_id for a in accounts])
    for account in accounts:  # the level by the title the project's points rules give it
        account.level_title = titles.get((account.project_id, account.level), account.level)
    return accounts


def _level_titles(project_ids: list[int]) -> dict[tuple[int, str], str]:
    from extensions.models import RuleSet

    out = {}
    for project_id, config in RuleSet.objects.filter(project_id__in=project_ids, plugin="points") \
            .values_list("project_id", "config"):
        for level in (config or {}).get("levels", []):
            out[(project_id, level.get("code"))] = level.get("title") or level.get("code")
    return out
