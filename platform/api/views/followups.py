"""Follow-ups 跟进: a project's log of contacts with customers, and logging one (kernel.followups).

- **Who sees which**: the project's managers (sales manager, director, project admin) and
  superusers see every follow-up of the project; anyone else sees the follow-ups of the
  customers registered to them, and those they logged themselves. Phones are masked as the
  customers resource masks them (kernel.visibility.PhoneVisibility).
- **Filters**: `customer`, `consultant` (who holds the customer in the project), `due`:
  `today` or `overdue` keeps each customer's latest follow-up whose next date is still the
  one planned and falls today (or before today) in the project's zone: the customers
  waiting for a call, as the inbox's reminders list them.
- **Logging one** goes through `kernel.followups.log_follow_up`, as the follow-up form does:
  the same checks (channel, stage, note, next date not in the past, sales roles only) and
  the same protection rule: a customer protected for another consultant is refused with
  `customer_protected` in words. Each refusal of a field names it in `errors[].path`.
"""
from __future__ import annotations

import hashlib
import uuid

from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from kernel import followups
from kernel.access import MANAGER_ROLES
from kernel.errors import CustomerNotRegistered, CustomerProtected, KernelError, NotAMember, NotPermitted
from kernel.models import CustomerRegistration, FollowUp, FollowUpChannel, Project
from kernel.phones import mask_phone
from kernel.visibility import PhoneVisibility

from .. import serializers as s
from ..base import ApiView
from ..common import PAGING, paginate
from ..problems import Problem, language

DUE = ("today", "overdue")


def _q(name: str, description: str, kind=str, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=description, enum=enum)


def channel_title(code: str) -> str:
    """A channel in the words of the follow-up form (电话, 到访, 消息, 备注)."""
    titles: dict[str, str] = {FollowUpChannel.CALL: pgettext("follow-up channel", "Call"),
                              FollowUpChannel.VISIT: pgettext("follow-up channel", "Visit"),
                              FollowUpChannel.MESSAGE: pgettext("follow-up channel", "Message"),
                              FollowUpChannel.NOTE: pgettext("follow-up channel", "Note")}
    return titles.get(code, _("another channel"))


def stage_title(project: Project, code: str) -> str:
    if not code:
        return ""
    stage = followups.stage_of(project, code)
    return stage.title(language()) if stage else _("a stage no longer offered")


class Person(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class Stage(serializers.Serializer):
    code = serializers.CharField(help_text="What `stage` takes when logging a follow-up.")
    title = serializers.CharField()
    percent = serializers.IntegerField()


class FollowUpRow(serializers.Serializer):
    id = serializers.IntegerField()
    customer = s.Customer()
    consultant = Person(allow_null=True, help_text="Who holds the customer in the project now.")
    by = Person(help_text="Who logged it.")
    at = serializers.DateTimeField()
    channel = serializers.CharField(help_text="call, visit, message or note")
    channel_title = serializers.CharField()
    stage = serializers.CharField()
    stage_title = serializers.CharField()
    previous_stage = serializers.CharField(allow_blank=True)
    previous_stage_title = serializers.CharField(allow_blank=True)
    note = serializers.CharField()
    next_on = serializers.DateField(allow_null=True, help_text="The next follow-up's day, in the project's zone.")


class FollowUpIn(serializers.Serializer):
    customer = serializers.IntegerField(help_text="A customer registered in the project (id from /customers/).")
    channel = serializers.CharField(help_text="How: call, visit, message or note.")
    stage = serializers.CharField(help_text="The opportunity stage it leaves the customer in (codes from "
                                            "/follow-ups/stages/).")
    note = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="What was said or agreed; required, at most 1000 characters.")
    next_on = serializers.DateField(required=False, allow_null=True, default=None,
                                    help_text="The next follow-up's day (today or later); none: nothing planned.")


def _person(user) -> dict | None:
    return {"id": user.pk, "name": str(user)} if user is not None else None


def _row(f: FollowUp, project: Project, visibility: PhoneVisibility) -> dict:
    registration = next((r for r in f.customer.registrations.all() if r.project_id == project.pk), None)
    customer = f.customer
    full = visibility.sees_full(customer)
    return {"id": f.pk,
            "customer": {"id": customer.pk, "name": customer.name,
                         "phone": customer.phone if full else mask_phone(customer.phone), "phone_masked": not full},
            "consultant": _person(registration.consultant) if registration is not None else None,
            "by": _person(f.by), "at": f.at, "channel": f.channel, "channel_title": channel_title(f.channel),
            "stage": f.stage, "stage_title": stage_title(project, f.stage), "previous_stage": f.previous_stage,
            "previous_stage_title": stage_title(project, f.previous_stage), "note": f.note, "next_on": f.next_on}


