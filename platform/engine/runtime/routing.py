"""Where a transition leads (its guarded branches), and whether a step is worth offering.

A transition's `to` may be a list of branches tried in order, like BPMN's exclusive
gateway; the first whose `when` holds wins. Branch conditions read the same names as
the guard, with the record as the form left it, before any action runs.

A step is *not offered* when its guard (or every branch) is already false on the
record's data and nothing the user could type in the step's form would change that:
the condition reads no field of the form. Firing it could only be refused, so a page
should not lay it out as something to do.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from definitions.expressions import Expression, ExpressionRuntimeError
from definitions.model import FlowDefinition, Text, Transition

from .errors import GuardFailed


def partial_for(definition: FlowDefinition, t: Transition) -> bool | None:
    """Whether the form may leave required fields empty: the destinations' `partial`.

    None when the branches lead to states that disagree: the branch must be chosen first.
    """
    flags = {definition.state(state).partial for state in t.target_states}
    return flags.pop() if len(flags) == 1 else None


def choose_target(definition: FlowDefinition, t: Transition, scope: Mapping[str, object]) -> str:
    """The state this firing of `t` enters; GuardFailed when no branch holds or one cannot be computed."""
    if not t.branches:
        return t.to
    for branch in t.targets:
        if branch.when is None:
            return branch.state
        try:
            if branch.when.evaluate(scope):
                return branch.state
        except ExpressionRuntimeError as exc:
            en, zh = _titles(t)
            raise GuardFailed(gettext_noop("where '{step_en}' leads could not be worked out: {problem_en} (in {guard})"),
                              guard=branch.when.source, transition=t.name, step_en=en, step_zh=zh,
                              problem_en=str(exc), problem_zh=exc.zh) from exc
    raise no_route(definition, t)


def no_route(definition: FlowDefinition, t: Transition) -> GuardFailed:
    """The refusal when no branch holds: the author's guard_message if there is one."""
    conditions = "; ".join(b.when.source for b in t.targets if b.when is not None)
    if t.guard_message:
        return GuardFailed.authored(t.guard_message, guard=conditions, transition=t.name)
    en, zh = _titles(t)
    states = [definition.state(s).title for s in t.target_states]
    return GuardFailed(
        gettext_noop("'{step_en}' cannot go to {states_en} now: none of its conditions holds ({guard})"),
        guard=conditions, transition=t.name, step_en=en, step_zh=zh,
        states_en=" or ".join(s.en for s in states), states_zh="或".join("「" + s.zh + "」" for s in states))


@dataclass(frozen=True)
class Offer:
    offered: bool
    reason: Text | None = None  # why not, in words, when it is not offered


OFFERED = Offer(True)


def offer(definition: FlowDefinition, t: Transition, scope: Mapping[str, object]) -> Offer:
    """Whether `t` can still succeed on the record as it is, judged only where the form cannot matter.

    `scope` holds the names for the record's current data (no form). A condition that
    reads a field of the step's form, or that cannot be computed, leaves the step offered
    when it reads the form, and not offered otherwise (firing would fail the same way).
    """
    if t.guard is not None and not reads_form(t.guard, t):
        try:
            holds = bool(t.guard.evaluate(scope))
        except ExpressionRuntimeError:
            holds = False
        if not holds:
            return Offer(False, t.guard_message or _generic(t))
    conditions = [b.when for b in t.targets if b.when is not None]
    if not conditions or any(reads_form(c, t) for c in conditions):
        return OFFERED
    try:
        choose_target(definition, t, scope)
    except GuardFailed as refusal:
        return Offer(False, Text(refusal.message("zh"), refusal.message("en")))
    return OFFERED


def reads_form(expression: Expression, t: Transition) -> bool:
    """Whether what the user types in `t`'s form can change the expression's value."""
    if t.form is None:
        return False
    typed = set(t.form.fields)
    for chain in expression.fields_used:
        if chain[0] == "form" or (chain[0] == "record" and len(chain) > 1 and chain[1] in typed):
            return True
    return False


def _titles(t: Transition) -> tuple[str, str]:
    return (t.title.en, t.title.zh) if t.title else (t.name, t.name)


def _generic(t: Transition) -> Text:
    en, zh = _titles(t)
    return Text(f"「{zh}」的条件目前不满足", f"the conditions of '{en}' are not met now")
