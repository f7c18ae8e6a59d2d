"""A unit's card 房源卡片: its facts, the live deal holding it, its history, and the deals one may start on it.

Opened from a cell of the sale-control chart: a full page on a phone, a dialog over the
chart on a desktop (the same view, rendered without the page around it for the dialog).
A fixed number of queries whatever the length of the unit's history.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from engine.models import Record
from engine.runtime.access import can_see, roles_in
from engine.runtime.visibility import visible_records
from engine.versions import definition_for
from kernel.models import Customer, ReleaseReason, SaleStatus, Unit, UnitHold
from web.display import moment, zone_name
from web.display import money as yuan

from .common import text
from .display import person, person_of, square_metres
from .start import _startable


@dataclass(frozen=True)
class Event:
    """One line of the unit's history, already in words."""

    at: datetime
    who: str
    what: str
    reference: str = ""
    link: str | None = None
    next_reference: str = ""  # a hold passed on: the deal that took it over
    next_link: str | None = None


def visible_unit(request: HttpRequest, project: str, unit_id: int) -> Unit:
    """The unit, if the user may see its project; 404 otherwise (nothing leaks about other projects)."""
    unit = Unit.objects.select_related("building", "project").filter(pk=unit_id, project__code=project).first()
    if unit is None or not can_see(request.user, unit.project_id, roles_in(request.user, unit.project_id)):
        raise Http404()
    return unit


def _deals(unit: Unit, holds: list[UnitHold], user) -> dict[int, dict]:
    """record id -> reference, flow title, state title and customer name of every deal that held the unit
    and that the user may see (visibility.visible_records: a consultant sees a colleague's deal only where
    the project allows it; the card then says the unit is held, not by whom).

    Three queries (the user's project versions, records, customers) however many holds; titles come from
    the cached definitions.
    """
    found = Record.objects.filter(pk__in={h.record_id for h in holds}, project_id=unit.project_id)
    found = visible_records(user, found, {unit.project_id: roles_in(user, unit.project_id)})
    records = list(found.annotate(version_hash=F("version__content_hash")))
    customer_ids = {r.data.get("customer_id") for r in records if isinstance(r.data.get("customer_id"), int)}
    names = dict(Customer.objects.filter(pk__in=customer_ids).values_list("pk", "name")) if customer_ids else {}
    deals = {}
    for record in records:
        definition = definition_for(record)
        customer_id = record.data.get("customer_id")
        deals[record.pk] = {
            "pk": record.pk, "reference": record.reference, "flow_title": text(definition.title),
            "state_title": text(definition.state(record.state).title), "closed": record.is_closed,
            "customer": names.get(customer_id), "customer_id": customer_id if customer_id in names else None,
        }
    return deals


def _status_events(unit: Unit) -> list[Event]:
    """Sale status and list price changes, read from django-simple-history in one query."""
    rows = list(unit.history.order_by("history_id").values(
        "status", "list_price", "history_date", "history_user__username", "history_user__display_name",
        "history_user__first_name", "history_user__last_name"))
    labels = dict(SaleStatus.choices)
    events = []
    for before, after in zip(rows, rows[1:]):
        who = person(after["history_user__username"], after["history_user__display_name"] or "",
                     after["history_user__first_name"] or "", after["history_user__last_name"] or "")
        if before["status"] != after["status"]:
            events.append(Event(after["history_date"], who, _("Sale status: %(old)s → %(new)s") % {
                "old": labels.get(before["status"], ""), "new": labels.get(after["status"], "")}))
        if before["list_price"] != after["list_price"]:
            events.append(Event(after["history_date"], who, _("List price: %(old)s → %(new)s") % {
                "old": yuan(before["list_price"]), "new": yuan(after["list_price"])}))
    return events


def _hold_events(holds: list[UnitHold], deals: dict[int, dict]) -> list[Event]:
    by_pk = {h.pk: h for h in holds}
    events = []
    for hold in holds:
        deal = deals.get(hold.record_id, {})
        link = reverse("web:record", args=[hold.record_id]) if deal else None
        flow = deal.get("flow_title", "")
        events.append(Event(hold.held_at, person_of(hold.held_by) if hold.held_by else _("system"),
                            _("Held by the deal %(flow)s") % {"flow": flow}, hold.reference, link))
        if not hold.released_at:
            continue
        who = person_of(hold.released_by) if hold.released_by else _("system")
        if hold.release_reason == ReleaseReason.TRANSFERRED:
            # The kernel's note ("to CON-…") is for logs; the page names the next deal itself.
            successor = by_pk.get(hold.transferred_to_id) if hold.transferred_to_id is not None else None
            events.append(Event(hold.released_at, who, _("Passed on from the deal %(flow)s") % {"flow": flow},
                                hold.reference, link, successor.reference if successor else "",
                                reverse("web:record", args=[successor.record_id])
                                if successor and successor.record_id in deals else None))
        else:
            what = _("Released by the deal %(flow)s") % {"flow": flow}
            events.append(Event(hold.released_at, who, f"{what} · {hold.release_note}" if hold.release_note else what,
                                hold.reference, link))
    return events


def _next_steps(request: HttpRequest, unit: Unit, live: UnitHold | None) -> list[dict]:
    """Flows the user may start in this project that take a unit, the unit chosen; none unless it is on sale."""
    if live is not None or unit.status != SaleStatus.AVAILABLE:
        return []
    steps = []
    for project, definition in _startable(request.user, unit.project.code):
        fields = definition.start.form.fields if definition.start.form else definition.entity.field_names
        if "unit_id" in fields:
            url = reverse("web:start", args=[project.code, definition.name])
            steps.append({"flow": definition.name, "title": text(definition.title), "url": f"{url}?unit_id={unit.pk}"})
    return steps


@login_required
def unit_card(request: HttpRequest, project: str, unit_id: int) -> HttpResponse:
    unit = visible_unit(request, project, unit_id)
    holds = list(UnitHold.objects.filter(unit=unit).select_related("held_by", "released_by")
                 .order_by("-held_at", "-pk"))
    live = next((h for h in holds if h.released_at is None), None)
    deals = _deals(unit, holds, request.user) if holds else {}
    zone = unit.project.zone
    events = sorted(_status_events(unit) + _hold_events(holds, deals), key=lambda e: e.at, reverse=True)
    # The zone is named once above the list, not on every line.
    history = [(moment(e.at, zone, with_zone=False), e) for e in events]
    facts = [
        (pgettext("unit card", "Code"), unit.code), (pgettext("unit card", "Building"), str(unit.building)),
        (pgettext("unit card", "Floor"), pgettext("chart", "%(floor)sF") % {"floor": unit.floor}),
        (pgettext("unit card", "Layout"), unit.layout or "—"),
        (pgettext("unit card", "Built area"), square_metres(unit.built_area)),
        (pgettext("unit card", "Inner area"), square_metres(unit.inner_area)),
        (pgettext("unit card", "Orientation"), unit.orientation or "—"),
        (pgettext("unit card", "List price"), yuan(unit.list_price)),
        (pgettext("unit card", "Sale status"), unit.get_status_display()),
    ]
    partial = request.GET.get("partial") == "1" or request.headers.get("HX-Request") == "true"
    return render(request, "web/unit_card.html" if partial else "web/unit.html", {
        "unit": unit, "facts": facts, "deal": deals.get(live.record_id) if live else None, "live": live,
        "history": history, "zone_name": zone_name(zone),
        "held_since": moment(live.held_at, zone) if live else "", "next_steps": _next_steps(request, unit, live),
        "chart_url": f"{reverse('web:chart', args=[unit.project.code])}?building={unit.building_id}",
    })
