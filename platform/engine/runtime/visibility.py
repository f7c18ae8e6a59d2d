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
import re
from collections.abc import Mapping
from functools import lru_cache

from django.db.models import BigIntegerField, Exists, F, Func, OuterRef, Q
from django.db.models.lookups import In

from accounts.models import Membership
from definitions.model import FlowDefinition
from kernel.access import MANAGER_ROLES

# Roles whose holders work their own customers: they see their own records, not their colleagues'.
OWN_WORK_ROLES = frozenset({"sales_consultant", "channel_agent"})
COLLEAGUES_SETTING = "consultants_see_colleagues_records"

__all__ = ["COLLEAGUES_SETTING", "OWN_WORK_ROLES", "Sight", "colleagues_open", "colleagues_open_sql", "flow_roles",
           "is_overseer", "own_work", "restricted_roles", "sight", "visible_records"]


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


class JsonId(Func):
    """An integer id kept under `key` of a JSON column, or NULL when it is missing or not an id.

    Compared with a foreign key column, an index on that column answers it (the record's
    customer -> its registration). PostgreSQL casts only text that is digits, so a record
    whose data holds something else compares as NULL instead of failing the query.
    """

    output_field = BigIntegerField()

    def __init__(self, expression, key: str):
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", key):
            raise ValueError(f"not a JSON key this expression may name: {key!r}")
        super().__init__(expression)
        self.key = key

    def as_sql(self, compiler, connection, **extra):  # SQLite
        sql, params = compiler.compile(self.source_expressions[0])
        path = f'$."{self.key}"'
        return (f"(CASE WHEN JSON_TYPE({sql}, %s) = 'integer' THEN JSON_EXTRACT({sql}, %s) END)",
                (*params, path, *params, path))

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return (f"(CASE WHEN ({sql} ->> %s) ~ '^[0-9]{{1,18}}$' THEN ({sql} ->> %s)::bigint END)",
                (*params, self.key, *params, self.key))


def own_work(user_id: int, *, project_id: int | None = None, held_before: bool = True) -> Q:
    """The records that are the user's own work (the module's rule 3), as a filter of a Record query.

    No query of its own, and little per row. With `project_id` (the rows are of that one
    project) the user's registered customers, their open tasks' records and the project's
    consultants are small sets, each read once by its index and hashed; a colleague's
    record then costs its own columns and one hash lookup, and only a record that names
    no consultant and was not started by one costs a probe of the registrations'
    (project, customer) index. Without `project_id` the same parts are index lookups
    correlated to each row's project. `held_before=False` leaves out the records of tasks
    the user closed (one more probe per row, by the record's tasks): the inbox's claim
    pools do without it; the records list and the record page keep it.
    """
    from kernel.models import CustomerRegistration

    from ..models import Task

    project = project_id if project_id is not None else OuterRef("project_id")
    consultants = Membership.objects.filter(project_id=project, role__in=sorted(OWN_WORK_ROLES)).order_by()
    holding = Task.objects.filter(Q(assignee_id=user_id) | Q(delegate_id=user_id), status="open").order_by()
    if project_id is not None:
        mine = Q(In(JsonId(F("data"), "customer_id"), CustomerRegistration.objects.filter(
            project_id=project_id, consultant_id=user_id).order_by().values("customer_id")))
        holding = holding.filter(project_id=project_id)
        started_by_a_consultant = Q(created_by_id__in=consultants.values("user_id"))
    else:
        mine = Q(Exists(CustomerRegistration.objects.filter(
            project_id=project, customer_id=JsonId(OuterRef("data"), "customer_id"), consultant_id=user_id)))
        started_by_a_consultant = Q(Exists(consultants.filter(user_id=OuterRef("created_by_id"))))
    # checked in this order, the probe last: a colleague's record is rejected by its own columns and a hash lookup
    no_consultant = ((Q(data__consultant_id__isnull=True) | Q(data__consultant_id=None))
                     & (Q(created_by__isnull=True) | ~started_by_a_consultant)
                     & ~Exists(CustomerRegistration.objects.filter(
                         project_id=project, customer_id=JsonId(OuterRef("data"), "customer_id"))))
    found = (Q(created_by_id=user_id) | Q(data__consultant_id=user_id) | colleagues_open_sql(project_id) | mine
             | Q(pk__in=holding.values("record_id")) | no_consultant)
    if held_before:
        found |= Exists(Task.objects.filter(closed_by_id=user_id, record_id=OuterRef("pk")))
    return found


def colleagues_open_sql(project_id: int | None = None):
    """`colleagues_open` for `project_id` (else the outer row's project), as a condition of the same query."""
    from kernel.models import Project

    on = Project.objects.filter(pk=project_id if project_id is not None else OuterRef("project_id"))
    if _default_open():  # a project that does not say keeps the schema's default
        return ~Exists(on.filter(**{f"settings__{COLLEAGUES_SETTING}": False}))
    return Exists(on.filter(**{f"settings__{COLLEAGUES_SETTING}": True}))


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
    whole, own = [], []
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
