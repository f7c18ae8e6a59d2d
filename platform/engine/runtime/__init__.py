"""The engine's service API: every page, API call and test goes through these functions.

See docs/engine.md. Each public function checks who may do what, runs in one database
transaction, and fails with an `EngineError` subclass whose message a user can act on.
"""
from .errors import (
    BadRequest,
    EngineError,
    GuardFailed,
    InvalidForm,
    NotPermitted,
    RecordChanged,
    RecordNotFound,
    TaskNotOpen,
    TransitionNotAvailable,
    UnitUnavailable,
)

__all__ = [
    "BadRequest", "EngineError", "GuardFailed", "InvalidForm", "NotPermitted", "RecordChanged", "RecordNotFound",
    "TaskNotOpen", "TransitionNotAvailable", "UnitUnavailable",
]
