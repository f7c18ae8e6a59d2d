"""A notification's words, in the reader's language (made at read time from kind and params)."""
from __future__ import annotations

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from .models import Kind


def title(kind: str, params: dict) -> str:
    zh = (get_language() or "").startswith("zh")
    task = params.get("task_zh" if zh else "task_en") or ""
    ref = params.get("reference", "")
    if kind == Kind.TASK_ASSIGNED:
        return _("“%(task)s” of %(reference)s is assigned to you") % {"task": task, "reference": ref}
    if kind == Kind.TASK_OFFERED:
        return _("“%(task)s” of %(reference)s is waiting for your role") % {"task": task, "reference": ref}
    if kind == Kind.TASK_ESCALATED:
        return _("“%(task)s” of %(reference)s is overdue and escalated to you") % {"task": task, "reference": ref}
    if kind == Kind.SENT_BACK:
        return _("%(reference)s was sent back to you: %(reason)s") % {"reference": ref,
                                                                     "reason": params.get("comment", "")}
    if kind == Kind.APPROVAL_DECIDED:
        if params.get("decision") == "reject":
            return _("“%(task)s” of %(reference)s was rejected") % {"task": task, "reference": ref}
        return _("“%(task)s” of %(reference)s was approved") % {"task": task, "reference": ref}
    if kind == Kind.RESERVATION_EXPIRING:
        return _("Reservation %(reference)s expires at %(when)s") % {"reference": ref, "when": _when(params)}
    if kind == Kind.FOLLOW_UPS_DUE:
        count = int(params.get("count", 0))
        return ngettext("%(count)d follow-up due today in %(project)s",
                        "%(count)d follow-ups due today in %(project)s", count) % {
            "count": count, "project": params.get("project", "")}
    return ref


def _when(params: dict) -> str:
    """The moment in params ("due_at", ISO) in the project's zone ("zone"), with the zone named."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from kernel.zones import local_text

    try:
        return local_text(datetime.fromisoformat(params["due_at"]), ZoneInfo(params["zone"]))
    except (KeyError, ValueError):
        return ""
