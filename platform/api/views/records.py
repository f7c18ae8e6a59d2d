"""Records of every flow: list (the list page's filters), detail with the steps one may take and their forms'
JSON Schemas, start, fire (If-Match with the revision), send back, withdraw, history.

Every call goes through the engine's services (engine.runtime), which check roles,
validate forms and refuse in words; the API first asks who may see the record, as the
record page does.
"""
from __future__ import annotations

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from definitions.model import FormSpec
from engine.models import FlowVersion, HistoryEntry, Record, Task, TaskStatus, VersionStatus
from engine.runtime import moves, records, transitions
from engine.runtime.inbox import matching_records
from engine.runtime.visibility import visible_records
from engine.versions import definition_by_id

from .. import serializers as s
from ..auth import memberships
from ..base import ApiView
from ..common import PAGING, form_schema, masked_data, paginate, seen_record, sees_in_full, state_title, text
from ..problems import Problem

ORDERS = {"-created": ("-created_at", "-pk"), "created": ("created_at", "pk"),
          "-updated": ("-updated_at", "-pk"), "reference": ("reference",), "-reference": ("-reference",)}


def _q(name: str, description: str, kind=str, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=description, enum=enum)


def record_row(request, record, definition, roles, project_code: str) -> dict:
    full = sees_in_full(request, roles, record.data)
    return {"id": record.pk, "reference": record.reference, "project": project_code, "flow": record.flow,
            "flow_title": text(definition.title, record.flow), "state": record.state,
            "state_title": state_title(definition, record.state), "is_closed": record.is_closed,
            "revision": record.revision, "created_at": record.created_at, "updated_at": record.updated_at,
            "data": masked_data(record.data, definition.entity.schema, full)}


def task_row(task, definition, project_code: str, reference: str, now) -> dict:
    spec = None
    try:
        spec = definition.state(task.state).task(task.name)
    except KeyError:
        pass
    return {"id": task.pk, "name": task.name, "title": text(spec.title if spec else None, task.name),
            "kind": task.kind, "status": task.status, "project": project_code, "record": task.record_id,
            "reference": reference, "flow": task.flow, "flow_title": text(definition.title, task.flow),
            "state": task.state, "state_title": state_title(definition, task.state), "role": task.role or None,
            "assignee": task.assignee_id, "delegate": task.delegate_id, "due_at": task.due_at,
            "opened_at": task.opened_at, "overdue": task.due_at is not None and task.due_at < now}


def etag(record) -> str:
    return f'"{record.revision}"'


def detail(request, record, definition, roles) -> Response:
    open_tasks = list(Task.objects.filter(record=record, status=TaskStatus.OPEN).order_by("pk"))
    available = transitions.available_on(record, roles, open_tasks, request.user)
    now = timezone.now()
    body = record_row(request, record, definition, roles, record.project.code)
    body.update({
        "version": record.version_id, "parent": record.parent_id,
        "tasks": [task_row(t, definition, record.project.code, record.reference, now) for t in open_tasks],
        "transitions": [{"name": a.name, "title": text(a.title, a.name), "to": a.to, "targets": list(a.targets),
                         "offered": a.offered, "reason": text(a.reason) if a.reason else "",
                         "form_schema": form_schema(definition, a.form)} for a in available],
    })
    return Response(body, headers={"ETag": etag(record)})


class RecordList(ApiView):
    @extend_schema(summary="Records of the project (open and finished), as the records list shows them",
                   tags=["records"], responses=s.paged(s.RecordRow),
                   parameters=[*PAGING, _q("flow", "A flow's name, e.g. subscription"), _q("state", "A state's name"),
                               _q("open", "open or closed", enum=["open", "closed"]),
                               _q("q", "Reference, unit code, customer name or phone"),
                               _q("order", "Order", enum=list(ORDERS))])
    def get(self, request, code: str):
        project, roles = self.project(request, code)
        params = request.query_params
        query = visible_records(request.user, Record.objects.filter(project=project), memberships(request))
        if params.get("flow"):
            query = query.filter(flow=params["flow"])
        if params.get("state"):
            query = query.filter(state=params["state"])
        if params.get("open") in ("open", "closed"):
            query = query.filter(is_closed=params["open"] == "closed")
        search = matching_records([project.pk], params.get("q", "").strip())
        if search is not None:
            query = query.filter(pk__in=search)
        order = params.get("order") if params.get("order") in ORDERS else "-created"
        query = query.annotate(version_hash=F("version__content_hash"))
        rows, paginator = paginate(self, request, query, ORDERS[order])
        return paginator.get_paginated_response([
            record_row(request, r, definition_by_id(r.version_id, r.version_hash), roles, project.code)
            for r in rows])

    @extend_schema(summary="Start a record of a published flow (its start form in `data`)", tags=["records"],
                   request=s.StartIn, responses={201: s.RecordDetail})
    def post(self, request, code: str):
        project, _roles = self.project(request, code)
        data = s.valid(s.StartIn, request)
        record = records.start_record(request.user, project, data["flow"], data["data"], comment=data["comment"],
                                      idempotency_key=self.engine_key(request))
        record, definition, roles = seen_record(request, record.pk)
        response = detail(request, record, definition, roles)
        response.status_code = 201
        response["Location"] = f"/api/v1/records/{record.pk}/"
        return response


