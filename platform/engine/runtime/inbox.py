"""The inbox: my tasks and the tasks my roles let me claim, fast whatever the rows.

The tasks a user sees come from four sources: assigned to them, delegated to them,
claimable through a role on the task row, and claimable or escalated through
TaskCandidate. Each source is a SELECT of (id, sort key) that one partial index
answers; their UNION is ordered and cut to the page first, and only the page's rows
are then read with their record, project and people. One `OR` over the sources made
PostgreSQL read every open task in the installation; joining before the cut made it
join every claimable task (docs/benchmarks.md).

Views pick sources: `mine` (assigned or delegated), `claimable` (unclaimed, of my
roles), `group` (my roles' open tasks in my projects, held by colleagues too),
`overdue` and `sent_back` (the default sources, narrowed). Search narrows every
source to the records `matching_records` finds.

What a role's sources hold follows record visibility (engine.runtime.visibility): a
sales consultant's or channel agent's claimable and group tasks are those of their own
work and of records no consultant holds yet; managers see the team's, every other role
its flows' whole pool.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from django.db import connection
from django.db.models import DateTimeField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Membership
from kernel.access import memberships_of

from ..models import HistoryEntry, Record, Task, TaskCandidate, TaskStatus
from ..models.record_keys import CUSTOMER_KEY, UNIT_KEY, key_values
from .visibility import own_work, restricted_roles

_LAST = datetime(9999, 12, 31, tzinfo=UTC)  # tasks without a due time sort last…
_FIRST = datetime(1, 1, 2, tzinfo=UTC)  # …in either direction
_PROJECT_SOURCES = 8  # claimable tasks as one source per project up to this many projects
SEARCH_MATCHES = 200  # customers or units a search term may stand for; a wider term must be narrowed

VIEWS = ("all", "mine", "group", "claimable", "overdue", "sent_back")
SORTS = ("due", "created", "reference")


class Inbox:
    """A lazy, ordered list of tasks: slice it for a page, `count()` it, iterate it.

    Works with Django's Paginator. Each slice costs two queries (the page's ids, then
    its rows); `count()` one.
    """

    ordered = True  # for Paginator

    def __init__(self, sources, sort: str = "due", descending: bool = False) -> None:
        self._sources = sources  # querysets of open tasks annotated with sort_key, one per source
        self._sort, self._descending = sort, descending

    def ids(self, stop: int | None = None):
        """The ordered UNION of (pk, sort_key) that decides a page ending at `stop` (EXPLAIN this).

        With `stop`, each source is ordered and cut at `stop` before the UNION, where the
        database allows it (PostgreSQL): a source then reads at most `stop` entries of
        its index, in the index's order, instead of all its rows (a manager who can
        claim 20,000 tasks). `due_at NULLS LAST` orders as the due key does and matches
        the indexes.
        """
        per_source: tuple[OrderBy | str, str]
        if self._sort == "due" and not self._descending:
            per_source = (F("due_at").asc(nulls_last=True), "pk")
        elif self._sort == "due":
            per_source = (F("due_at").desc(nulls_last=True), "-pk")
        else:
            per_source = ("-sort_key", "-pk") if self._descending else ("sort_key", "pk")
        outer = ("-sort_key", "-pk") if self._descending else ("sort_key", "pk")
        if len(self._sources) == 1:  # nothing to unite: one ordered query, cut by the caller's slice
            return self._sources[0].values("pk", "sort_key").order_by(*outer)
        selects = []
        for source in self._sources:
            select = source.values("pk", "sort_key")
            if stop and connection.features.supports_slicing_ordering_in_compound:  # [:0] empties a query
                select = select.order_by(*per_source)[:stop]
            selects.append(select)
        return selects[0].union(*selects[1:]).order_by(*outer)

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


def _sort_key(sort: str, descending: bool):
    if sort == "created":
        return F("opened_at")
    if sort == "reference":
        return F("record__reference")
    return Coalesce("due_at", Value(_FIRST if descending else _LAST, output_field=DateTimeField()))


def _sent_back(tasks: QuerySet) -> QuerySet:
    """Tasks of records whose latest change of state was a send back (退回), still where it left them.

    Every change of state writes one history entry with `to_state`; a later step, a
    withdrawal or another send back replaces it. The lookup is one index range per
    task (history_seq_unique on record, seq).
    """
    last_move = (HistoryEntry.objects.filter(record_id=OuterRef("record_id")).exclude(to_state="")
                 .order_by("-seq").values("kind")[:1])
    return tasks.annotate(last_move=Subquery(last_move)).filter(last_move=HistoryEntry.Kind.SEND_BACK)


def inbox(user, *, view: str = "all", project_id: int | None = None, flow: str | None = None,
          state: str | None = None, overdue: bool = False, mine_only: bool = False,
          records: QuerySet | None = None, sort: str = "due", descending: bool = False,
          memberships: Mapping[int, frozenset[str]] | None = None) -> Inbox:
    """Open tasks assigned or delegated to the user, plus those their roles may claim.

    `view` is one of VIEWS (see the module's docstring); `mine_only` and `overdue` are
    the older spellings of the `mine` and `overdue` views. `records` (a query of record
    ids, e.g. `matching_records`) narrows to those records. Ordered by `sort` (SORTS:
    due time with no due time last, opening time, record reference), then id.
    `memberships` (project id -> the user's roles, `kernel.access.memberships_of`)
    saves reading them again when a page asks for several inboxes.
    """
    view = "mine" if mine_only else view
    overdue = overdue or view == "overdue"
    pairs = {} if view == "mine" else memberships if memberships is not None else memberships_of(user.pk)
    narrow = Q(status=TaskStatus.OPEN)
    if project_id is not None:
        narrow &= Q(project_id=project_id)
        pairs = {pid: roles for pid, roles in pairs.items() if pid == project_id}
    if flow:
        narrow &= Q(flow=flow)
    if state:
        narrow &= Q(state=state)
    if overdue:
        narrow &= Q(due_at__lt=timezone.now())
    if records is not None:
        narrow &= Q(record_id__in=records)
    open_tasks = Task.objects.filter(narrow).annotate(sort_key=_sort_key(sort, descending))
    sources = [] if view in ("claimable", "group") else [open_tasks.filter(assignee=user),
                                                         open_tasks.filter(delegate=user)]
    if pairs and view != "mine":
        sources += _visible_role_sources(open_tasks, pairs, view, user.pk)
    if view == "sent_back":
        sources = [_sent_back(source) for source in sources]
    if not sources:
        sources = [open_tasks.none()]
    return Inbox(sources, sort, descending)


def _visible_role_sources(open_tasks: QuerySet, pairs: Mapping[int, frozenset[str]], view: str,
                          user_id: int) -> list[QuerySet]:
    """The role sources, those through own-work roles narrowed to the user's own work (engine.runtime.visibility).

    A consultant's claimable and colleagues' tasks are those of records they may see: their
    own customers' and deals', and the records no consultant holds yet (the launch-day
    pool); records whose tasks they only closed before are on the records list and pages,
    not in these pools. Each narrowed source is still a scan of its own index, each row
    checked against small sets read once per query and, for a record naming no consultant,
    one index probe (`own_work`): it reads its project's claimable tasks of that role at
    most, never the installation's.
    """
    seen_whole, own_only = {}, {}
    for pid, roles in pairs.items():
        restricted = restricted_roles(roles)
        if roles - restricted:
            seen_whole[pid] = roles - restricted
        if restricted:
            own_only[pid] = restricted
    sources = _role_sources(open_tasks, seen_whole, view) if seen_whole else []
    if len(own_only) <= _PROJECT_SOURCES:  # per project: the filter's small sets are read once each and hashed
        for pid, roles in sorted(own_only.items()):
            narrowed = own_work(user_id, project_id=pid, held_before=False, by_record_key=True)
            sources += [source.filter(narrowed) for source in _role_sources(open_tasks, {pid: roles}, view)]
    elif own_only:  # a user in many projects: the filter correlated to each row's project
        narrowed = own_work(user_id, held_before=False, by_record_key=True)
        sources += [source.filter(narrowed) for source in _role_sources(open_tasks, own_only, view)]
    return sources


def _role_sources(open_tasks: QuerySet, pairs: Mapping[int, frozenset[str]], view: str) -> list[QuerySet]:
    by_role = Q()
    for pid, roles in pairs.items():
        by_role |= Q(project_id=pid, role__in=sorted(roles))
    if len(pairs) <= _PROJECT_SOURCES:  # one per project: each an ordered scan of its index
        sources = [open_tasks.filter(project_id=pid, role__in=sorted(roles), assignee__isnull=True)
                   for pid, roles in sorted(pairs.items())]
    else:  # a user in many projects: one source, not a UNION of dozens
        sources = [open_tasks.filter(by_role, assignee__isnull=True)]
    if view == "group":
        # Held by colleagues of the same roles: through the holders (task_open_assignee_idx),
        # since the claimable index covers unclaimed tasks only.
        colleagues = Membership.objects.filter(by_role).values("user_id")
        sources.append(open_tasks.filter(by_role, assignee__in=colleagues))
        candidates = TaskCandidate.objects.filter(by_role).values("task_id")
        sources.append(open_tasks.filter(pk__in=candidates))
        return sources
    candidates = TaskCandidate.objects.filter(by_role, is_open=True).values("task_id")
    holders = Q(assignee__isnull=True)
    if view != "claimable":  # escalated tasks stay visible to the roles they were escalated to
        holders |= Q(escalated_at__isnull=False)
    sources.append(open_tasks.filter(holders, pk__in=candidates))
    return sources


def matching_records(project_ids: Iterable[int], text: str) -> QuerySet | None:
    """Ids of the records in these projects a search term names; None for an empty term.

    A term is a reference (SUB-000002, or its number 2), a customer's name (part of
    it) or exact phone number, or a unit code (part of it). Customers and units are
    found first (at most SEARCH_MATCHES each), then records by the indexed unit and
    customer keys of their data (record_keys), so no query reads every record's JSON.
    """
    from kernel.models import Customer, Unit
    from kernel.phones import InvalidPhone, normalise_phone

    term = text.strip()
    if not term:
        return None
    projects = sorted(set(project_ids))
    by_customer = Q(name__icontains=term)
    try:
        by_customer |= Q(phone=normalise_phone(term))  # exact only: digit-by-digit probing of masked phones
    except InvalidPhone:
        pass
    customers = list(Customer.objects.filter(by_customer).order_by("pk").values_list("pk", flat=True)[:SEARCH_MATCHES])
    units = list(Unit.objects.filter(project_id__in=projects, code__icontains=term)
                 .order_by("pk").values_list("pk", flat=True)[:SEARCH_MATCHES])
    found = Q(reference=term.upper())
    if term.isascii() and term.isdigit() and len(term) <= 18:  # a record's number; ² and 64-bit overflows are not
        found |= Q(number=int(term))
    if units:
        found |= Q(unit_key__in=key_values(units))
    if customers:
        found |= Q(customer_key__in=key_values(customers))
    return (Record.objects.filter(project_id__in=projects).annotate(unit_key=UNIT_KEY, customer_key=CUSTOMER_KEY)
            .filter(found).values("pk"))
