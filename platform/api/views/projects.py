"""Projects, their members, buildings and units (the sale-control chart's data), customers, visits, payments.

Each list is one project's, for a member of it (and within the token's projects);
cursor-paged, a fixed number of queries whatever the rows.
"""
from __future__ import annotations

import hashlib
import uuid

from django.db.models import Count
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from accounts.models import Membership
from definitions.roles import role_titles
from engine.models import Record
from engine.runtime.visibility import visible_records
from kernel import customer_scope, visits
from kernel.models import Building, Customer, Payment, PaymentKind, Project, SaleStatus, Unit
from kernel.visibility import PhoneVisibility, customer_payload

from .. import serializers as s
from ..auth import memberships
from ..base import ApiView
from ..common import PAGING, paginate
from ..problems import Problem, language


def _lang() -> str:
    return "zh" if language().startswith("zh") else "en"


def _q(name: str, description: str, kind=str, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=description, enum=enum)


class ProjectList(ApiView):
    @extend_schema(summary="The caller's projects", responses=s.Project(many=True), tags=["projects"])
    def get(self, request):
        mine = memberships(request)
        rows = Project.objects.filter(pk__in=mine).order_by("code")
        lang = _lang()
        return Response([{"code": p.code, "name": p.name, "roles": sorted(mine[p.pk]),
                          "role_titles": role_titles(sorted(mine[p.pk]), lang), "time_zone": str(p.zone)}
                         for p in rows])


class MemberList(ApiView):
    @extend_schema(summary="The project's members (whom a task may be handed to)", responses=s.Member(many=True),
                   tags=["projects"])
    def get(self, request, code: str):
        project, _roles = self.project(request, code)
        people: dict[int, dict] = {}
        for m in (Membership.objects.filter(project=project, user__is_active=True).select_related("user")
                  .order_by("user__display_name", "user__username", "role")):
            people.setdefault(m.user_id, {"id": m.user_id, "name": str(m.user), "roles": []})["roles"].append(m.role)
        lang = _lang()
        for person in people.values():
            person["role_titles"] = role_titles(person["roles"], lang)
        return Response(list(people.values()))


class BuildingList(ApiView):
    @extend_schema(summary="Buildings with their units counted by sale status", responses=s.Building(many=True),
                   tags=["units"])
    def get(self, request, code: str):
        project, _roles = self.project(request, code)
        counts: dict[int, dict[str, int]] = {}
        for building_id, status, n in (Unit.objects.filter(project=project).values("building_id", "status")
                                       .annotate(n=Count("pk")).values_list("building_id", "status", "n")):
            counts.setdefault(building_id, {})[status] = n
        return Response([{"code": b.code, "name": b.name, "units": sum(counts.get(b.pk, {}).values()),
                          "by_status": counts.get(b.pk, {})}
                         for b in Building.objects.filter(project=project).order_by("code")])


def unit_row(unit: Unit) -> dict:
    return {"id": unit.pk, "code": unit.code, "building": unit.building.code, "floor": unit.floor,
            "position": unit.position, "layout": unit.layout, "built_area": unit.built_area,
            "inner_area": unit.inner_area, "orientation": unit.orientation, "list_price": unit.list_price,
            "status": unit.status, "status_title": str(SaleStatus(unit.status).label)}


class UnitList(ApiView):
    @extend_schema(summary="Units with their sale status (the sale-control chart's data)", tags=["units"],
                   parameters=[*PAGING, _q("building", "A building's code"),
                               _q("status", "Sale status", enum=SaleStatus.values),
                               _q("floor", "Floor", int), _q("code", "A unit's code, exactly")],
                   responses=s.paged(s.Unit))
    def get(self, request, code: str):
        project, _roles = self.project(request, code)
        query = Unit.objects.filter(project=project).select_related("building")
        params = request.query_params
        if params.get("building"):
            query = query.filter(building__code=params["building"])
        if params.get("status"):
            if params["status"] not in SaleStatus.values:
                raise Problem(400, "bad_filter", _("“%(value)s” is not a sale status; use one of: %(choices)s.") % {
                    "value": params["status"], "choices": ", ".join(SaleStatus.values)})
            query = query.filter(status=params["status"])
        if params.get("floor"):
            try:
                query = query.filter(floor=int(params["floor"]))
            except ValueError:
                raise Problem(400, "bad_filter", _("The floor must be a whole number.")) from None
        if params.get("code"):
            query = query.filter(code=params["code"])
        rows, paginator = paginate(self, request, query, ("pk",))
        return paginator.get_paginated_response([unit_row(u) for u in rows])


