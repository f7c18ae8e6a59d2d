"""Whether the user may see a record, and the words saying why not (record page, its documents,
task actions, bulk claims).

Its own module so that the record page and the pieces of it that check access on their own
(web.views.record_documents) both import it, and neither imports the other back for it.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from engine.runtime import RecordNotFound
from engine.runtime.records import visible_record
from engine.runtime.visibility import Sight, unseen
from engine.versions import definition_for

from .common import lang, roles_text, text


class RecordHidden(PermissionDenied):
    """A member of the record's project who may not see it; `words` say why, in the user's language."""

    def __init__(self, record, words: str):
        super().__init__(words)
        self.record, self.words = record, words


def visible(request, record_id: int | None = None, *, task_id: int | None = None):
    """The record (or a task's record) and the user's roles in its project.

    404 if there is none or the user is not a member of its project; RecordHidden (403)
    if they are but may not see it (`hidden_words`).
    """
    try:
        record, roles = visible_record(request.user, record_id, task_id=task_id)
    except RecordNotFound as error:
        raise Http404(error.message(lang())) from error
    definition = definition_for(record)
    seen = unseen(request.user, [(record, definition, roles)]).get(record.pk)
    if seen is not None:
        raise RecordHidden(record, hidden_words(record, definition, roles, seen))
    return record, roles


def hidden_words(record, definition, roles: frozenset[str], seen: Sight) -> str:
    """Why this member may not see the record, naming it and whom to ask (record page, bulk claims)."""
    if seen is Sight.NONE:
        return _("%(reference)s is a %(flow)s record, and your roles in %(project)s (%(roles)s) take no part in "
                 "the %(flow)s flow. A sales manager, the project director or a project admin can open it; ask a "
                 "project admin for a role in that flow if your work needs it.") % {
            "reference": record.reference, "flow": text(definition.title, definition.name),
            "project": record.project.name,
            "roles": roles_text(roles, definition.roles)}
    return _("%(reference)s is another consultant's work. You see the records you started or have held a task on, "
             "those naming you as their consultant, your own customers' records, and those no consultant holds yet. "
             "Ask a sales manager if you should take it over.") % {"reference": record.reference}
