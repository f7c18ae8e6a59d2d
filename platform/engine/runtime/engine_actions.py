"""The engine's own actions: set a field, start a linked record."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_noop

from definitions.errors import format_path
from definitions.model import Entity
from kernel.errors import shown

from .action_context import EngineActionContext
from .errors import ActionFailed
from .forms import error_pair


def set_field(ctx: EngineActionContext, *, field: str, value: object) -> None:
    """Set one field of the record, as the entity schema allows it, or fail the transition.

    Numbers come out of expressions as Decimal: a whole one goes into an integer (or
    number) field as a JSON integer, any other as a decimal string, as money is kept.
    The record with every change of the transition so far is checked against the
    entity schema, and an error about this field refuses the transition, naming it.
    """
    from ..versions import definition_for

    entity = definition_for(ctx.record).entity
    value = stored_value(value, entity.schema.get("properties", {}).get(field))
    problem = field_problem(entity, {**ctx.kernel.data, **ctx.kernel.changes}, field, value)
    if problem is not None:
        en, zh = problem
        value_en, value_zh = (_short(text) for text in shown(value))
        raise ActionFailed(gettext_noop("record.set: the field {field} cannot be set to {value_en}: {problem_en}"),
                           field=field, value_en=value_en, value_zh=value_zh, problem_en=en, problem_zh=zh)
    ctx.kernel.changes[field] = value


def stored_value(value: object, schema: object) -> object:
    """An expression's result as record data keeps it (JSON, money as decimal strings, dates as ISO text)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        types = schema.get("type") if isinstance(schema, Mapping) else None
        types = (types,) if isinstance(types, str) else tuple(types or ())
        if value.is_finite() and value == value.to_integral_value() and ("integer" in types or "number" in types):
            return int(value)
        return str(value)
    if isinstance(value, Mapping):
        return {k: stored_value(v, None) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [stored_value(v, None) for v in value]
    return value


def field_problem(entity: Entity, data: Mapping, field: str, value: object) -> tuple[str, str] | None:
    """What is wrong with `field` = `value` in the record `data`, in English and Chinese; None if nothing."""
    if field not in entity.field_names:
        return (f"{entity.name or 'the entity'} has no such field", f"{entity.name or '实体'}中没有该字段")
    for error in entity.validator.iter_errors({**data, field: value}):
        path = list(error.absolute_path)
        if path and path[0] == field:
            en, zh = error_pair(error)
            if len(path) > 1:  # inside an object or list: say where
                where = format_path(path)
                en, zh = f"{where}: {en}", f"{where}：{zh}"
            return en, zh
    return None


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def start_linked(ctx: EngineActionContext, *, flow: str, data: dict | None = None) -> None:
    from .records import start_child

    start_child(ctx.record, flow, data or {}, ctx.actor)


def fire_linked(ctx: EngineActionContext, *, flow: str, transition: str, data: dict | None = None) -> None:
    """Fire `transition` on the nearest record of `flow` this one descends from, in this transaction.

    Why: a deal unwound by one record (the area settlement's cancellation) must end the
    work its ancestors still hold open (the handover's appointment task and its timer).
    The linked record moves as by any transition (its guard, form check, actions, tasks,
    timers, one history entry saying which record moved it), in the same transaction,
    so a refusal there refuses this transition too. A linked record already closed is
    left as it is: there is nothing to end.
    """
    from ..models import Record
    from ..versions import definition_for
    from .step import Step

    linked = ctx.record.parent
    while linked is not None and linked.flow != flow:
        linked = linked.parent
    if linked is None:
        raise ActionFailed(gettext_noop("record.fire_linked: {reference} has no linked {flow} record"),
                           reference=ctx.record.reference, flow=flow)
    linked = Record.objects.select_for_update(of=("self",)).select_related("project").get(pk=linked.pk)
    if linked.is_closed:
        return
    definition = definition_for(linked)
    try:
        t = definition.transition(transition)
    except KeyError:
        raise ActionFailed(gettext_noop("record.fire_linked: the {flow} flow has no step '{transition}'"),
                           flow=flow, transition=transition) from None
    if linked.state not in t.sources:
        state = definition.state(linked.state).title
        title = t.title or None
        raise ActionFailed(
            gettext_noop("record.fire_linked: {reference} is {state_en}; '{step_en}' cannot be taken from there"),
            reference=linked.reference, state=linked.state, state_en=state.en, state_zh=state.zh,
            transition=transition, step_en=title.en if title else transition, step_zh=title.zh if title else transition)
    ctx.move(Step.begin(linked, ctx.actor, definition=definition), t, data or {}, comment=ctx.record.reference,
         details={"by": ctx.record.reference})


IMPLEMENTATIONS: dict[str, Callable[..., None]] = {
    "record.set": set_field, "record.start_linked": start_linked, "record.fire_linked": fire_linked}
