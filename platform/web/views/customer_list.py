"""The customer base for staff: a project's customer list, "my customers", the follow-up form, the inbox's reminders.

- **The project's list** shows the customers registered in the project: managers see
  everyone's, consultants their own unless they ask for all the project's (phones of
  other consultants' customers masked, as kernel.visibility says). Search by name, whole
  phone, last four digits or ID number (kernel.customer_scope.matching); a whole phone
  registered only in another project of the company is reported as "registered
  elsewhere", nothing more. Filters: stage, source, consultant (whoever holds customers
  here), last contact, overdue.
  A customer's **source** is the source type of their first visit or call in this
  project (what the front desk records), else the source on their profile.
  The page reads a fixed number of queries whatever the rows.
- **My customers**: the user's registrations in their projects, next follow-up first
  (overdue, today, later, none).
- **The follow-up form** logs one follow-up (kernel.followups.log_follow_up) and goes
  back to the customer's page; a refusal is shown at its field, the values kept. It
  starts from the registration's next date (clearing it is a choice), asks for a note,
  and is offered (lists, reminders) only to whom kernel.followups.may_log_follow_up lets.
- **Reminders** (the inbox's "今日待跟进" box): the user's due and overdue follow-ups,
  and for managers the count of each managed project's overdue follow-ups.
Non-members get 404 (nothing leaks about a project or a customer).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import CharField, F, OuterRef, Prefetch, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from forms.parsing import parse_key
from kernel import customer_scope, followups, visits
from kernel.access import MANAGER_ROLES, memberships_of
from kernel.errors import CustomerProtected, KernelError
from kernel.models import CustomerRegistration, FollowUpChannel, Project, Visit
from kernel.schemas import cached_schema
from kernel.visibility import PhoneVisibility

from ..display import DASH, day, moment, shown_phone
from .common import lang, member_project, request_key
from .display import person_of

PAGE_SIZE = 50
REMINDER_LIMIT = 20
ORDERS = {  # value -> (ordering, label)
    "next": ((F("next_follow_up_on").asc(nulls_last=True), "customer__name", "pk"), _("Next follow-up soonest first")),
    "-contact": ((F("last_contact_at").desc(nulls_last=True), "pk"), _("Last contact, newest first")),
    "contact": ((F("last_contact_at").asc(nulls_first=True), "pk"), _("Longest without contact first")),
    "-registered": (("-registered_at", "-pk"), _("Newest registrations first")),
    "name": (("customer__name", "pk"), _("Name")),
}
CONTACTS = (("", _("Any time")), ("7", _("Within 7 days")), ("30", _("Within 30 days")),
            ("older", _("More than 30 days ago")), ("never", _("Never")))
FILTER_KEYS = ("q", "stage", "source", "consultant", "contact", "overdue", "order", "all")


def channel_titles() -> list[tuple[str, str | Promise]]:
    return [(FollowUpChannel.CALL, pgettext_lazy("follow-up channel", "Call")),
            (FollowUpChannel.VISIT, pgettext_lazy("follow-up channel", "Visit")),
            (FollowUpChannel.MESSAGE, pgettext_lazy("follow-up channel", "Message")),
            (FollowUpChannel.NOTE, pgettext_lazy("follow-up channel", "Note"))]


def stage_title(project: Project, code: str) -> str:
    """意向 10%; "—" for none yet; a stage the project no longer has is said as such, never as its code."""
    if not code:
        return DASH
    stage = followups.stage_of(project, code)
    return stage.title(lang()) if stage else gettext("a stage no longer offered")


def source_titles(project: Project) -> dict[str, str]:
    """Source code -> title: the project's source types, then the profile's sources (schemas/customer.json)."""
    language = lang()
    schema = cached_schema(Path(settings.SCHEMAS_DIR) / "customer.json")
    enum = schema.get("properties", {}).get("source", {}).get("x-enum-titles", {})
    titles = {code: t.get("zh" if language.startswith("zh") else "en", code) for code, t in enum.items()}
    return titles | visits.source_titles(project, language)


def _first_source():
    first_visit = (Visit.objects.filter(project_id=OuterRef("project_id"), customer_id=OuterRef("customer_id"))
                   .exclude(source_type="").order_by("at", "pk").values("source_type")[:1])
    return Coalesce(NullIf(Subquery(first_visit), Value("")), KeyTextTransform("source", "customer__extra"),
                    output_field=CharField())


@dataclass
class RegistrationRow:
    """A registration as the customer lists show it, in words."""

    registration: CustomerRegistration
    may_log: bool  # the viewer may log a follow-up of them
    phone_text: str
    consultant_text: str
    stage_text: str
    source_text: str
    last_contact_text: str
    next_text: str
    overdue: bool
    due_today: bool
    protected: bool
    protected_text: str
    group: str = ""  # my customers: overdue, today, later or none
    group_text: str | Promise = ""


@dataclass(frozen=True)
class DueRow:
    """A follow-up due, as the inbox's reminders show it."""

    registration: CustomerRegistration
    may_log: bool
    stage_text: str
    next_text: str


