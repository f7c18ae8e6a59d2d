"""The inbox (the page's views and filters) and what one does to a task: claim, unclaim, complete, vote,
transfer, delegate, hand back, reassign, add an approver. Each is one engine service."""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from engine.models import Record
from engine.runtime import approvals, tasks
from engine.runtime.inbox import SORTS, VIEWS, inbox, matching_records
from engine.versions import definition_by_id
from kernel.models import Project

from .. import serializers as s
from ..auth import memberships, token_of
from ..base import ApiView
from ..common import PAGING, OffsetCursor, seen_record
from ..problems import Problem
from .records import detail, task_row


def _q(name: str, description: str, kind=str, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=description, enum=enum)


class Inbox(ApiView):
    @extend_schema(summary="The caller's inbox: assigned, delegated, claimable and escalated open tasks",
                   tags=["tasks"], responses=s.paged(s.TaskRow), parameters=[*PAGING,
                       _q("view", "Which tasks", enum=list(VIEWS)), _q("project", "A project's code"),
                       _q("flow", "A flow's name"), _q("state", "A state's name"),
                       _q("q", "Reference, unit code, customer name or phone"),
                       _q("sort", "Order", enum=list(SORTS)), _q("descending", "Reverse the order", bool)])
    def get(self, request):
        params = request.query_params
        mine = memberships(request)
        view = params.get("view", "all")
        if view not in VIEWS:
            raise Problem(400, "bad_filter", _("“%(value)s” is not a view of the inbox; use one of: %(choices)s.")
                          % {"value": view, "choices": ", ".join(VIEWS)})
        sort = params.get("sort", "due")
        if sort not in SORTS:
            raise Problem(400, "bad_filter", _("“%(value)s” is not an order of the inbox; use one of: %(choices)s.")
                          % {"value": sort, "choices": ", ".join(SORTS)})
        project_id = None
        if params.get("project"):
            project_id = Project.objects.filter(code=params["project"], pk__in=mine).values_list("pk", flat=True) \
                .first()
            if project_id is None:
                raise Problem(404, "not_found", _("There is no project %(code)s, or you are not a member of it.")
                              % {"code": params["project"]})
        records = matching_records([project_id] if project_id else list(mine), params.get("q", "").strip())
        token = token_of(request)
        if token is not None and token.project_ids and project_id is None:
            # tasks assigned to the user elsewhere stay outside a token scoped to some projects
            scoped = Record.objects.filter(project_id__in=token.project_ids).values("pk")
            records = scoped if records is None else records.filter(project_id__in=token.project_ids)
        rows = inbox(request.user, view=view, project_id=project_id, flow=params.get("flow") or None,
                     state=params.get("state") or None, records=records, sort=sort,
                     descending=params.get("descending") in ("1", "true"), memberships=mine)
        cursor = OffsetCursor(request)
        page = cursor.page(rows)
        codes = dict(Project.objects.filter(pk__in={t.project_id for t in page}).values_list("pk", "code"))
        now = timezone.now()
        return cursor.response([
            task_row(t, definition_by_id(t.record.version_id, t.version_hash), codes.get(t.project_id, ""),
                     t.record.reference, now) for t in page])


class _TaskAction(ApiView):
    body = s.CommentIn

    def act(self, request, task_id: int, data: dict) -> None:
        raise NotImplementedError

    def post(self, request, task_id: int):
        record, _definition, _roles = seen_record(request, task_id=task_id)
        data = s.valid(self.body, request)
        self.act(request, task_id, data)
        try:
            return detail(request, *seen_record(request, record.pk))
        except Problem:  # done, and the caller no longer sees the record (a delegate who handed it back)
            return Response(status=204)


def _action(name: str, summary: str, body, act):
    def post(self, request, task_id: int):  # its own function: the schema is attached to it
        return _TaskAction.post(self, request, task_id)

    post = extend_schema(summary=summary, tags=["tasks"], request=body, responses={200: s.RecordDetail, 204: None},
                         operation_id=f"tasks_{name.lower()}")(post)
    return type(name, (_TaskAction,), {"body": body, "post": post, "__module__": __name__,
                                       "act": lambda self, request, task_id, data: act(request.user, task_id, data)})


Claim = _action("Claim", "Claim the task (it becomes the caller's)", s.CommentIn,
                lambda user, pk, d: tasks.claim(user, pk))
Unclaim = _action("Unclaim", "Put the task back in its roles' pool", s.CommentIn,
                  lambda user, pk, d: tasks.unclaim(user, pk))
Complete = _action("Complete", "Finish a work task without moving the record", s.CommentIn,
                   lambda user, pk, d: tasks.complete(user, pk, d["comment"]))
Vote = _action("Vote", "Approve or reject an approval task", s.VoteIn,
               lambda user, pk, d: approvals.vote(user, pk, d["decision"], d["comment"]))
Transfer = _action("Transfer", "Transfer the task to a colleague (转办)", s.ColleagueIn,
                   lambda user, pk, d: tasks.transfer(user, pk, d["user"], d["comment"]))
Delegate = _action("Delegate", "Delegate the task to a colleague (委托)", s.ColleagueIn,
                   lambda user, pk, d: tasks.delegate(user, pk, d["user"], d["comment"]))
Reassign = _action("Reassign", "Reassign the task (managers)", s.ColleagueIn,
                   lambda user, pk, d: tasks.reassign(user, pk, d["user"], d["comment"]))
ReturnDelegation = _action("ReturnDelegation", "Hand a delegated task back with a note", s.CommentIn,
                           lambda user, pk, d: tasks.return_delegation(user, pk, d["comment"]))
AddApprover = _action("AddApprover", "Add an approver (加签): a role or a colleague", s.ApproverIn,
                      lambda user, pk, d: approvals.add_approver(user, pk, role=d.get("role") or None,
                                                                 user_id=d.get("user"), comment=d["comment"]))

__all__ = ["AddApprover", "Claim", "Complete", "Delegate", "Inbox", "Reassign", "ReturnDelegation", "Transfer",
           "Unclaim", "Vote"]
