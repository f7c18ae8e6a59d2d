"""Which of a project's records a member sees: by role, by flow, and for consultants their own work.

The rule (docs/engine.md, "Who sees which records"):

1. **Overseers see everything in the project**: the managers (`MANAGER_ROLES`: sales
   manager, project director, project admin) and platform superusers.
2. **Everyone else sees the records of the flows their roles take part in**: a role takes
   part when the record's flow version names it anywhere (who starts it, a state's owners,
   a task's roles, a transition's roles, whom a deadline or timer escalates to). Finance
   therefore sees every deal and lease its steps pass through, and a leasing agent no
   subscription.
3. **Own work.** When the only roles through which someone takes part in a flow are roles
   that work their own customers (`OWN_WORK_ROLES`: sales consultants, channel agents),
   they see only their own records there: those they started, those naming them as the
   consultant (`consultant_id`), those whose customer is registered to them in the
   project, those they hold or held a task on, and records that are *no consultant's*
   (no `consultant_id`, a customer nobody registered in the project, not started by a
   consultant: a walk-in the front desk or a manager put in the launch-day queue), which
   stay the whole team's claim pool. The project setting
   `consultants_see_colleagues_records` (default off) lets them see their colleagues'
   records too.

The rule is a `Sight` per (user, record's flow version) computed in Python from roles
the caller already has, and, for OWN, one filter (`own_work`) that the inbox's sources,
the records list and the record page all apply in SQL: no query per row, and none at all
for overseers and for roles that see a whole flow.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from functools import lru_cache

from django.db.models import BooleanField, Expression, F, Q

from accounts.models import Membership
from definitions.model import FlowDefinition
from kernel.access import MANAGER_ROLES

# Roles whose holders work their own customers: they see their own records, not their colleagues'.
OWN_WORK_ROLES = frozenset({"sales_consultant", "channel_agent"})
COLLEAGUES_SETTING = "consultants_see_colleagues_records"

__all__ = ["COLLEAGUES_SETTING", "OWN_WORK_ROLES", "OwnWork", "Sight", "colleagues_open", "flow_roles", "is_overseer",
           "own_work", "restricted_roles", "sight", "unseen", "visible_records"]


class Sight(enum.Enum):
    ALL = "all"  # every record of the flow in the project
    OWN = "own"  # own work only (`own_work`)
    NONE = "none"  # the user's roles take no part in the flow


_flow_roles: dict[str, frozenset[str]] = {}


def flow_roles(definition: FlowDefinition) -> frozenset[str]:
    """Every role a flow version names anywhere, computed once per version (its content hash)."""
    found = _flow_roles.get(definition.content_hash)
    if found is None:
        names: set[str] = set(definition.start.roles)
        for state in definition.states:
            names.update(state.owners)
            if state.deadline:
                names.update(state.deadline.escalate_to)
            for task in state.tasks:
                names.update(task.roles)
                if task.deadline:
                    names.update(task.deadline.escalate_to)
        for transition in definition.transitions:
            names.update(transition.roles)
        for timer in definition.timers:
            names.update(timer.escalate_to)
        found = _flow_roles[definition.content_hash] = frozenset(names)
    return found


def is_overseer(user, roles: frozenset[str]) -> bool:
    return bool(roles & MANAGER_ROLES) or bool(getattr(user, "is_superuser", False))


def colleagues_open(project) -> bool:
    """The project lets consultants see their colleagues' records (`consultants_see_colleagues_records`)."""
    return bool(project.setting(COLLEAGUES_SETTING))


def sight(user, roles: frozenset[str], definition: FlowDefinition, *, colleagues: bool) -> Sight:
    """How someone holding `roles` in the record's project sees the records of this flow version.

    `colleagues`: the project's `consultants_see_colleagues_records` (`colleagues_open`).
    """
    if is_overseer(user, roles):
        return Sight.ALL
    taking_part = roles & flow_roles(definition)
    if not taking_part:
        return Sight.NONE
    if taking_part - OWN_WORK_ROLES or colleagues:
        return Sight.ALL
    return Sight.OWN