def _rows(registrations: Iterable[CustomerRegistration], project: Project, visibility: PhoneVisibility, today: date,
          now: datetime, roles: frozenset[str]) -> list[RegistrationRow]:
    """Words for each registration of a page (no query: customers, consultants and registrations are loaded);
    `may_log`: the viewer (holding `roles` in the project) may log a follow-up of them."""
    sources = source_titles(project)
    zone = project.zone
    rows = []
    for r in registrations:
        protected = r.protected_until > now and r.released_at is None
        source = r.source_code  # type: ignore[attr-defined]  # annotated by the lists' query (_first_source)
        rows.append(RegistrationRow(
            r, may_log=followups.may_log_follow_up(r, visibility.user_id, roles, project, now),
            phone_text=shown_phone(visibility.phone_for(r.customer)), consultant_text=person_of(r.consultant),
            stage_text=stage_title(project, r.stage), source_text=sources.get(source or "", DASH),
            last_contact_text=moment(r.last_contact_at, zone) if r.last_contact_at else gettext("never"),
            next_text=day(r.next_follow_up_on) if r.next_follow_up_on else DASH,
            overdue=r.next_follow_up_on is not None and r.next_follow_up_on < today,
            due_today=r.next_follow_up_on == today, protected=protected,
            protected_text=moment(r.protected_until, zone) if protected else gettext("not protected")))
    return rows


def registrations_query(request, project: Project, roles: frozenset[str], params, now=None):
    """The registrations the list shows under `params` (search, stage, source, consultant, last contact, overdue,
    all, order), in its order; the filters as understood; the filters' choices (stages, sources, consultants).

    The list's page and its export (views/imports.py) both read it, so a download holds exactly the rows the
    list shows."""
    now = now or timezone.now()
    today = followups.today_in(project, now)
    manager = bool(roles & MANAGER_ROLES) or request.user.is_superuser
    show_all = manager or params.get("all") == "1"
    stages = [(s.code, s.title(lang())) for s in followups.stages(project)]
    sources = source_titles(project)
    consultants = _consultants(project)
    consultant = parse_key(params.get("consultant"))  # ² or a number beyond 64 bits is no consultant
    f = {
        "q": params.get("q", "").strip(),
        "stage": params.get("stage") if params.get("stage") in dict(stages) or params.get("stage") == "none" else "",
        "source": params.get("source") if params.get("source") in sources else "",
        "consultant": consultant if consultant in dict(consultants) else None,
        "contact": params.get("contact") if params.get("contact") in dict(CONTACTS) else "",
        "overdue": params.get("overdue") == "1",
        "order": params.get("order") if params.get("order") in ORDERS else "next",
    }
    query = CustomerRegistration.objects.filter(project=project)
    if not show_all:
        query = query.filter(consultant=request.user)
    matching = customer_scope.matching(f["q"])
    if matching is not None:
        query = query.filter(customer_scope.prefixed(matching, "customer"))
    if f["stage"]:
        query = query.filter(stage="" if f["stage"] == "none" else f["stage"])
    if f["consultant"]:
        query = query.filter(consultant_id=f["consultant"])
    if f["contact"] == "never":
        query = query.filter(last_contact_at__isnull=True)
    elif f["contact"] in ("7", "30"):
        query = query.filter(last_contact_at__gte=now - timedelta(days=int(f["contact"])))
    elif f["contact"] == "older":
        query = query.filter(last_contact_at__lt=now - timedelta(days=30))
    if f["overdue"]:
        query = query.filter(next_follow_up_on__lt=today)
    query = query.annotate(source_code=_first_source())
    if f["source"]:
        query = query.filter(source_code=f["source"])
    query = (query.select_related("customer", "consultant")
             .prefetch_related(Prefetch("customer__registrations",
                                        queryset=CustomerRegistration.objects.filter(project=project)))
             .order_by(*ORDERS[f["order"]][0]))
    return query, f, {"stages": stages, "sources": sources, "consultants": consultants}