class CustomerList(ApiView):
    @extend_schema(summary="Customers registered in the project; phones masked per role", tags=["customers"],
                   parameters=[*PAGING, _q("q", "Name, whole phone, last four digits or ID number")],
                   responses=s.paged(s.Customer))
    def get(self, request, code: str):
        project, _roles = self.project(request, code)
        query = Customer.objects.filter(registrations__project=project).distinct()
        q = request.query_params.get("q", "").strip()
        if q:
            match = customer_scope.matching(q)
            query = query.filter(match) if match is not None else query.none()
        query = query.prefetch_related("registrations")
        visibility = PhoneVisibility.for_user(request.user, project.pk)
        rows, paginator = paginate(self, request, query, ("pk",))
        return paginator.get_paginated_response([_customer(c, visibility) for c in rows])


def _customer(customer: Customer, visibility: PhoneVisibility) -> dict:
    payload = customer_payload(customer, visibility)
    return {k: payload[k] for k in ("id", "name", "phone", "phone_masked")}


class VisitCreate(ApiView):
    @extend_schema(summary="Register a visit or call: creates the customer (or finds them by phone), registered "
                           "to the consultant", request=s.VisitIn, responses={201: s.VisitOut}, tags=["customers"])
    def post(self, request, code: str):
        project, _roles = self.project(request, code)
        data = s.valid(s.VisitIn, request)
        key = request.headers.get("Idempotency-Key", "").strip()
        # the kernel's one-time token (40 characters at most): the caller's key, per user, else a fresh one
        token = hashlib.sha256(f"{request.user.pk}:{key}".encode()).hexdigest()[:40] if key else uuid.uuid4().hex
        visit = visits.register_visit(project_id=project.pk, received_by_id=request.user.pk,
                                      consultant_id=data["consultant"], kind=data["kind"], phone=data["phone"],
                                      name=data["name"], source_type=data["source_type"], note=data["note"],
                                      token=token)
        customer = Customer.objects.prefetch_related("registrations").get(pk=visit.customer_id)
        return Response({"visit": visit.pk, "returning": visit.returning,
                         "customer": _customer(customer, PhoneVisibility.for_user(request.user, project.pk))},
                        status=201)


class PaymentList(ApiView):
    @extend_schema(summary="Payments received and refunded, of the records the caller may see", tags=["payments"],
                   parameters=[*PAGING, _q("record", "A record's id", int),
                               _q("kind", "Kind", enum=PaymentKind.values)],
                   responses=s.paged(s.Payment))
    def get(self, request, code: str):
        project, _roles = self.project(request, code)
        seen = visible_records(request.user, Record.objects.filter(project=project), memberships(request))
        query = Payment.objects.filter(project=project, record_id__in=seen.values("pk"))
        params = request.query_params
        if params.get("record"):
            try:
                query = query.filter(record_id=int(params["record"]))
            except ValueError:
                raise Problem(400, "bad_filter", _("The record must be a record's id (a whole number).")) from None
        if params.get("kind"):
            query = query.filter(kind=params["kind"])
        rows, paginator = paginate(self, request, query, ("-received_at", "-pk"))
        return paginator.get_paginated_response([
            {"id": p.pk, "record": p.record_id, "reference": p.reference, "kind": p.kind,
             "kind_title": str(PaymentKind(p.kind).label) if p.kind in PaymentKind.values else p.kind,
             "amount": p.amount, "received_at": p.received_at, "note": p.note} for p in rows])