def _whole_number(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Problem(400, "bad_filter", _("%(name)s must be an id (a whole number), not “%(value)s”.")
                      % {"name": name, "value": value[:40]}) from None


def _registration():
    """The follow-up's customer's registration in its project, for a subquery."""
    return CustomerRegistration.objects.filter(project_id=OuterRef("project_id"), customer_id=OuterRef("customer_id"))


class FollowUpList(ApiView):
    @extend_schema(summary="The project's follow-ups, newest first (a manager sees all; others those of their "
                           "customers and their own)", tags=["customers"],
                   parameters=[*PAGING, _q("customer", "A customer's id", int),
                               _q("consultant", "The customer's consultant (a member id)", int),
                               _q("due", "The customers' latest follow-ups whose next date is today, or passed",
                                  enum=list(DUE))],
                   responses=s.paged(FollowUpRow))
    def get(self, request, code: str):
        project, roles = self.project(request, code)
        query = FollowUp.objects.filter(project=project)
        if not (roles & MANAGER_ROLES or request.user.is_superuser):
            query = query.filter(Q(by=request.user) | Exists(_registration().filter(consultant=request.user)))
        params = request.query_params
        if params.get("customer"):
            query = query.filter(customer_id=_whole_number(params["customer"], "customer"))
        if params.get("consultant"):
            query = query.filter(Exists(_registration().filter(
                consultant_id=_whole_number(params["consultant"], "consultant"))))
        if params.get("due"):
            if params["due"] not in DUE:
                raise Problem(400, "bad_filter", _("“%(value)s” is not a due filter; use today or overdue.")
                              % {"value": params["due"][:40]})
            today = followups.today_in(project)
            latest = (FollowUp.objects.filter(project_id=OuterRef("project_id"), customer_id=OuterRef("customer_id"))
                      .order_by("-at", "-pk").values("pk")[:1])
            query = (query.annotate(planned=Subquery(_registration().values("next_follow_up_on")[:1]),
                                    latest=Subquery(latest))
                     .filter(pk=F("latest"), next_on=F("planned")))
            query = query.filter(next_on=today) if params["due"] == "today" else query.filter(next_on__lt=today)
        query = query.select_related("customer", "by").prefetch_related(Prefetch(
            "customer__registrations", queryset=CustomerRegistration.objects.filter(project=project)
            .select_related("consultant")))
        visibility = PhoneVisibility.for_user(request.user, project.pk)
        rows, paginator = paginate(self, request, query, ("-at", "-pk"))
        return paginator.get_paginated_response([_row(f, project, visibility) for f in rows])

    @extend_schema(summary="Log a follow-up of a customer (as the follow-up form does: same checks, same protection "
                           "rule)", request=FollowUpIn, responses={201: FollowUpRow, 403: s.ProblemDetails,
                                                                   422: s.ProblemDetails}, tags=["customers"])
    def post(self, request, code: str):
        project, roles = self.project(request, code)
        data = s.valid(FollowUpIn, request)
        key = request.headers.get("Idempotency-Key", "").strip()
        # the kernel's one-time token (40 characters at most): the caller's key, per user, else a fresh one
        token = hashlib.sha256(f"{request.user.pk}:{key}".encode()).hexdigest()[:40] if key else uuid.uuid4().hex
        try:
            made = followups.log_follow_up(project_id=project.pk, customer_id=data["customer"],
                                           by_user_id=request.user.pk, channel=data["channel"], stage=data["stage"],
                                           note=data["note"], next_on=data["next_on"], token=token)
        except CustomerProtected:
            raise  # 403 customer_protected, in words (api.problems)
        except (NotAMember, NotPermitted) as error:  # no sales role here (a superuser holding none, finance ...)
            raise Problem(403, error.code, error.message(language())) from None
        except CustomerNotRegistered as error:
            message = error.message(language())
            raise Problem(422, error.code, message, [{"path": "customer", "message": message}]) from None
        except KernelError as error:
            message = error.message(language())
            field = error.params.get("field")
            raise Problem(422, error.code, message,
                          [{"path": field, "message": message}] if field else None) from None
        made = (FollowUp.objects.select_related("customer", "by")
                .prefetch_related(Prefetch("customer__registrations",
                                           queryset=CustomerRegistration.objects.filter(project=project)
                                           .select_related("consultant"))).get(pk=made.pk))
        return Response(_row(made, project, PhoneVisibility.for_user(request.user, project.pk)), status=201)


class StageList(ApiView):
    @extend_schema(summary="The project's opportunity stages, in order (what a follow-up's `stage` takes)",
                   responses=Stage(many=True), tags=["customers"])
    def get(self, request, code: str):
        project, _roles = self.project(request, code)
        return Response([{"code": st.code, "title": st.title(language()), "percent": st.percent}
                         for st in followups.stages(project)])


__all__ = ["FollowUpList", "StageList", "channel_title"]
