"""The inbox: my tasks and the tasks my roles let me claim, in two queries whatever the rows."""
from __future__ import annotations

from collections import defaultdict

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import Membership

from ..models import Task, TaskCandidate, TaskStatus


def inbox(user, *, project_id: int | None = None, flow: str | None = None, state: str | None = None,
          overdue: bool = False, mine_only: bool = False) -> QuerySet[Task]:
    """Open tasks assigned or delegated to the user, plus unassigned ones their roles can claim.

    Ordered by due time (no due time last). Uses the partial indexes on open unassigned
    tasks (project, role, due_at), on open tasks by assignee, and on open candidates.
    """
    pairs: dict[int, set[str]] = defaultdict(set)
    for pid, role in Membership.objects.filter(user=user).values_list("project_id", "role"):
        pairs[pid].add(role)
    visible = Q(assignee=user) | Q(delegate=user)
    if pairs and not mine_only:
        by_role = Q()
        for pid, roles in pairs.items():
            by_role |= Q(project_id=pid, role__in=sorted(roles))
        # unassigned tasks one of my roles may claim (the role is on the task row) ...
        visible |= by_role & Q(assignee__isnull=True)
        # ... tasks shared by several roles, and overdue work escalated to my roles
        candidate_ids = TaskCandidate.objects.filter(by_role, is_open=True).values("task_id")
        visible |= Q(pk__in=candidate_ids) & (Q(assignee__isnull=True) | Q(escalated_at__isnull=False))
    tasks = Task.objects.filter(visible, status=TaskStatus.OPEN)
    if project_id is not None:
        tasks = tasks.filter(project_id=project_id)
    if flow:
        tasks = tasks.filter(flow=flow)
    if state:
        tasks = tasks.filter(state=state)
    if overdue:
        tasks = tasks.filter(due_at__lt=timezone.now())
    return (tasks.select_related("record", "project", "assignee", "delegate")
            .order_by(F("due_at").asc(nulls_last=True), "pk"))
