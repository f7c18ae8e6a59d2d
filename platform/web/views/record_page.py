"""A record's page: approvals first, then the current step with its form, the summary in
business words, open tasks with their actions, deadlines, history and linked records.

A fixed number of queries whatever the number of fields, tasks, votes or history
entries: every kind of row is read once for the page (tests/web/test_record_page.py).

A viewer another consultant's protection of the customer binds is offered nothing the
engine would refuse them: one notice at the top says whose customer it is until when and
whom to ask (`protection_notice`), instead of step forms, claims, completions and votes.

A member of the project who may not see the record (engine.runtime.visibility: a role
with no part in its flow, or a consultant and another consultant's work) is told so in
words on a 403 page, naming the record and whom to ask; a stranger to the project still
gets the 404 that says nothing about it. The check costs one query, and only for
consultants and channel agents, whose own work it asks about.
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import Membership
from engine.models import HistoryEntry, Record, Task, Timer, Vote
from engine.runtime import transitions
from engine.runtime.access import MANAGER_ROLES
from engine.runtime.records import PROTECTED_FIELDS
from engine.versions import definition_for
from kernel import personal_fields
from web.display import Display, References, collect_all, moment

from .common import lang, refused, text
from .lookups import form_options
from .record_access import RecordHidden, visible
from .record_documents import documents_section
from .record_history import Titles, entries
from .record_money import receivables_section
from .record_steps import build_steps, split_steps
from .record_tasks import approval_views, colleagues, deadlines, holder_text, task_views


def send_back_targets(definition, story, current: str) -> list[tuple[str, str]]:
    """States the record has been in that a send back may return it to: (name, title), latest first."""
    seen: list[str] = []
    for entry in reversed(story):
        state = entry.to_state
        if state and state != current and state not in seen:
            try:
                if definition.state(state).final:
                    continue
            except KeyError:
                continue
            seen.append(state)
    return [(s, text(definition.state(s).title, s)) for s in seen]


def can_withdraw(story, state: str, user) -> bool:
    """The engine's rule for 撤回, read off the history already loaded: my last move here, nobody acted since."""
    last = next((e for e in reversed(story) if e.kind == HistoryEntry.Kind.TRANSITION and e.to_state == state), None)
    if last is None or last.actor_id != user.pk:
        return False
    return all(e.kind == HistoryEntry.Kind.ESCALATE for e in story if e.seq > last.seq)


def protection_notice(user, roles: frozenset[str], record) -> str:
    """The notice for a viewer whom another consultant's protection of the record's customer binds, else "".

    The engine's rule (engine.runtime.records.check_protection: the deal's customer fields,
    kernel.protection for the rule), asked once for the page with the roles it has: no query
    for a manager or an unbound role, one per customer the record names otherwise. Such a
    viewer would be refused every step, claim, completion, vote, send back and withdrawal.
    """
    from kernel.errors import CustomerProtected
    from kernel.protection import ensure_may_act, is_bound

    if not getattr(user, "is_authenticated", False) or not is_bound(roles, record.project):
        return ""
    data = record.data or {}
    for customer_id in sorted({v for key in PROTECTED_FIELDS
                               if isinstance(v := data.get(key), int) and not isinstance(v, bool)}):
        try:
            ensure_may_act(project_id=record.project_id, customer_id=customer_id, user_id=user.pk, roles=roles)
        except CustomerProtected as refusal:
            return _("This customer is protected for %(consultant)s until %(until)s: ask %(consultant)s or a "
                     "sales manager.") % {"consultant": refusal.params["consultant"],
                                          "until": moment(refusal.params["until_at"], record.project.zone)}
    return ""


def render_page(request, record_id: int, bound: dict | None = None):
    """The record's page; `bound` holds the posted form of a step that failed, shown with its errors."""
    bound = bound or {}
    record, roles = visible(request, record_id)
    definition = definition_for(record)
    schema = definition.entity.schema
    user = request.user
    visit_tasks = list(Task.objects.filter(record=record, visit=record.revision, state=record.state)
                       .select_related("assignee", "delegate").order_by("pk"))
    open_tasks = [t for t in visit_tasks if t.status == "open"]
    history = list(record.history.select_related("actor").order_by("seq"))
    votes = list(Vote.objects.filter(task__in=[t.pk for t in visit_tasks if t.kind == "approval"])
                 .select_related("user").order_by("at")) if any(t.kind == "approval" for t in visit_tasks) else []
    timers = list(Timer.objects.filter(record=record, status="pending").order_by("due_at"))
    members = colleagues(Membership.objects.filter(project_id=record.project_id, user__is_active=True)
                         .select_related("user"))
    refs = References.load(collect_all(schema, [record.data, *(
        {k: v for k, pair in e.changes.items() for v in pair[1:]} for e in history if e.changes), *(
        {k: pair[0] for k, pair in e.changes.items()} for e in history if e.changes)]),
        project_id=record.project_id, viewer=user, owners=personal_fields.owners(record.data))
    zone = record.project.zone
    display = Display(refs, lang(), zone, schema)
    titles = Titles(definition)

    options = form_options(request, record.project, definition)
    protected = protection_notice(user, roles, record)
    available = transitions.available_on(record, roles, open_tasks, user)
    if protected:  # nothing the engine would refuse: only a step just refused, shown again as typed
        available = [a for a in available if a.name in bound]
    steps = build_steps(request, record, definition, available, bound, options)
    primary, more, danger = split_steps(steps, open_tasks, user, record.state)
    acts_here = any(t.assignee_id == user.pk or (t.assignee_id is None and roles & set(t.roles)) for t in open_tasks)
    views = task_views(definition, record, open_tasks, user, roles, members, titles, zone)
    approvals = approval_views(definition, record, visit_tasks, votes, user, roles, members, titles, display)
    if protected:
        for view in views:
            view.can_claim = view.can_complete = False
        for panel in approvals:
            panel.vote_task = None
    children = list(Record.objects.filter(parent=record).annotate(version_hash=F("version__content_hash"))
                    .order_by("pk"))
    return render(request, "web/record.html", {
        "record": record, "flow_title": text(definition.title), "state_title": titles.state(record.state),
        "is_final": definition.state(record.state).final,
        "summary": display.fields(schema, record.data), "holder": holder_text(open_tasks),
        "approvals": approvals, "protected_notice": protected,
        "primary": primary, "more_steps": more, "danger_steps": danger, "form_template": "web/widgets/form.html",
        "tasks": views, "task_actions": any(v.has_actions for v in views),
        "deadlines": deadlines(definition, timers, titles, zone),
        "send_back_to": send_back_targets(definition, history, record.state)
        if open_tasks and (acts_here or roles & MANAGER_ROLES) and not protected else [],
        "can_withdraw": can_withdraw(history, record.state, user) and not protected,
        "history": entries(history, titles, display, schema),
        "parent": record.parent, "children": [(c, text(definition_for(c).state(c.state).title, c.state),
                                               text(definition_for(c).title)) for c in children],
        "nothing_to_do": _("There is nothing you can do on this record now."),
        "parent_words": _parent_words(record.parent),
        "receivables": receivables_section(record),
        "documents": documents_section(record),
    }, status=400 if bound else 200)


def _parent_words(parent) -> str:
    """The parent record's flow and state, as its own definition titles them."""
    if parent is None:
        return ""
    definition = definition_for(parent)
    return f"{text(definition.title)} · {text(definition.state(parent.state).title, parent.state)}"


@login_required
def record_page(request, record_id: int):
    try:
        return render_page(request, record_id)
    except RecordHidden as hidden:
        return refused(request, hidden.record.project, hidden.words)
