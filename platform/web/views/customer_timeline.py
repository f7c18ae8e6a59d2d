"""The customer 360 page's timeline: every visit, call, follow-up, deal step, payment, service request and
points event, newest first, in words; one query per kind of row, whatever their number.

Also the deals' rows (unit code, amount in ¥) and the intention read from the latest visit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from engine.models import HistoryEntry
from kernel import followups
from kernel.models import FollowUp, Payment, Project, Unit, Visit

from ..display import DASH, day, money, moment
from .common import lang, text
from .record_history import Titles, headline

SERVICE_FLOWS = frozenset({"defect"})  # records of these flows are service requests, not deals
LIMIT = 300  # per kind of row: a long-served customer's page stays readable and fast


@dataclass
class Event:
    at: datetime
    kind: str  # css class: visit, call, follow-up, step, payment, service, points, merge
    kind_title: str
    when: str
    headline: str
    detail: str = ""
    actor: str = ""
    link: str = ""
    link_text: str = ""


def channel_title(code: str) -> str:
    return {"call": pgettext("customer 360", "Call"), "visit": pgettext("customer 360", "Visit"),
            "message": pgettext("customer 360", "Message"), "note": pgettext("customer 360", "Note")}.get(
        code, pgettext("customer 360", "Other contact"))


def stage_title(project: Project, code: str) -> str:
    """意向 10%; a stage the project no longer offers is said so, never by its code."""
    if not code:
        return DASH
    stage = followups.stage_of(project, code)
    return stage.title(lang()) if stage else _("a stage no longer offered")


def source_title(project: Project, code: str) -> str:
    if not code:
        return DASH
    for item in project.setting("source_types") or []:
        if item.get("code") == code:
            return item["zh"] if lang().startswith("zh") else item["en"]
    return _("a source no longer offered")


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


def decorate_deals(deals: list, definitions: dict) -> None:
    """Flow and state titles, unit code and amount on each record, with one query for every unit."""
    unit_ids = {d.data.get("unit_id") for d in deals if isinstance(d.data.get("unit_id"), int)}
    units = {u.pk: u.code for u in Unit.objects.filter(pk__in=unit_ids)} if unit_ids else {}
    for deal in deals:
        definition = definitions[deal.pk]
        deal.flow_title = text(definition.title, deal.flow)
        deal.state_title = Titles(definition).state(deal.state)
        deal.unit_code = units.get(deal.data.get("unit_id"), DASH)
        deal.amount_text = deal_amount(definition, deal.data)
        deal.is_service = deal.flow in SERVICE_FLOWS


def intention(visit: Visit | None, project: Project | None) -> list[tuple[str, str]]:
    if visit is None:
        return []
    area = f"{visit.area} m²" if visit.area is not None else DASH
    return [(_("Layout wanted"), visit.layout or DASH), (_("Budget"), money(visit.budget) if visit.budget else DASH),
            (_("Area wanted"), area), (_("Source"), source_title(project, visit.source_type)),
            (_("Campaign"), visit.campaign.name if visit.campaign else DASH)]


def timeline(customer_id: int, projects: dict[int, Project], deals: list, definitions: dict,
             payments: list[Payment], merges: list) -> tuple[list[Event], Visit | None]:
    """The events newest first, and the latest visit (for the intention)."""
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
    by_pk = {d.pk: d for d in deals}
    titles = {pk: Titles(definition) for pk, definition in definitions.items()}
    for entry in (HistoryEntry.objects.filter(record_id__in=list(by_pk)).select_related("actor")
                  .order_by("-at", "-seq")[:LIMIT]):
        deal = by_pk[entry.record_id]
        zone = projects[deal.project_id].zone if deal.project_id in projects else None
        kind = "service" if deal.is_service else "step"
        events.append(Event(entry.at, kind, _("Service request") if deal.is_service else _("Deal step"),
                            moment(entry.at, zone) if zone else DASH, headline(entry, titles[deal.pk]),
                            entry.comment, str(entry.actor) if entry.actor else _("system"),
                            reverse("web:record", args=[deal.pk]), f"{deal.reference} · {deal.flow_title}"))
    for p in payments:
        zone = projects[p.project_id].zone
        events.append(Event(p.received_at, "payment", _("Payment"), moment(p.received_at, zone),
                            f"{p.get_kind_display()} {money(p.amount)}", p.note, "",
                            reverse("web:record", args=[p.record_id]), p.reference))
    events.extend(_points_events(customer_id, projects))
    for m in merges:
        events.append(Event(m.at, "merge", _("Merge"), moment(m.at, next(iter(projects.values())).zone)
                            if projects else DASH, _("Merged with the duplicate %(name)s") % {"name": m.merged_name},
                            "", str(m.by)))
    events.sort(key=lambda e: e.at, reverse=True)
    return events, (visits[0] if visits else None)


def _points_events(customer_id: int, projects: dict[int, Project]) -> list[Event]:
    if not apps.is_installed("plugins.points"):
        return []
    from plugins.points.models import PointsEntry

    words = {"earn": _("Points earned"), "redeem": _("Points redeemed"), "expire": _("Points expired"),
             "reverse": _("Points taken back")}
    out = []
    for entry in (PointsEntry.objects.filter(account__customer_id=customer_id, account__project_id__in=list(projects))
                  .select_related("account").order_by("-at", "-id")[:LIMIT]):
        project = projects[entry.account.project_id]
        points = f"{'+' if entry.points > 0 else ''}{entry.points}"
        detail = _("balance %(balance)s") % {"balance": entry.balance_after}
        out.append(Event(entry.at, "points", _("Points"), moment(entry.at, project.zone),
                         f"{words.get(entry.kind, _('Points'))} {points} · {project.name}",
                         f"{entry.reference} · {detail}" if entry.reference else detail))
    return out


def total_paid(payments: list[Payment]) -> str:
    net = sum((-p.amount if p.kind == "refund" else p.amount for p in payments), Decimal("0"))
    return money(net)