@login_required
def customer_list(request, project: str):
    project_obj, memberships, roles = member_project(request, project)
    params = request.GET
    manager = bool(roles & MANAGER_ROLES) or request.user.is_superuser
    show_all = manager or params.get("all") == "1"
    now = timezone.now()
    today = followups.today_in(project_obj, now)
    query, f, choices = registrations_query(request, project_obj, roles, params, now)
    stages, sources, consultants = choices["stages"], choices["sources"], choices["consultants"]
    page = Paginator(query, PAGE_SIZE).get_page(params.get("page"))
    visibility = PhoneVisibility(request.user.pk, memberships, project_obj.pk)
    rows = _rows(page.object_list, project_obj, visibility, today, now, roles)
    elsewhere = False
    if not page.object_list and customer_scope.whole_phone(f["q"]):  # somebody's customer, not here
        elsewhere = any(found.elsewhere for found in customer_scope.search(request.user, f["q"], project_obj))
    paging = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        if params.get(key):
            paging[key] = params[key]
    return render(request, "web/customers/list.html", {
        "project": project_obj, "page": page, "rows": rows, "filters": f, "manager": manager, "show_all": show_all,
        "stages": stages, "sources": sorted(sources.items(), key=lambda item: item[1]),
        "consultants": consultants, "contacts": CONTACTS,
        "orders": [(key, label) for key, (_o, label) in ORDERS.items()], "paging": paging.urlencode(),
        "elsewhere": elsewhere,
    })


def _consultants(project: Project) -> list[tuple[int, str]]:
    """Whoever holds customers in the project (consultants of its registrations, channel agents too), by display
    name, for the consultant filter; one query."""
    holders = CustomerRegistration.objects.filter(project=project).values("consultant_id")
    people = [(user.pk, person_of(user)) for user in User.objects.filter(pk__in=holders)]
    return sorted(people, key=lambda item: (item[1], item[0]))


@login_required
def my_customers(request):
    """My customers in my projects, next follow-up due first: overdue, today, later, none."""
    memberships = memberships_of(request.user.pk)
    now = timezone.now()
    query = (CustomerRegistration.objects.filter(consultant=request.user, project_id__in=list(memberships))
             .annotate(source_code=_first_source())
             .select_related("customer", "consultant", "project").prefetch_related("customer__registrations")
             .order_by(F("next_follow_up_on").asc(nulls_last=True), "customer__name", "pk"))
    page = Paginator(query, PAGE_SIZE).get_page(request.GET.get("page"))
    visibility = PhoneVisibility(request.user.pk, memberships)
    by_project: dict[int, list[CustomerRegistration]] = {}
    for r in page.object_list:
        by_project.setdefault(r.project_id, []).append(r)
    shown: dict[int, RegistrationRow] = {}
    for registrations in by_project.values():
        project = registrations[0].project
        shown.update((row.registration.pk, row) for row in _rows(
            registrations, project, visibility, followups.today_in(project, now), now,
            memberships.get(project.pk, frozenset())))
    groups = {"overdue": _("Overdue"), "today": _("Due today"), "later": _("Later"), "none": _("No follow-up planned")}
    rows = [shown[r.pk] for r in page.object_list]  # in the page's order
    for row in rows:
        row.group = ("overdue" if row.overdue else "today" if row.due_today
                     else "later" if row.registration.next_follow_up_on else "none")
        row.group_text = groups[row.group]
    return render(request, "web/customers/mine.html", {"page": page, "rows": rows, "paging": ""})


