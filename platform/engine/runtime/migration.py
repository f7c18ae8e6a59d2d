"""Moving running records from one version of a flow to a newer one.

An admin maps old states to new ones (states with the same name map to themselves).
A dry run lists per record what would happen; a record is refused when its state has
no counterpart, when open work would be lost (an open task whose name the target
state does not open), or when its data does not fit the new entity schema. The move
runs one transaction per record and writes a history entry; refused records stay as
they are.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_noop

from definitions.errors import format_path
from definitions.model import FlowDefinition
from kernel.models import Project

from ..models import FlowVersion, HistoryEntry, Record, Task, TaskStatus, Timer, TimerStatus
from ..versions import definition_of
from . import history, states
from .access import ADMIN_ROLES, can_administer, roles_in
from .errors import NotPermitted, RecordNotFound
from .forms import error_pair


@dataclass(frozen=True)
class Step:
    """What happens (or would happen) to one record."""

    reference: str
    from_state: str
    to_state: str | None
    moved: bool
    reason: str = ""      # why the record stays, in English; empty: it moves
    reason_zh: str = ""   # the same in Chinese

    def render(self, lang: str = "en") -> str:
        zh = lang.startswith("zh")
        if self.to_state is None or self.reason:
            if zh:
                return f"{self.reference}：留在 {self.from_state}：{self.reason_zh or self.reason}"
            return f"{self.reference}: stays in {self.from_state}: {self.reason}"
        if zh:
            return f"{self.reference}：{'已迁移' if self.moved else '将迁移'} {self.from_state} → {self.to_state}"
        verb = "moved" if self.moved else "would move"
        return f"{self.reference}: {verb} {self.from_state} → {self.to_state}"


def newly_required(old: FlowDefinition, new: FlowDefinition) -> list[str]:
    """The entity fields the new version requires and the old one did not: running records may lack them."""
    before = set(old.entity.schema.get("required", ()))
    return [name for name in new.entity.schema.get("required", ()) if name not in before]


def published_defaults(old: FlowDefinition, new: FlowDefinition) -> dict[str, object]:
    """The defaults the new version's schema gives the fields it newly requires (chosen at publish)."""
    properties = new.entity.schema.get("properties", {})
    return {name: properties[name]["default"] for name in newly_required(old, new)
            if isinstance(properties.get(name), Mapping) and "default" in properties[name]}


def migrate(user, project: Project, flow: str, from_number: int, to_number: int,
            state_map: Mapping[str, str] | None = None, *, references: Iterable[str] | None = None,
            states: Iterable[str] | None = None, values: Mapping[str, object] | None = None,
            dry_run: bool = True, progress: Callable[[Step, int], None] | None = None) -> list[Step]:
    """Plan (dry_run) or perform the move of running records between two versions.

    `states` limits the move to records in those states of the old version; `values`
    fills fields a record lacks (a field the new version requires) and never
    overwrites what a record holds; the move's history entry names the fields filled.
    `progress(step, total)` is told after each record moved or refused (a job's progress).
    """
    if not can_administer(user, roles_in(user, project.pk)):
        raise NotPermitted(gettext_noop("move records to another version"), sorted(ADMIN_ROLES))
    old = _version(project, flow, from_number)
    new = _version(project, flow, to_number)
    target_definition = definition_of(new)
    state_map = dict(state_map or {})
    query = Record.objects.filter(project=project, version=old, is_closed=False).order_by("pk")
    if references is not None:
        query = query.filter(reference__in=list(references))
    if states is not None:
        query = query.filter(state__in=list(states))
    # a default the admin chose when publishing (for a field the version newly requires)
    # fills records lacking it, as the publish said; values given here win over it
    values = {**published_defaults(definition_of(old), target_definition), **dict(values or {})}
    if dry_run:  # one query for the records, one for their open tasks
        open_tasks = Prefetch("tasks", queryset=Task.objects.filter(status=TaskStatus.OPEN), to_attr="open_tasks")
        return [_plan(record, target_definition, state_map, values) for record in query.prefetch_related(open_tasks)]
    ids = list(query.values_list("pk", flat=True))
    steps = []
    for record_id in ids:
        steps.append(_move_one(record_id, new, target_definition, state_map, user, values))
        if progress is not None:
            progress(steps[-1], len(ids))
    return steps


