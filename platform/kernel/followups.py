"""Follow-ups 跟进 and opportunity stages: log a contact, and find whose follow-up is due.

A follow-up records a contact with a customer (call, visit, message or note), the
opportunity stage it leaves them in (one of the project's `opportunity_stages`), and
the date of the next one. The customer's registration in the project carries the
current stage, the last contact and the next follow-up date, so "my customers" and the
inbox's reminders read one row per customer; each follow-up keeps the stage it replaced
(`previous_stage`), so the list of follow-ups is the stage's history.

Follow-ups are sales work: only the project's sales consultants and managers
(`FOLLOW_UP_ROLES`, the front desk's roles) log them, with a note saying what was said.
Then the protection rule (`protection.ensure_may_act`) applies: a customer protected for
another consultant cannot be followed up by a consultant who is bound by it.
`may_log_follow_up` says the same without a query, for pages offering the action. The
registration row is locked, so two follow-ups of one customer apply one after the other.
The form's one-time token is unique: a double click or a resent form logs one follow-up.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from .access import memberships_of, roles_in
from .audit import stamp
from .errors import (
    CustomerNotRegistered,
    FollowUpChannelUnknown,
    FollowUpDateInPast,
    FollowUpNoteTooLong,
    FollowUpStageUnknown,
    KernelError,
    NotAMember,
    NotPermitted,
)
from .models.customers import CustomerRegistration
from .models.followups import FollowUp, FollowUpChannel
from .models.projects import Project
from .protection import ensure_may_act, is_bound
from .visits import FRONT_DESK_ROLES

NOTE_LIMIT = 1000
FOLLOW_UP_ROLES = FRONT_DESK_ROLES  # sales consultants and the project's managers


class FollowUpNoteMissing(KernelError):
    """A follow-up says what happened: an empty note is refused at its field."""

    code = "follow_up_note_missing"
    template = gettext_noop("write what was said or agreed with the customer")


@dataclass(frozen=True)
class Stage:
    code: str
    percent: int
    zh: str
    en: str

    def title(self, language: str = "zh") -> str:
        """意向 10% / Intention 10%."""
        return f"{self.zh if language.startswith('zh') else self.en} {self.percent}%"


def stages(project: Project) -> list[Stage]:
    """The project's opportunity stages, in their configured order."""
    return [Stage(s["code"], int(s["percent"]), s["zh"], s["en"]) for s in project.setting("opportunity_stages") or []]


def stage_of(project: Project, code: str) -> Stage | None:
    return next((s for s in stages(project) if s.code == code), None)


def today_in(project: Project, now: datetime | None = None) -> date:
    """The project's local date now (its zone: `project.zone`)."""
    return (now or timezone.now()).astimezone(project.zone).date()


def may_log_follow_up(registration: CustomerRegistration, user_id: int | None, roles: frozenset[str],
                      project: Project, now: datetime | None = None) -> bool:
    """Whether `log_follow_up` would let the user (holding `roles` in the project) follow this customer up.

    No query: the registration (this project's, loaded) carries its consultant and protection.
    """
    if not roles & FOLLOW_UP_ROLES:
        return False
    now = now or timezone.now()
    protected = registration.protected_until > now and registration.released_at is None
    return not protected or registration.consultant_id == user_id or not is_bound(roles, project)


def ensure_may_log(project: Project, customer_id: int, user_id: int | None, roles: frozenset[str],
                   now: datetime | None = None) -> None:
    """Refuse, in words, someone who may not follow this customer up: `NotAMember` (no role in the
    project), `NotPermitted` (a role that is not sales work), `CustomerProtected` (another
    consultant's protection binds them). One query (the protection), none when refused by role."""
    if not roles:
        raise NotAMember(action="logging a follow-up", action_zh="记录跟进", project=project.code)
    if not roles & FOLLOW_UP_ROLES:
        raise NotPermitted(action="logging a follow-up", action_zh="记录跟进", project=project.code,
                           roles=sorted(FOLLOW_UP_ROLES))
    ensure_may_act(project_id=project.pk, customer_id=customer_id, user_id=user_id, roles=roles, now=now)


