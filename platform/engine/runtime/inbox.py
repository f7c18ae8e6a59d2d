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

from django.db import connection
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kernel.access import memberships_of

from ..models import Task, TaskCandidate, TaskStatus

_LAST = datetime(9999, 12, 31, tzinfo=dt_timezone.utc)  # tasks without a due time sort last
_PROJECT_SOURCES = 8  # claimable tasks as one source per project up to this many projects


class Inbox:
    """A lazy, ordered list of tasks: slice it for a page, `count()` it, iterate it.

    Works with Django's Paginator. Each slice costs two queries (the page's ids, then
    its rows); `count()` one.
    """

    ordered = True  # for Paginator

    def __init__(self, sources) -> None:
        self._sources = sources  # querysets of open tasks annotated with due_key, one per source

    def ids(self, stop: int | None = None):
        """The ordered UNION of (pk, due_key) that decides a page ending at `stop` (EXPLAIN this).

        With `stop`, each source is ordered and cut at `stop` before the UNION, where the
        database allows it (PostgreSQL): a source then reads at most `stop` entries of
        its index, in the index's order, instead of all its rows (a manager who can
        claim 20,000 tasks). `due_at NULLS LAST` orders as `due_key` does and matches
        the indexes.
        """
        selects = []
        for source in self._sources:
            select = source.values("pk", "due_key")
            if stop and connection.features.supports_slicing_ordering_in_compound:  # [:0] empties a query
                select = select.order_by(F("due_at").asc(nulls_last=True), "pk")[:stop]
            selects.append(select)
        return selects[0].union(*selects[1:]).order_by("due_key", "pk")

    def count(self) -> int:
        return self.ids().count()

    def count_up_to(self, cap: int) -> int:
        """The count, or `cap` when there are at least that many (for a "999+" badge)."""
        return len(self.ids(cap)[:cap])

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index:index + 1][0]
        ids = [row["pk"] for row in self.ids(index.stop)[index]]
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
        if len(pairs) <= _PROJECT_SOURCES:  # one per project: each an ordered scan of its index
            sources += [open_tasks.filter(project_id=pid, role__in=sorted(roles), assignee__isnull=True)
                        for pid, roles in sorted(pairs.items())]
        else:  # a user in many projects: one source, not a UNION of dozens
            sources.append(open_tasks.filter(by_role, assignee__isnull=True))
        candidates = TaskCandidate.objects.filter(by_role, is_open=True).values("task_id")
        sources.append(open_tasks.filter(Q(assignee__isnull=True) | Q(escalated_at__isnull=False),
                                         pk__in=candidates))
    return Inbox(sources)