class FollowUpForm(forms.Form):
    """The kernel checks channel, stage and date; its refusals are put at these fields."""

    channel = forms.CharField(label=_("How"), required=True)
    stage = forms.CharField(label=_("Stage"), required=True)
    note = forms.CharField(label=_("Note"), required=True, widget=forms.Textarea(attrs={"rows": 3}))
    next_on = forms.DateField(label=_("Next follow-up"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)  # an empty note is refused in the kernel's words
        self.fields["note"].error_messages["required"] = followups.FollowUpNoteMissing(field="note").message(lang())


@login_required
def follow_up(request, project: str, customer_id: int):
    project_obj, _memberships, roles = member_project(request, project)
    registration = (CustomerRegistration.objects.select_related("customer", "consultant")
                    .filter(project=project_obj, customer_id=customer_id).first())
    if registration is None:
        raise Http404()
    registration.project = project_obj
    try:  # not sales work, or a colleague's protected customer: said before anything is typed
        followups.ensure_may_log(project_obj, customer_id, request.user.pk, roles)
    except KernelError as error:
        return render(request, "web/customers/follow_up.html", {
            "project": project_obj, "registration": registration, "refusal": error.message(lang()),
            "current_stage": stage_title(project_obj, registration.stage)}, status=403)
    status = 200
    if request.method == "POST":
        form = FollowUpForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                followups.log_follow_up(project_id=project_obj.pk, customer_id=customer_id,
                                        by_user_id=request.user.pk, channel=data["channel"], stage=data["stage"],
                                        note=data["note"], next_on=data["next_on"], token=data["token"])
            except CustomerProtected as error:
                form.add_error(None, error.message(lang()))
            except KernelError as error:
                field = error.params.get("field")
                form.add_error(field if field in form.fields else None, error.message(lang()))
            else:
                messages.success(request, gettext("Follow-up of %(name)s logged.") % {"name": registration.customer.name})
                return redirect("web:customer", customer_id=customer_id)
        status = 400
    else:
        form = FollowUpForm(initial={"token": request_key(request), "channel": FollowUpChannel.CALL,
                                     "stage": registration.stage, "next_on": registration.next_follow_up_on})
    today = followups.today_in(project_obj)
    planned = registration.next_follow_up_on
    return render(request, "web/customers/follow_up.html", {
        "project": project_obj, "registration": registration, "form": form,
        "channels": channel_titles(), "stages": [(s.code, s.title(lang())) for s in followups.stages(project_obj)],
        "current_stage": stage_title(project_obj, registration.stage),
        "today": today.isoformat(),
        "chosen_channel": form["channel"].value() or "", "chosen_stage": form["stage"].value() or "",
        "next_on_value": form.data.get("next_on", "") if form.is_bound else (planned.isoformat() if planned else ""),
        "planned_passed": day(planned) if planned and planned < today and not form.is_bound else "",
    }, status=status)


def reminders(user, projects: dict[int, Project], memberships, now=None) -> dict:
    """The inbox's "今日待跟进" box: my due and overdue follow-ups; for managers, overdue counts per project.

    One query, two for a manager. `projects`: the user's projects (id -> Project), already read by the inbox.
    """
    now = now or timezone.now()
    due = [DueRow(r, followups.may_log_follow_up(r, user.pk, memberships.get(r.project_id, frozenset()), r.project,
                                                 now),
                  stage_title(r.project, r.stage), day(r.next_follow_up_on))
           for r in followups.due_follow_ups(user, now=now, projects=projects, limit=REMINDER_LIMIT)]
    managed = {pk: p for pk, p in projects.items() if memberships.get(pk, frozenset()) & MANAGER_ROLES}
    counts = followups.overdue_counts(managed, now=now) if managed else {}
    overdue = [(projects[pk], n, reverse("web:customer-list", args=[projects[pk].code]) + "?overdue=1")
               for pk, n in sorted(counts.items(), key=lambda item: projects[item[0]].code) if n]
    return {"due": due, "overdue_counts": overdue, "limit": REMINDER_LIMIT,
            "shown": bool(due or overdue)}


__all__ = ["customer_list", "follow_up", "my_customers", "reminders"]
