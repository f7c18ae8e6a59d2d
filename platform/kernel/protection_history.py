"""A customer's protection history (防撞单), in words: who had them, since when, who moved them and why.

Read from CustomerRegistration's simple_history rows, compared each with the one before
it in the same project: a registration (registered to X), a claim after the protection
ended (claimed by Y after X's protection ended), a manager's reassignment (reassigned from
X to Y by Z, with the reason), a renewal (a manager reassigned to the same consultant), and
a release on expiry (kernel.protection_release). Other changes of the row (a follow-up's
stage, the next follow-up date) are not about protection and are left out.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from .models.customers import CustomerRegistration
from .models.projects import Project
from .protection_release import RELEASED_NOTE
from .zones import local_text


def protection_history(customer_id: int, project_ids: Iterable[int]) -> list[dict]:
    """The protection events of the customer in these projects, oldest first, in the active language.

    Each event is a dict: `kind` (registered, claimed, reassigned, renewed, released), `at`
    (an aware datetime), `text` (a sentence, times in the project's zone, named once at its start), `project` (its
    code), `consultant` (who has the customer after the event), `previous` (who had them
    before, or None), `by` (who did it, None for the system), `reason` (a manager's reason,
    else "") and `until` (the end of the protection the event started, or None).
    Three queries, whatever the length of the history.
    """
    project_ids = list(project_ids)
    rows = list(CustomerRegistration.history.filter(customer_id=customer_id, project_id__in=project_ids)
                .order_by("history_id"))
    if not rows:
        return []
    people = {u.pk: str(u) for u in get_user_model().objects.filter(
        pk__in={pk for r in rows for pk in (r.consultant_id, r.reassigned_by_id, r.history_user_id) if pk})}
    projects = {p.pk: p for p in Project.objects.filter(pk__in={r.project_id for r in rows})}
    events: list[dict] = []
    last: dict[int, object] = {}  # project id -> the row before, while the registration exists
    for row in rows:
        before = last.get(row.project_id)
        last[row.project_id] = None if row.history_type == "-" else row
        event = _event(row, before, people, projects[row.project_id])
        if event is not None:
            events.append(event)
    return events


def _event(row, before, people: dict[int, str], project: Project) -> dict | None:
    zone = project.zone

    def when(moment, with_zone: bool = False) -> str:  # 2026年5月31日 10:00 / 2026-05-31 10:00
        return local_text(moment, zone, with_zone=with_zone)

    consultant = people.get(row.consultant_id, "?")
    previous = people.get(before.consultant_id, "?") if before is not None else None
    by = people.get(row.history_user_id) if row.history_user_id else None
    base = {"at": row.history_date, "project": project.code, "consultant": consultant, "previous": previous,
            "by": by, "reason": "", "until": row.protected_until}
    words = {"consultant": consultant, "previous": previous, "by": by or "", "project": project.code,
             "until": when(row.protected_until), "at": when(row.history_date, with_zone=True)}
    if row.history_type == "+" or before is None:
        if row.history_type == "-":
            return None
        if row.reassigned_by_id:
            reason = row.note
            return {**base, "kind": "reassigned", "reason": reason, "text": _(
                "%(at)s: assigned to %(consultant)s in %(project)s by %(by)s, protected until %(until)s "
                "(reason: %(reason)s)") % {**words, "reason": reason}}
        return {**base, "kind": "registered", "text": _(
            "%(at)s: registered to %(consultant)s in %(project)s, protected until %(until)s") % words}
    if row.history_type != "~":
        return None
    if row.released_at is not None and before.released_at is None:
        return {**base, "kind": "released", "by": None, "until": None, "text": _(
            "%(at)s: %(consultant)s's protection in %(project)s ran out and was released") % words}
    handed_over = row.consultant_id != before.consultant_id or row.registered_at != before.registered_at
    if not handed_over:
        return None
    if row.reassigned_by_id:
        reason = row.note
        kind = "reassigned" if row.consultant_id != before.consultant_id else "renewed"
        text = (_("%(at)s: reassigned from %(previous)s to %(consultant)s in %(project)s by %(by)s, protected until "
                  "%(until)s (reason: %(reason)s)") if kind == "reassigned" else
                _("%(at)s: %(by)s renewed %(consultant)s's protection in %(project)s until %(until)s "
                  "(reason: %(reason)s)"))
        return {**base, "kind": kind, "reason": reason, "text": text % {**words, "reason": reason}}
    return {**base, "kind": "claimed", "text": _(
        "%(at)s: claimed by %(consultant)s in %(project)s after %(previous)s's protection ended, "
        "protected until %(until)s") % words}


__all__ = ["RELEASED_NOTE", "protection_history"]