def log_follow_up(*, project_id: int, customer_id: int, by_user_id: int, channel: str, stage: str,
                  note: str = "", next_on: date | None = None, token: str,
                  now: datetime | None = None) -> FollowUp:
    """Record a follow-up and move the customer's registration to its stage and next date.

    Refusals name the form field (`params["field"]`): `FollowUpChannelUnknown` (channel),
    `FollowUpStageUnknown` (stage), `FollowUpDateInPast` (next_on, before today in the
    project's zone; today itself is allowed), `FollowUpNoteMissing` / `FollowUpNoteTooLong`
    (note); `CustomerProtected` when another consultant's protection binds the user,
    `NotAMember` for someone holding no role in the project, `NotPermitted` for a role
    that is not sales work (finance, a clerk, a channel agent), `CustomerNotRegistered`.
    Without `next_on` the customer has no follow-up due any more (this one was it).
    """
    now = now or timezone.now()
    with transaction.atomic():
        project = Project.objects.get(pk=project_id)
        registration = (CustomerRegistration.objects.select_for_update(of=("self",))
                        .filter(project_id=project_id, customer_id=customer_id).first())
        if registration is None:
            raise CustomerNotRegistered(customer_id=customer_id, project=project.code)
        already = FollowUp.objects.filter(token=token).first()
        if already is not None:  # the same form sent twice: the first one stands
            return already
        ensure_may_log(project, customer_id, by_user_id, roles_in(by_user_id, project_id), now=now)
        _check(project, channel=channel, stage=stage, note=note, next_on=next_on, now=now)
        follow_up = FollowUp(project=project, customer_id=customer_id, by_id=by_user_id, at=now, channel=channel,
                             stage=stage, previous_stage=registration.stage, note=note.strip(), next_on=next_on,
                             token=token)
        try:
            with transaction.atomic():
                follow_up.save()
        except IntegrityError:  # the same token, committed by a request racing this one
            return FollowUp.objects.get(token=token)
        registration.stage = stage
        registration.last_contact_at = now
        registration.next_follow_up_on = next_on
        stamp(registration, by_user_id, now)
        registration.save(update_fields=["stage", "last_contact_at", "next_follow_up_on"])
        return follow_up


def _check(project: Project, *, channel: str, stage: str, note: str, next_on: date | None, now: datetime) -> None:
    if channel not in FollowUpChannel.values:
        raise FollowUpChannelUnknown(field="channel", value=channel)
    known = stages(project)
    if stage not in {s.code for s in known}:
        raise FollowUpStageUnknown(field="stage", value=stage, project=project.code,
                                   stages_en=", ".join(s.title("en") for s in known),
                                   stages_zh="、".join(s.title("zh") for s in known))
    if not note.strip():
        raise FollowUpNoteMissing(field="note")
    if len(note.strip()) > NOTE_LIMIT:
        raise FollowUpNoteTooLong(field="note", length=len(note.strip()), limit=NOTE_LIMIT)
    today = today_in(project, now)
    if next_on is not None and next_on < today:
        raise FollowUpDateInPast(field="next_on", value=next_on.isoformat(), today=today.isoformat())


def stage_history(project_id: int, customer_id: int) -> QuerySet[FollowUp]:
    """The customer's follow-ups in the project, newest first: each with the stage it left and the one before."""
    return FollowUp.objects.filter(project_id=project_id, customer_id=customer_id).select_related("by")


def _user_id(user: Any) -> int | None:
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def due_follow_ups(user: Any, on: date | None = None, *, now: datetime | None = None,
                   projects: dict[int, Project] | None = None, limit: int | None = None
                   ) -> list[CustomerRegistration]:
    """The user's customers whose next follow-up is due on `on` or was due before (overdue), soonest first.

    Only projects the user is still a member of (`projects`: id -> Project, when the
    caller has them; read otherwise). Without `on`, "today" is each project's own date.
    One query (two without `projects`). Each row has `overdue` (before that day) set.
    """
    user_id = _user_id(user)
    if user_id is None:
        return []
    if projects is None:
        projects = Project.objects.in_bulk(list(memberships_of(user_id)))
    if not projects:
        return []
    days = {pk: on or today_in(p, now) for pk, p in projects.items()}
    due = Q()
    for pk, day in days.items():
        due |= Q(project_id=pk, next_follow_up_on__lte=day)
    query = (CustomerRegistration.objects.filter(due, consultant_id=user_id)
             .select_related("customer", "project").order_by("next_follow_up_on", "customer__name", "pk"))
    rows = list(query[:limit] if limit else query)
    for row in rows:  # every row matched a next_follow_up_on__lte above, so the date is set
        row.overdue = row.next_follow_up_on < days[row.project_id]  # type: ignore[attr-defined,operator]
    return rows


def overdue_follow_ups(project: Project, on: date | None = None, *, now: datetime | None = None
                       ) -> QuerySet[CustomerRegistration]:
    """The project's registrations whose next follow-up date is before `on` (default: the project's today).

    For the sales manager: whose customers are waiting for a call that did not happen.
    """
    day = on or today_in(project, now)
    return CustomerRegistration.objects.filter(project=project, next_follow_up_on__lt=day)


def overdue_counts(projects: dict[int, Project], on: date | None = None, *, now: datetime | None = None
                   ) -> dict[int, int]:
    """project id -> how many overdue follow-ups it has, for several projects in one query."""
    if not projects:
        return {}
    overdue = Q()
    for pk, project in projects.items():
        overdue |= Q(project_id=pk, next_follow_up_on__lt=on or today_in(project, now))
    return dict(CustomerRegistration.objects.filter(overdue).values("project_id").annotate(n=Count("pk"))
                .values_list("project_id", "n"))


__all__ = ["FOLLOW_UP_ROLES", "FollowUpNoteMissing", "Stage", "due_follow_ups", "ensure_may_log", "log_follow_up",
           "may_log_follow_up", "overdue_counts", "overdue_follow_ups", "stage_history",
           "stage_of", "stages", "today_in"]
