"""A customer's page: profile (phone masked as the kernel's rule says), deals, payments,
open tasks and the history of key fields, limited to the viewer's projects."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.db.models import F
from django.shortcuts import render

from engine.models import Record, Task
from engine.runtime.access import can_see
from engine.versions import definition_for
from kernel.history import customer_changes
from kernel.models import Customer, Payment
from kernel.visibility import PhoneVisibility, customer_payload

from .common import text


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
    for deal in deals:  # definitions are cached per version: no query per deal
        definition = definition_for(deal)
        deal.flow_title = text(definition.title, deal.flow)
        deal.state_title = text(definition.state(deal.state).title, deal.state)
    payments = list(Payment.objects.filter(project_id__in=projects, record_id__in=[d.pk for d in deals])
                    .order_by("received_at"))
    open_tasks = list(Task.objects.filter(record__in=deals, status="open").select_related("record", "assignee"))
    points = _points(customer.pk, projects)
    return render(request, "web/customer.html", {
        "points": points,
        "customer": customer_payload(customer, visibility), "registrations": registrations, "deals": deals,
        "payments": payments, "tasks": open_tasks, "changes": customer_changes(customer, visibility),
    })


def _points(customer_id: int, projects: set[int]) -> list:
    """Membership points per project, when the points plugin is installed."""
    from django.apps import apps

    if not apps.is_installed("plugins.points"):
        return []
    from plugins.points.models import PointsAccount

    return list(PointsAccount.objects.filter(customer_id=customer_id, project_id__in=projects)
                .select_related("project").order_by("project__code"))
