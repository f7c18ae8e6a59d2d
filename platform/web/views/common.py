"""What every page needs: the user's language and turning engine refusals into messages."""
from __future__ import annotations

from django.contrib import messages
from django.utils.translation import get_language

from engine.runtime import EngineError


def lang() -> str:
    return get_language() or "zh-hans"


def say(request, error: EngineError) -> None:
    messages.error(request, error.message(lang()))


def text(value, fallback: str = "") -> str:
    """A definition label in the user's language."""
    if value is None:
        return fallback
    return value.get(lang())