def restricted_roles(roles: frozenset[str]) -> frozenset[str]:
    """The roles through which a member of a project sees only their own work there (none for an overseer).

    For the inbox: tasks claimable through these roles are narrowed by `own_work`, unless
    the project's setting opens colleagues' records (`own_work` checks it in SQL).
    """
    return frozenset() if roles & MANAGER_ROLES else roles & OWN_WORK_ROLES


def own_work(user_id: int, *, project_id: int | None = None, held_before: bool = True,
             by_record_key: bool = False) -> OwnWork:
    """The records that are the user's own work (the module's rule 3), as a condition of a query.

    On a Record query by default; `by_record_key=True` on a query of rows that carry a
    `record_id` (the inbox's tasks): the record is then probed by its key per row, in the
    source's index order, so a source still stops at the page's end (joined instead,
    PostgreSQL may hash the whole record table to answer a few dozen tasks).

    No query of its own, and little per row. With `project_id` (the rows are of that one
    project) the user's registered customers, their open tasks' records and the project's
    consultants are small sets, each read once by its index and hashed: a colleague's
    record is rejected by its own columns and a hash lookup, and only a record naming no
    consultant and not started by one costs a probe of the registrations' (project,
    customer) index. Without `project_id` the same parts are correlated to each row's
    project. `held_before=False` leaves out the records of tasks the user closed (one more
    probe per row, by the record's tasks): the inbox's claim pools do without it; the
    records list and the record page keep it.
    """
    return OwnWork(user_id, project_id=project_id, held_before=held_before, by_record_key=by_record_key)


