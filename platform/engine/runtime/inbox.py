"""The inbox: my tasks and the tasks my roles let me claim, in two queries whatever the rows.

The tasks a user sees come from four disjoint-by-index sources: assigned to them,
delegated to them, claimable through a role on the task row, and claimable or
escalated through TaskCandidate. Each source is a separate SELECT of ids that one
partial index answers; their UNION feeds the outer query. One `OR` over all four
would make PostgreSQL read every open task of the installation instead.
"""
from __future__ import annotations

from collections import defaultdict

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership

from ..models import Task, TaskCandidate, TaskStatus


def inbox(user, *, project_id: int | None = None, flow: str | None = None, state: str | None = None,
          overdue: bool = False, mine_only: bool = False) -> QuerySet[Task]:
    """Open tasks assigned or delegated to the user, plus those their roles may claim.

    Ordered by due time (no due time last), then id.
    """
    pairs: dict[int, set[str]] = defaultdict(set)
    for pid, role in Membership.objects.filter(user=user).values_list("project_id", "role"):
        pairs[pid].add(role)
    narrow = Q(status=TaskStatus.OPEN)
    if project_id is not None:
        narrow &= Q(project_id=project_id)
    if flow:
        narrow &= Q(flow=flow)
    if state:
        narrow &= Q(state=state)
    if overdue:
        narrow &= Q(due_at__lt=timezone.now())
    open_tasks = Task.objects.filter(narrow)
    sources = [open_tasks.filter(assignee=user).values("pk"), open_tasks.filter(delegate=user).values("pk")]
    if pairs and not mine_only:
        by_role = Q()
        for pid, roles in pairs.items():
            by_role |= Q(project_id=pid, role__in=sorted(roles))
        sources.append(open_tasks.filter(by_role, assignee__isnull=True).values("pk"))
        candidates = TaskCandidate.objects.filter(by_role, is_open=True).values("task_id")
        sources.append(open_tasks.filter(Q(assignee__isnull=True) | Q(escalated_at__isnull=False),
                                         pk__in=candidates).values("pk"))
    ids = sources[0].union(*sources[1:])
    return (Task.objects.filter(pk__in=ids).select_related("record", "project", "assignee", "delegate")
            .order_by(F("due_at").asc(nulls_last=True), "pk"))
