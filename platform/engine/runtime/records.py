"""Starting records: numbered per project and flow, gapless, on the published version."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from kernel.models import Project

from ..models import FlowVersion, HistoryEntry, Record, RecordCounter, VersionStatus
from ..versions import definition_of
from . import history, rows, states
from .access import can_see, parse_roles, roles_in, roles_subquery
from .errors import CustomerProtected, NotPermitted, RecordNotFound, TransitionNotAvailable
from .forms import apply_form
from .step import Step


def start_record(user, project: Project, flow: str, data: dict | None = None, *, comment: str = "",
                 idempotency_key: str | None = None) -> Record:
    """Start a record of `flow` in `project` as `user`, on the flow's published version.

    With an idempotency key, a repeated request returns the record the first one made.
    """
    roles = roles_in(user, project.pk)
    if idempotency_key:
        existing = Record.objects.filter(project=project, start_key=idempotency_key).first()
        if existing is not None:
            return existing
    version = _published(project, flow)
    definition = definition_of(version)
    if not roles & set(definition.start.roles):
        # the English names the flow by its name (a test pins it), the Chinese by its title
        raise NotPermitted(gettext_noop("start a {flow} record"), definition.start.roles, declared=definition.roles,
                           flow=flow, flow_zh=definition.title.zh)
    _check_protection(user, roles, project, data or {})
    try:
        with transaction.atomic():
            return _create(project, version, definition, user, roles, data or {}, comment, idempotency_key,
                           parent=None, free_fields=definition.start.form is None)
    except IntegrityError:
        existing = Record.objects.filter(project=project, start_key=idempotency_key).first() if idempotency_key else None
        if existing is None:
            raise
        return existing  # the same request, raced: the first one won


def start_child(parent: Record, flow: str, data: dict, actor) -> Record:
    """Start a record linked to `parent` (inside the parent's transition transaction)."""
    project = parent.project
    version = _published(project, flow)
    definition = definition_of(version)
    return _create(project, version, definition, actor, roles_in(actor, project.pk), data, "", None,
                   parent=parent, free_fields=True)


def _published(project: Project, flow: str) -> FlowVersion:
    version = FlowVersion.objects.filter(project=project, flow=flow, status=VersionStatus.PUBLISHED).first()
    if version is None:
        raise TransitionNotAvailable(gettext_noop("{flow} is not published in {project}"), flow=flow,
                                     project=project.code)
    return version


def _create(project, version, definition, user, roles, data, comment, key, *, parent, free_fields) -> Record:
    now = timezone.now()
    initial = definition.state(definition.start.state)
    new_data, _ = apply_form(definition, definition.start.form, {}, data, partial=initial.partial,
                             free_fields=free_fields)
    number = _next_number(project, definition.name)
    record = Record.objects.create(
        project=project, version=version, flow=definition.name, number=number,
        reference=f"{definition.reference_prefix}-{number:06d}", state=initial.name, data=new_data,
        parent=parent, created_by=user if getattr(user, "is_authenticated", False) else None,
        entered_state_at=now, is_closed=initial.final, last_seq=1, start_key=key,
    )
    record.last_seq = 0  # the start entry below takes number 1, already stored by the INSERT
    actor = user if getattr(user, "is_authenticated", False) else None
    step = Step(record, definition, actor, roles, [], now)
    history.append(record, HistoryEntry.Kind.START, actor, to_state=initial.name, comment=comment,
                   changes=history.data_changes({}, new_data), save_seq=False, batch=step.batch,
                   details={"version": version.number, "parent": parent.reference if parent else None})
    states.enter(step)
    step.flush()
    return record


def _next_number(project, flow: str) -> int:
    """The next number of `flow` in `project`, gapless: the counter row stays locked until commit.

    One statement in the usual case (UPDATE … RETURNING, which both PostgreSQL and
    SQLite 3.35+ understand); the first record of a flow creates the counter.
    """
    table = RecordCounter._meta.db_table
    with rows.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE project_id = %s AND flow = %s RETURNING last",
                       [project.pk, flow])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    try:
        with transaction.atomic():
            RecordCounter.objects.create(project=project, flow=flow, last=1)
        return 1
    except IntegrityError:
        return _next_number(project, flow)  # another request created it first; take the next