class FlowList(ApiView):
    @extend_schema(summary="The published flows the caller may start here, with their start forms' JSON Schemas",
                   tags=["records"], responses=s.StartableFlow(many=True))
    def get(self, request, code: str):
        project, roles = self.project(request, code)
        out = []
        for version in (FlowVersion.objects.filter(project=project, status=VersionStatus.PUBLISHED)
                        .defer("content").order_by("flow")):
            definition = definition_by_id(version.pk, version.content_hash)
            if roles & set(definition.start.roles) or request.user.is_superuser:
                out.append({"flow": definition.name, "title": text(definition.title, definition.name),
                            "start_schema": form_schema(definition, definition.start.form
                                                        or FormSpec(fields=tuple(definition.entity.field_names)))})
        return Response(out)


class RecordDetail(ApiView):
    @extend_schema(summary="A record: its data, open tasks, and the transitions the caller may fire with their forms",
                   tags=["records"], responses=s.RecordDetail)
    def get(self, request, record_id: int):
        return detail(request, *seen_record(request, record_id))


def expected_revision(request) -> int | None:
    """The revision of If-Match ("3", W/"3" or 3); none sent: the move is not checked against one."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    value = raw.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise Problem(400, "bad_if_match", _("If-Match must be the record's revision, as its ETag gives it, "
                                             "e.g. \"3\"."))
    return int(value)


class Fire(ApiView):
    @extend_schema(summary="Fire a transition; send If-Match with the record's revision (412 when it moved meanwhile)",
                   tags=["records"], request=s.FireIn, responses=s.RecordDetail,
                   parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                                                description="The record's ETag (its revision)")])
    def post(self, request, record_id: int, transition: str):
        seen_record(request, record_id)
        data = s.valid(s.FireIn, request)
        transitions.fire(request.user, record_id, transition, data["form"], comment=data["comment"],
                         expected_revision=expected_revision(request), idempotency_key=self.engine_key(request))
        return detail(request, *seen_record(request, record_id))


class SendBack(ApiView):
    @extend_schema(summary="Send the record back to a state it has been in (退回); a reason is required",
                   tags=["records"], request=s.SendBackIn, responses=s.RecordDetail)
    def post(self, request, record_id: int):
        seen_record(request, record_id)
        data = s.valid(s.SendBackIn, request)
        moves.send_back(request.user, record_id, data["to_state"], data["comment"])
        return detail(request, *seen_record(request, record_id))


class Withdraw(ApiView):
    @extend_schema(summary="Take back one's last move (撤回) while nobody has acted since", tags=["records"],
                   request=s.CommentIn, responses=s.RecordDetail)
    def post(self, request, record_id: int):
        seen_record(request, record_id)
        data = s.valid(s.CommentIn, request)
        moves.withdraw(request.user, record_id, data["comment"])
        return detail(request, *seen_record(request, record_id))


class History(ApiView):
    @extend_schema(summary="The record's history, oldest first", tags=["records"], responses=s.paged(s.HistoryEntry),
                   parameters=PAGING)
    def get(self, request, record_id: int):
        record, definition, roles = seen_record(request, record_id)
        full = sees_in_full(request, roles, record.data)
        schema = definition.entity.schema
        query = HistoryEntry.objects.filter(record=record).select_related("actor")
        rows, paginator = paginate(self, request, query, ("seq",))
        out = []
        for e in rows:
            try:
                step = text(definition.transition(e.transition).title, e.transition) if e.transition else ""
            except KeyError:
                step = e.transition
            changes = {k: masked_data({k: v[0]}, schema, full).get(k) for k, v in (e.changes or {}).items()
                       if isinstance(v, list) and len(v) == 2}
            changes = {k: [old, masked_data({k: e.changes[k][1]}, schema, full).get(k)] for k, old in changes.items()}
            out.append({"seq": e.seq, "kind": e.kind, "at": e.at, "actor": str(e.actor) if e.actor else None,
                        "transition": e.transition, "transition_title": step, "from_state": e.from_state,
                        "to_state": e.to_state,
                        "to_state_title": state_title(definition, e.to_state) if e.to_state else "",
                        "comment": e.comment, "changes": changes})
        return paginator.get_paginated_response(out)


__all__ = ["Fire", "FlowList", "History", "RecordDetail", "RecordList", "SendBack", "Withdraw"]
