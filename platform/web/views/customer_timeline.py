"""The customer 360 page's timeline: every visit, call, follow-up, protection event (registered, reassigned,
claimed after expiry, released), deal step, payment, service request and points event, newest first, in
words; one query per kind of row (three for the protection history), whatever their number.

Also the deals' rows (unit code, amount in ¥) and the intention: each field's latest known value over the
visits and calls, the source from the first one that names it (else the profile's).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from engine.models import HistoryEntry, Record
from kernel.models import FollowUp, Payment, Project, Unit, Visit
from kernel.protection_history import protection_history

from ..display import DASH, day, moment, money
from .common import text
from .customer_list import channel_titles, source_titles, stage_title
from .record_history import Titles, headline

SERVICE_FLOWS = frozenset({"defect"})  # records of these flows are service requests, not deals
LIMIT = 300  # per kind of row: a long-served customer's page stays readable and fast


@dataclass
class Event:
    at: datetime
    kind: str  # css class: visit, call, follow-up, protection, step, payment, service, points, merge
    kind_title: str
    when: str
    headline: str
    detail: str = ""
    actor: str = ""
    link: str = ""
    link_text: str = ""


def channel_title(code: str) -> str:
    """A follow-up's channel by the title the follow-up form gives it (电话, 到访, 消息, 备注)."""
    return str(dict(channel_titles()).get(code, pgettext("customer 360", "Other contact")))


def source_title(project: Project, code: str) -> str:
    if not code:
        return DASH
    return source_titles(project).get(code) or _("a source no longer offered")


def _is_money(schema: dict) -> bool:
    return schema.get("format") == "money"


def deal_amount(definition, data: dict) -> str:
    """The deal price, else the flow's first money field with a value."""
    if data.get("deal_price") not in (None, ""):
        return money(data["deal_price"])
    for name, schema in definition.entity.schema.get("properties", {}).items():
        if _is_money(schema) and data.get(name) not in (None, ""):
            return money(data[name])
    return DASH


@dataclass
class DealRow:
    """A deal (or a service request) naming the customer, as their page lists it."""

    record: Record
    flow_title: str
    state_title: str
    unit_code: str
    amount_text: str
    is_service: bool
    seen: bool = True  # the viewer may open it (customers.customer_page says who may not)


def decorate_deals(deals: list[Record], definitions: dict) -> list[DealRow]:
    """Flow and state titles, unit code and amount of each record, with one query for every unit."""
    unit_ids = {d.data.get("unit_id") for d in deals if isinstance(d.data.get("unit_id"), int)}
    units = {u.pk: u.code for u in Unit.objects.filter(pk__in=unit_ids)} if unit_ids else {}
    return [DealRow(deal, flow_title=text(definitions[deal.pk].title, deal.flow),
                    state_title=Titles(definitions[deal.pk]).state(deal.state),
                    unit_code=units.get(deal.data.get("unit_id"), DASH),
                    amount_text=deal_amount(definitions[deal.pk], deal.data), is_service=deal.flow in SERVICE_FLOWS)
            for deal in deals]


def intention(visits: list[Visit], projects: dict[int, Project], profile_source: str = "") -> list[tuple[str, str]]:
    """Layout, budget, area and campaign: each the latest value a visit or call gave (a call without them
    blanks nothing); the source: the first visit's or call's source type, else `profile_source` (a title).
    `visits` newest first, as the timeline reads them (no query). Nothing without a visit or call."""
    if not visits:
        return []

    def latest(value):
        return next((v for v in visits if value(v) not in (None, "")), None)

    layout, budget, area, campaign = (latest(lambda v: v.layout), latest(lambda v: v.budget),
                                      latest(lambda v: v.area), latest(lambda v: v.campaign_id))
    first = next((v for v in reversed(visits) if v.source_type), None)
    source = source_title(projects[first.project_id], first.source_type) if first else (profile_source or DASH)
    return [(_("Layout wanted"), layout.layout if layout else DASH),
            (_("Budget"), money(budget.budget) if budget else DASH),
            (_("Area wanted"), f"{area.area} m²" if area else DASH), (_("Source"), source),
            (_("Campaign"), campaign.campaign.name if campaign else DASH)]


def protection_events(customer_id: int, projects: dict[int, Project]) -> list[Event]:
    """Who had the customer, in words: registered, reassigned (by whom, why), renewed, claimed after the
    protection ended, released on expiry (kernel.protection_history; three queries)."""
    by_code = {p.code: p for p in projects.values()}
    out = []
    for e in protection_history(customer_id, list(projects)):
        project = by_code[e["project"]]
        until = moment(e["until"], project.zone) if e["until"] else ""
        words = {"consultant": e["consultant"], "previous": e["previous"] or "", "project": project.name}
        if e["kind"] == "registered":
            headline = _("Registered to %(consultant)s in %(project)s") % words
        elif e["kind"] == "reassigned" and e["previous"]:
            headline = _("Reassigned from %(previous)s to %(consultant)s in %(project)s") % words
        elif e["kind"] == "reassigned":
            headline = _("Assigned to %(consultant)s in %(project)s") % words
        elif e["kind"] == "renewed":
            headline = _("Protection of %(consultant)s renewed in %(project)s") % words
        elif e["kind"] == "claimed":
            headline = _("Claimed by %(consultant)s in %(project)s after %(previous)s's protection ended") % words
        else:
            headline = _("%(consultant)s's protection in %(project)s ran out and was released") % words
        detail = [_("protected until %(moment)s") % {"moment": until}] if until else []
        if e["reason"]:
            detail.append(_("Reason: %(reason)s") % {"reason": e["reason"]})
        actor = e["by"] or (_("system") if e["kind"] == "released" else "")
        out.append(Event(e["at"], "protection", _("Protection"), moment(e["at"], project.zone), headline,
                         " · ".join(detail), actor))
    return out


