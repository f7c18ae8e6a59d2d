"""The inbox: my tasks and the tasks my roles let me claim, fast whatever the rows.

The tasks a user sees come from four sources: assigned to them, delegated to them,
claimable through a role on the task row, and claimable or escalated through
TaskCandidate. Each source is a SELECT of (id, due time) that one partial index
answers; their UNION is ordered and cut to the page first, and only the page's rows
are then read with their record, project and people. One `OR` over the sources made
PostgreSQL read every open task in the installation; joining before the cut made it
join every claimable task (docs/benchmarks.md).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone as dt_timezone

from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kernel.access import memberships_of

from ..models import Task, TaskCandidate, TaskStatus

_LAST = datetime(9999, 12, 31, tzinfo=dt_timezone.utc)  # tasks without a due time sort last


class Inbox:
    """A lazy, ordered list of tasks: slice it for a page, `count()` it, iterate it.

    Works with Django's Paginator. Each slice costs two queries (the page's ids, then
    its rows); `count()` one.
    """

    ordered = True  # for Paginator

    def __init__(self, ids):
        self._ids = ids  # UNION of values("pk", "due_key"), ordered

    @property
    def ids(self):
        """The ordered UNION of (pk, due_key): what decides the page (EXPLAIN this)."""
        return self._ids

    def count(self) -> int:
        return self._ids.count()

    def count_up_to(self, cap: int) -> int:
        """The count, or `cap` when there are at least that many (for a "999+" badge)."""
        return len(self._ids[:cap])

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index:index + 1][0]
        ids = [row["pk"] for row in self._ids[index]]
        rows = {t.pk: t for t in Task.objects.filter(pk__in=ids)
                .select_related("record", "project", "assignee", "delegate")
                .annotate(version_hash=F("record__version__content_hash"))}
        return [rows[pk] for pk in ids if pk in rows]


def inbox(user, *, project_id: int | None = None, flow: str | None = None, state: str | None = None,
          overdue: bool = False, mine_only: bool = False,
          memberships: Mapping[int, frozenset[str]] | None = None) -> Inbox:
    """Open tasks assigned or delegated to the user, plus those their roles may claim.

    Ordered by due time (no due time last), then id. `memberships` (project id -> the
    user's roles, `kernel.access.memberships_of`) saves reading them again when a page
    asks for several inboxes.
    """
    pairs = {} if mine_only else memberships if memberships is not None else memberships_of(user.pk)
    narrow = Q(status=TaskStatus.OPEN)
    if project_id is not None:
        narrow &= Q(project_id=project_id)
    if flow:
        narrow &= Q(flow=flow)
    if state:
        narrow &= Q(state=state)
    if overdue:
        narrow &= Q(due_at__lt=timezone.now())
    open_tasks = Task.objects.filter(narrow).annotate(
        due_key=Coalesce("due_at", Value(_LAST, output_field=DateTimeField())))
    sources = [open_tasks.filter(assignee=user), open_tasks.filter(delegate=user)]
    if pairs:
        by_role = Q()
        for pid, roles in pairs.items():
            by_role |= Q(project_id=pid, role__in=sorted(roles))
        sources.append(open_tasks.filter(by_role, assignee__isnull=True))
        candidates = TaskCandidate.objects.filter(by_role, is_open=True).values("task_id")
        sources.append(open_tasks.filter(Q(assignee__isnull=True) | Q(escalated_at__isnull=False),
                                         pk__in=candidates))
    selects = [source.values("pk", "due_key") for source in sources]
    return Inbox(selects[0].union(*selects[1:]).order_by("due_key", "pk"))