def visible_record(user, record_id: int | None, *,
                   task_id: int | None = None) -> tuple[Record, frozenset[str]]:
    """The record (by id, or the record of a task) and the user's roles in its project.

    RecordNotFound if there is none or the user cannot see it: the message is the same
    either way, so nothing leaks about other projects. To change the record, lock it
    with `locked_record` instead.
    """
    query = Record.objects.select_related("project").annotate(version_hash=F("version__content_hash"))
    authenticated = getattr(user, "is_authenticated", False)
    if authenticated:
        query = query.annotate(my_roles=roles_subquery(user))
    record = (query.filter(tasks__pk=task_id) if task_id is not None
              else query.filter(pk=record_id) if record_id is not None else query.none()).first()
    if record is None:
        raise RecordNotFound("task" if task_id is not None else "record")
    roles = parse_roles(getattr(record, "my_roles", None) if authenticated else None)
    _check_visible(user, record, roles)
    return record, roles


def locked_record(user, record_id: int | None, *, task_id: int | None = None, idempotency_key: str | None = None,
                  voter_id: int | None = None) -> rows.Locked:
    """`visible_record` locked for the transaction, with its open tasks, in one round trip."""
    authenticated = getattr(user, "is_authenticated", False)
    found = rows.lock(user.pk if authenticated else None, record_id=record_id, task_id=task_id,
                      idempotency_key=idempotency_key, voter_id=voter_id)
    if found is None:
        raise RecordNotFound("task" if task_id is not None else "record")
    _check_visible(user, found.record, found.roles)
    return found


def _check_visible(user, record: Record, roles: frozenset[str]) -> None:
    if not can_see(user, record.project_id, roles):
        raise RecordNotFound()


# The fields naming the customer a record is about (the deal's customer): protection guards them.
# Co-buyers (buyers[].customer_id) and a referrer (referrer_id) are not the deal's customer.
PROTECTED_FIELDS = ("customer_id", "owner_customer_id", "buyer_customer_id")


def _check_protection(user, roles: frozenset[str], project: Project, *datas) -> None:
    """Refuse a person bound by another consultant's protection of a customer the data names (撞单/飞单).

    Every action a person takes asks it (start, fire, claim, complete, vote) with the roles
    already loaded with the record: managers and unbound roles cost no query, nor do
    timers and other system actors (no user), who are never refused. The kernel keeps the rule.
    """
    if not getattr(user, "is_authenticated", False):
        return
    from kernel.protection import ensure_may_act, is_bound

    if not is_bound(roles, project):
        return
    customer_ids = sorted({value for data in datas if data for key in PROTECTED_FIELDS
                           if isinstance(value := data.get(key), int) and not isinstance(value, bool)})
    from kernel import errors as kernel_errors

    for customer_id in customer_ids:
        try:
            ensure_may_act(project_id=project.pk, customer_id=customer_id, user_id=user.pk, roles=roles)
        except kernel_errors.CustomerProtected as exc:
            raise CustomerProtected(exc) from exc


def check_protection(user, roles: frozenset[str], record: Record, form: dict | None = None) -> None:
    """`_check_protection` for an action on a record (and the customer its form would set)."""
    _check_protection(user, roles, record.project, record.data, form)


def lineage(record: Record) -> list[int]:
    """The record's id and its ancestors' (a deal is at most four levels deep), in one query.

    What a deal's money and paper are read over: the schedule and the receipts may belong
    to the subscription while the page shows its contract.
    """
    ids = [record.pk]
    if record.parent_id is None:
        return ids
    row = (Record.objects.filter(pk=record.parent_id)
           .values_list("pk", "parent_id", "parent__parent_id", "parent__parent__parent_id").first())
    return ids + [i for i in (row or ()) if i is not None]