def timeline(customer_id: int, projects: dict[int, Project], deals: list[DealRow], definitions: dict,
             payments: list[Payment], merges: list) -> tuple[list[Event], list[Visit]]:
    """The events newest first, and the visits and calls newest first (for the intention)."""
    from django.urls import reverse

    events: list[Event] = []
    visits = list(Visit.objects.filter(customer_id=customer_id, project_id__in=list(projects))
                  .select_related("campaign", "received_by").order_by("-at", "-id")[:LIMIT])
    for v in visits:
        project = projects[v.project_id]
        parts = [p for p in [v.layout, money(v.budget) if v.budget else "", f"{v.area} m²" if v.area else "",
                             source_title(project, v.source_type) if v.source_type else "",
                             v.campaign.name if v.campaign else "", v.note] if p]
        title = pgettext("customer 360", "Call") if v.kind == "call" else pgettext("customer 360", "Visit")
        returning = _("returning") if v.returning else _("first time")
        events.append(Event(v.at, "call" if v.kind == "call" else "visit", title, moment(v.at, project.zone),
                            f"{project.name} · {returning}", " · ".join(parts), str(v.received_by)))
    for f in (FollowUp.objects.filter(customer_id=customer_id, project_id__in=list(projects))
              .select_related("by").order_by("-at", "-id")[:LIMIT]):
        project = projects[f.project_id]
        stage = stage_title(project, f.stage)
        if f.previous_stage and f.previous_stage != f.stage:
            stage = f"{stage_title(project, f.previous_stage)} → {stage}"
        detail = [f.note] if f.note else []
        if f.next_on:
            detail.append(_("next follow-up %(day)s") % {"day": day(f.next_on)})
        events.append(Event(f.at, "follow-up", _("Follow-up"), moment(f.at, project.zone),
                            f"{channel_title(f.channel)} · {stage}", " · ".join(detail), str(f.by)))
    by_pk = {d.record.pk: d for d in deals}
    titles = {pk: Titles(definition) for pk, definition in definitions.items()}
    for entry in (HistoryEntry.objects.filter(record_id__in=list(by_pk)).select_related("actor")
                  .order_by("-at", "-seq")[:LIMIT]):
        deal = by_pk[entry.record_id]
        zone = projects[deal.record.project_id].zone if deal.record.project_id in projects else None
        kind = "service" if deal.is_service else "step"
        events.append(Event(entry.at, kind, _("Service request") if deal.is_service else _("Deal step"),
                            moment(entry.at, zone) if zone else DASH, headline(entry, titles[deal.record.pk]),
                            entry.comment, str(entry.actor) if entry.actor else _("system"),
                            reverse("web:record", args=[deal.record.pk]), f"{deal.record.reference} · {deal.flow_title}"))
    for p in payments:
        zone = projects[p.project_id].zone
        events.append(Event(p.received_at, "payment", _("Payment"), moment(p.received_at, zone),
                            f"{p.get_kind_display()} {money(p.amount)}", p.note, "",
                            reverse("web:record", args=[p.record_id]), p.reference))
    events.extend(_plugin_events(customer_id, projects))
    events.extend(protection_events(customer_id, projects))
    for m in merges:
        events.append(Event(m.at, "merge", _("Merge"), moment(m.at, next(iter(projects.values())).zone)
                            if projects else DASH, _("Merged with the duplicate %(name)s") % {"name": m.merged_name},
                            "", str(m.by)))
    events.sort(key=lambda e: e.at, reverse=True)
    return events, visits


def _plugin_events(customer_id: int, projects: dict[int, Project]) -> list[Event]:
    """The plugins' moments (points earned, redeemed …), through the plugin API's customer hook."""
    from extensions import registry

    out = []
    for plugin, event in registry.customer_events(customer_id, list(projects), LIMIT):
        project = projects.get(event.project_id)
        if project is None:
            continue
        out.append(Event(event.at, plugin, event.kind_title, moment(event.at, project.zone),
                         f"{event.headline} · {project.name}", event.detail))
    return out


def total_paid(payments: list[Payment]) -> str:
    net = sum((-p.amount if p.kind == "refund" else p.amount for p in payments), Decimal("0"))
    return money(net)