def _filled(record: Record, values: Mapping[str, object]) -> dict:
    """The supplied values for the fields this record lacks (its own values always win)."""
    data = record.data if isinstance(record.data, dict) else {}
    return {k: v for k, v in values.items() if data.get(k) in (None, "")}


def _version(project: Project, flow: str, number: int) -> FlowVersion:
    version = FlowVersion.objects.filter(project=project, flow=flow, number=number).first()
    if version is None:
        raise RecordNotFound(f"version {number} of {flow}")
    return version


def _plan(record: Record, definition: FlowDefinition, state_map: Mapping[str, str],
          values: Mapping[str, object] | None = None) -> Step:
    target = state_map.get(record.state, record.state)
    names = {s.name for s in definition.states}
    if target not in names:
        return Step(record.reference, record.state, None, False,
                    f"state '{record.state}' has no counterpart in the new version; map it",
                    f"状态“{record.state}”在新版本中没有对应状态；请为它指定映射")
    target_tasks = {t.name for t in definition.state(target).tasks}
    open_tasks = getattr(record, "open_tasks", None)
    if open_tasks is None:
        open_tasks = record.tasks.filter(status=TaskStatus.OPEN)
    lost = sorted({t.name for t in open_tasks} - target_tasks)
    if lost:
        return Step(record.reference, record.state, target, False,
                    f"open work would be lost: {', '.join(lost)} (not opened by '{target}')",
                    f"未完成的任务会丢失：{'、'.join(lost)}（“{target}”不会开启它们）")
    data = {**record.data, **_filled(record, values or {})}
    errors = [e for e in definition.entity.validator.iter_errors(data)
              if not (e.validator == "required" and definition.state(target).partial)]
    if errors:
        en, zh = _said(errors[0])
        return Step(record.reference, record.state, target, False,
                    f"its data does not fit the new schema: {en}", f"其数据不符合新版本的结构：{zh}")
    return Step(record.reference, record.state, target, False)


def _move_one(record_id: int, version: FlowVersion, definition: FlowDefinition,
              state_map: Mapping[str, str], user, values: Mapping[str, object] | None = None) -> Step:
    with transaction.atomic():
        record = Record.objects.select_for_update().get(pk=record_id)
        step = _plan(record, definition, state_map, values)
        if step.reason:
            return step
        now = timezone.now()
        old_version, from_state = record.version, record.state
        filled = _filled(record, values or {})
        assert step.to_state is not None, "a plan without a reason names the state"
        record.version, record.state, record.revision = version, step.to_state, record.revision + 1
        details: dict[str, object] = {"from_version": old_version.number, "to_version": version.number}
        if filled:
            record.data = {**record.data, **filled}
            details["filled"] = filled  # which fields the move gave the record, and their values
        history.append(record, HistoryEntry.Kind.MIGRATE, user, from_state=from_state, to_state=record.state,
                       details=details, save_seq=False)
        record.save(update_fields=["version", "state", "revision", "last_seq", "updated_at", "data"])
        # Open tasks carry over (same names); they now belong to the new visit.
        Task.objects.filter(record=record, status=TaskStatus.OPEN).update(state=record.state, visit=record.revision)
        _restart_timers(record, definition, now)
        return Step(step.reference, from_state, record.state, True)


def _restart_timers(record: Record, definition: FlowDefinition, now) -> None:
    """Timers follow the new definition, counted from when the record entered its state."""
    Timer.objects.filter(record=record, status=TimerStatus.PENDING, task__isnull=True).update(
        status=TimerStatus.CANCELLED)
    Timer.objects.filter(record=record, status=TimerStatus.PENDING).update(visit=record.revision)
    timers = states.flow_timers(record, definition, since=record.entered_state_at, not_before=now)
    if timers:
        Timer.objects.bulk_create(timers)


def _said(error) -> tuple[str, str]:
    """The first misfit of a record's data, led by the field it is in (the record page names no field)."""
    en, zh = error_pair(error)
    where = format_path(list(error.absolute_path))
    return (f"{where}: {en}", f"{where}：{zh}") if where else (en, zh)
