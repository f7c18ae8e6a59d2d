"""The context the engine's own actions take (engine.runtime.engine_actions), beyond the kernel's.

Its own module so that `actions`, which runs a transition's actions, and `engine_actions`, the
actions themselves, both import it and neither imports the other back for it. `move` is the
transition runner (engine.runtime.transitions.move), handed in by it: `record.fire_linked` moves
a linked record as any transition does, and importing the runner would make a loop of imports
(transitions -> actions -> engine_actions -> transitions).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kernel.actions import ActionContext

if TYPE_CHECKING:
    from ..models import Record


@dataclass
class EngineActionContext:
    """What the engine's own actions need beyond the kernel's context."""

    kernel: ActionContext
    record: Record
    actor: Any  # a user, or None for the system (a timer)
    move: Callable[..., object]  # engine.runtime.transitions.move, for record.fire_linked
