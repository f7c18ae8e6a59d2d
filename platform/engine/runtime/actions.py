"""Running a transition's actions: check `when`, evaluate arguments, call the provider, translate refusals."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils.translation import gettext_noop

from definitions.expressions import Expression, ExpressionRuntimeError
from definitions.model import ActionCall
from extensions import registry
from kernel import actions as kernel_actions
from kernel import errors as kernel_errors
from kernel.errors import KernelError

from . import engine_actions
from .action_context import EngineActionContext
from .errors import ActionFailed, UnitUnavailable


def evaluate_args(call: ActionCall, names: Mapping) -> dict:
    """The call's arguments as values; a date becomes ISO text (`2026-06-01`), as record data keeps dates."""
    def value(v):
        if isinstance(v, Expression):
            try:
                result = v.evaluate(names)
            except ExpressionRuntimeError as exc:
                raise ActionFailed(gettext_noop("action {action}: {source}: {problem_en}"), action=call.action,
                                   source=v.source, problem_en=str(exc), problem_zh=exc.zh) from exc
            return result.isoformat() if isinstance(result, date) else result
        if isinstance(v, Mapping):
            return {k: value(x) for k, x in v.items()}
        return v

    return {k: value(v) for k, v in call.args.items()}


def applies(call: ActionCall, names: Mapping) -> bool:
    """Whether the call's `when` holds (a call without one always applies)."""
    if call.when is None:
        return True
    try:
        return bool(call.when.evaluate(names))
    except ExpressionRuntimeError as exc:
        raise ActionFailed(
            gettext_noop("action {action}: its condition could not be checked: {problem_en} (in {source})"),
            action=call.action, source=call.when.source, problem_en=str(exc), problem_zh=exc.zh) from exc


def run(call: ActionCall, names: Mapping, ctx: EngineActionContext) -> bool:
    """Run one action of a transition, unless its `when` is false; say whether it ran.

    `when` and the arguments see the same names as the transition's guard: the record
    as the form left it, before any action of this transition wrote to it.
    """
    if not applies(call, names):
        return False
    args = evaluate_args(call, names)
    engine_impl = engine_actions.IMPLEMENTATIONS.get(call.action)
    if engine_impl is not None:
        engine_impl(ctx, **args)
        return True
    impl = kernel_actions.IMPLEMENTATIONS.get(call.action) or registry.implementation(call.action)
    if impl is None:
        raise ActionFailed(gettext_noop("action {action} is declared but not available in this installation"),
                           action=call.action)
    try:
        impl(ctx.kernel, **args)
    except KernelError as exc:  # plugins' refusals are KernelErrors too
        if isinstance(exc, kernel_errors.UnitUnavailable):
            raise UnitUnavailable(exc) from exc
        # the kernel's (or plugin's) words from its template and params; its code stays in `refused`
        raise ActionFailed(exc.template, refused=exc.code, **exc.params) from exc
    return True
