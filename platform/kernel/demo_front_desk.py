"""The demo's front desk: the company, campaigns, visits and calls, follow-ups.

Dates in the fixture are days relative to the day the demo is loaded (`days_ago`,
`next_in`), so the demo always has visits from this week and follow-ups due today
and overdue. Each visit and follow-up carries a fixed form token, so loading again
adds nothing twice (the services return the first row for a token they have seen).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import followups, visits
from .models import Campaign, Company, Customer, FollowUp, Project, Visit
from .phones import normalise_phone


def load_companies(entries: list[Mapping], projects: Mapping[str, Project]) -> int:
    """Each company, and its projects attached to it; answers how many companies were added."""
    added = 0
    for item in entries:
        company, created = Company.objects.get_or_create(
            code=item["code"], defaults={"name": item["name"], "share_customers": item.get("share_customers", False)})
        added += created
        Project.objects.filter(code__in=item.get("projects", []), company__isnull=True).update(company=company)
    for project in projects.values():
        project.refresh_from_db(fields=["company"])
    return added


def load_front_desk(project: Project, spec: Mapping, now: datetime | None = None) -> dict[str, int]:
    """The project's campaigns, visits and follow-ups from its fixture entry, as staff would have made them."""
    now = now or timezone.now()
    today = now.astimezone(project.zone).date()
    users = dict(get_user_model().objects.values_list("username", "pk"))
    counts = {"campaigns": 0, "visits": 0, "follow_ups": 0}
    campaigns: dict[str, int] = {}
    for item in spec.get("campaigns", []):
        existing = Campaign.objects.filter(project=project, name=item["name"]).first()
        if existing is None:
            existing = visits.create_campaign(
                project_id=project.pk, by_user_id=users[item["by"]], name=item["name"],
                source_type=item["source_type"], channel=item.get("channel", ""), cost=item.get("cost", "0"),
                starts_on=today + timedelta(days=item.get("starts_in", 0)),
                ends_on=today + timedelta(days=item.get("ends_in", 30)))
            counts["campaigns"] += 1
        campaigns[item["name"]] = existing.pk
    # oldest first, so "returning" is judged as it was on the day
    for number, item in sorted(enumerate(spec.get("visits", [])), key=lambda pair: -pair[1].get("days_ago", 0)):
        token = f"demo-{project.code}-visit-{number}"
        if Visit.objects.filter(token=token).exists():
            continue
        visits.register_visit(
            project_id=project.pk, received_by_id=users[item["received_by"]],
            consultant_id=users[item["consultant"]] if "consultant" in item else None,
            kind=item.get("kind", "visit"), phone=str(item["phone"]), name=item["name"],
            source_type=item.get("source_type", ""), campaign_id=campaigns.get(item.get("campaign", "")),
            layout=item.get("layout", ""), budget=item.get("budget"), area=item.get("area"),
            note=item.get("note", ""), token=token, now=_at(project, today, item.get("days_ago", 0), item))
        counts["visits"] += 1
    for number, item in enumerate(spec.get("follow_ups", [])):
        token = f"demo-{project.code}-follow-up-{number}"
        if FollowUp.objects.filter(token=token).exists():
            continue
        logged_at = _at(project, today, item.get("days_ago", 0), item)
        next_in = item.get("next_in")
        followups.log_follow_up(
            project_id=project.pk, customer_id=_customer(item["phone"]).pk, by_user_id=users[item["by"]],
            channel=item.get("channel", "call"), stage=item["stage"], note=item.get("note", ""),
            next_on=today + timedelta(days=next_in) if next_in is not None else None,
            token=token, now=logged_at)
        counts["follow_ups"] += 1
    return counts


def _at(project: Project, today, days_ago: int, item: Mapping) -> datetime:
    hour, minute = (int(part) for part in str(item.get("time", "10:30")).split(":"))
    return datetime.combine(today - timedelta(days=days_ago), time(hour, minute), tzinfo=project.zone)


def _customer(phone: str) -> Customer:
    return Customer.objects.get(phone=normalise_phone(str(phone)))