class OwnWork(Expression):
    """`own_work` as one SQL condition written here, per database: the inbox builds it for several
    sources on every page, and Django's compiler took longer over the same condition as nested
    querysets than the database took to run it."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, user_id: int, *, project_id: int | None, held_before: bool, by_record_key: bool):
        super().__init__(output_field=BooleanField())
        self.user_id, self.project_id = int(user_id), None if project_id is None else int(project_id)
        self.held_before, self.by_record_key = held_before, by_record_key
        self.refs = [F("record_id")] if by_record_key else [F("pk"), F("data"), F("created_by_id"), F("project_id")]

    def get_source_expressions(self):
        return self.refs

    def set_source_expressions(self, exprs):
        self.refs = list(exprs)

    def as_sql(self, compiler, connection, **extra):
        from kernel.models import CustomerRegistration, Project

        from ..models import Record, Task

        compiled = [compiler.compile(ref) for ref in self.refs]
        if self.by_record_key:
            row = {"pk": "vis_r.id", "data": "vis_r.data", "created_by": "vis_r.created_by_id",
                   "project": "vis_r.project_id"}
        else:
            row = dict(zip(("pk", "data", "created_by", "project"), (sql for sql, _params in compiled)))
        postgres = connection.vendor == "postgresql"
        me = self.user_id
        project = row["project"] if self.project_id is None else "%s"
        in_project = () if self.project_id is None else (self.project_id,)  # once per `project` in a part

        def key(name: str) -> str:  # the JSON value under `name` as text (PostgreSQL) or as it is (SQLite)
            return f"({row['data']} ->> '{name}')" if postgres else f"JSON_EXTRACT({row['data']}, '$.\"{name}\"')"

        if postgres:  # only digits are cast: a record holding anything else compares as NULL, never fails
            customer = f"(CASE WHEN {key('customer_id')} ~ '^[0-9]{{1,18}}$' THEN {key('customer_id')}::bigint END)"
            flag = f"(p.settings -> '{COLLEAGUES_SETTING}')"
            on, off = "'true'::jsonb", "'false'::jsonb"
        else:
            customer = (f"(CASE WHEN JSON_TYPE({row['data']}, '$.\"customer_id\"') = 'integer' "
                        f"THEN {key('customer_id')} END)")
            flag = f"JSON_EXTRACT(p.settings, '$.\"{COLLEAGUES_SETTING}\"')"
            on, off = "1", "0"
        # a project that does not say keeps the schema's default
        setting = f"COALESCE({flag} <> {off}, TRUE)" if _default_open() else f"{flag} = {on}"
        registrations, tasks = CustomerRegistration._meta.db_table, Task._meta.db_table
        own_roles = ", ".join(f"'{role}'" for role in sorted(OWN_WORK_ROLES))
        parts: list[str] = []
        args: list[object] = []

        def part(sql: str, *values) -> None:
            parts.append(sql)
            args.extend(values)

        part(f"{row['created_by']} = %s", me)
        part(f"{key('consultant_id')} = %s", str(me) if postgres else me)
        part(f"EXISTS (SELECT 1 FROM {Project._meta.db_table} p WHERE p.id = {project} AND {setting})", *in_project)
        part(f"{customer} IN (SELECT m.customer_id FROM {registrations} m WHERE m.project_id = {project} "
             f"AND m.consultant_id = %s)", *in_project, me)
        part(f"{row['pk']} IN (SELECT o.record_id FROM {tasks} o WHERE o.status = 'open' AND o.project_id = {project} "
             f"AND (o.assignee_id = %s OR o.delegate_id = %s))", *in_project, me, me)
        # no consultant's: checked in this order, the probe last
        part(f"({key('consultant_id')} IS NULL"
             f" AND ({row['created_by']} IS NULL OR {row['created_by']} NOT IN (SELECT c.user_id FROM "
             f"{Membership._meta.db_table} c WHERE c.project_id = {project} AND c.role IN ({own_roles})))"
             f" AND NOT EXISTS (SELECT 1 FROM {registrations} g WHERE g.project_id = {project} "
             f"AND g.customer_id = {customer}))", *in_project, *in_project)
        if self.held_before:
            part(f"EXISTS (SELECT 1 FROM {tasks} h WHERE h.record_id = {row['pk']} AND h.closed_by_id = %s)", me)
        condition = "(" + " OR ".join(parts) + ")"
        params = tuple(p for _sql, ps in compiled for p in ps)
        if self.by_record_key:
            return (f"EXISTS (SELECT 1 FROM {Record._meta.db_table} vis_r WHERE vis_r.id = {compiled[0][0]} "
                    f"AND {condition})", (*params, *args))
        return condition, (*params, *args)


def unseen(user, judged) -> dict[int, Sight]:
    """Of `judged` (record, its definition, the user's roles in its project), the records the user may not see.

    record id -> the user's `Sight` of it (NONE, or OWN and not their own work), for the
    refusal's words. One query, only when some record is seen as OWN: the record page
    asks about one record, the inbox's bulk actions about every posted task's.
    """
    from ..models import Record

    sights = {record.pk: sight(user, roles, definition, colleagues=colleagues_open(record.project))
              for record, definition, roles in judged}
    own = [pk for pk, seen in sights.items() if seen is Sight.OWN]
    mine = set(Record.objects.filter(own_work(user.pk), pk__in=own).values_list("pk", flat=True)) if own else set()
    return {pk: seen for pk, seen in sights.items() if seen is Sight.NONE or (seen is Sight.OWN and pk not in mine)}


@lru_cache(maxsize=1)
def _default_open() -> bool:
    from kernel.settings_schema import project_settings_schema

    return bool(project_settings_schema().get("properties", {}).get(COLLEAGUES_SETTING, {}).get("default", False))


def visible_records(user, records, memberships: Mapping[int, frozenset[str]]):
    """`records` (a Record query) narrowed to those the user may see, for pages that list records of many flows.

    `memberships`: project id -> the user's roles (`kernel.access.memberships_of`). One
    query for the versions of the user's projects (and their settings), none per row: the
    rule becomes one filter of `records`' own query.
    """
    from kernel.settings_schema import effective_settings

    from ..models import FlowVersion

    if getattr(user, "is_superuser", False):
        return records
    overseen = [pid for pid, roles in memberships.items() if roles & MANAGER_ROLES]
    whole: list[int] = []
    own: list[int] = []
    versions = (FlowVersion.objects.filter(project_id__in=[p for p in memberships if p not in overseen])
                .values_list("pk", "project_id", "content_hash", "project__settings"))
    from ..versions import definition_by_id

    for pk, project_id, content_hash, settings in versions:
        colleagues = bool(effective_settings(settings or {}).get(COLLEAGUES_SETTING))
        seen = sight(user, memberships[project_id], definition_by_id(pk, content_hash), colleagues=colleagues)
        if seen is not Sight.NONE:
            (whole if seen is Sight.ALL else own).append(pk)
    return records.filter(Q(project_id__in=overseen) | Q(version_id__in=whole)
                          | Q(own_work(user.pk), version_id__in=own))
