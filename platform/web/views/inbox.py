"""The staff inbox: views (mine, my group's, claimable, overdue, sent back), search, sort, filters, paging.

The page reads a fixed number of queries whatever the rows: the memberships, the
published flows (for the filter choices and titles), the search's customers and
units, the page's ids and rows, its count and the other views' capped counts, the
page's units and customers, the saved filters; and the follow-up reminders (one query,
two for a manager: views/customer_list.reminders).
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Subquery
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from engine.models import HistoryEntry, Record, Task
from engine.runtime import EngineError, approvals, tasks
from engine.runtime.inbox import inbox, matching_records
from engine.runtime.visibility import unseen
from engine.versions import definition_by_id
from forms.parsing import parse_key
from kernel.access import memberships_of
from kernel.models import Project
from web.models import SavedFilter

from .common import lang, task_title, text
from .customer_list import reminders
from .dunning_panel import notices_for
from .list_filters import ORDERS, flow_choices, parse_order, parse_state, state_choices
from .record_access import hidden_words
from .record_facts import due_in_words, facts_for, local_time, published_definitions

PAGE_SIZE = 50
COUNT_CAP = 1000  # badges say "1000+" beyond this; counting further costs time nobody needs
VIEW_TABS = (
    ("all", _("All")), ("mine", _("Mine")), ("group", _("My group's")), ("claimable", _("Claimable")),
    ("overdue", _("Overdue")), ("sent_back", _("Sent back to me")),
)
FILTER_KEYS = ("view", "project", "flow", "state", "q", "order")


def _filters(params: QueryDict, memberships) -> dict:
    """The inbox's filters from a query string; anything unknown is left out, never an error."""
    views = dict(VIEW_TABS)
    view = params.get("view", "")
    if view not in views:  # the older links: ?mine=1, ?overdue=1
        view = "mine" if params.get("mine") == "1" else "overdue" if params.get("overdue") == "1" else "all"
    project = params.get("project", "")
    project_id = key if (key := parse_key(project)) in memberships else None
    flow = params.get("flow") or None
    flow, state = parse_state(params.get("state", ""), flow)
    order, sort, descending = parse_order(params.get("order", ""), "due")
    return {"view": view, "project_id": project_id, "flow": flow, "state": state, "q": params.get("q", "").strip(),
            "order": order, "sort": sort, "descending": descending}


def tasks_query(user, f: dict, memberships):
    """The inbox's tasks under the filters `f` (`_filters`), in their order, and the narrowing they apply (for the
    counts). The page and its export (views/imports.py) both read it, so a download is the inbox as shown."""
    records = matching_records(memberships if f["project_id"] is None else [f["project_id"]], f["q"])
    narrow = {"project_id": f["project_id"], "flow": f["flow"], "state": f["state"], "records": records,
              "memberships": memberships}
    return inbox(user, view=f["view"], sort=f["sort"], descending=f["descending"], **narrow), narrow


def _render(request, params: QueryDict, save_form: dict | None = None, status: int = 200):
    memberships = memberships_of(request.user.pk)  # one read for the page and its counts
    f = _filters(params, memberships)
    definitions = [d for pid, d in published_definitions(memberships)
                   if f["project_id"] is None or pid == f["project_id"]]
    rows, narrow = tasks_query(request.user, f, memberships)
    page = Paginator(rows, PAGE_SIZE).get_page(params.get("page"))
    now = timezone.now()
    pairs = []
    for task in page:
        definition = definition_by_id(task.record.version_id, task.version_hash)
        task.title_text = task_title(definition, task)
        task.flow_text, task.state_text = text(definition.title), text(definition.state(task.state).title)
        task.due_text, task.due_words = local_time(task.due_at), due_in_words(task.due_at, now)
        task.is_overdue = task.due_at is not None and task.due_at < now
        task.selectable = task.assignee_id in (None, request.user.pk)
        task.mine = task.assignee_id == request.user.pk
        pairs.append((task.record, definition))
    facts = facts_for(pairs)
    reasons = _sent_back_reasons([task.record_id for task in page])
    for task in page:
        task.facts = facts[task.record_id]
        task.sent_back_reason = reasons.get(task.record_id)
    counts = {view: inbox(request.user, view=view, **narrow).count_up_to(COUNT_CAP)
              for view, _label in VIEW_TABS if view != f["view"]}
    counts[f["view"]] = min(page.paginator.count, COUNT_CAP)
    paging = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        value = params.get(key)  # the last value, as params[key] reads it
        if value:
            paging[key] = value
    tab_query = paging.copy()
    tab_query.pop("view", None)
    # the user's projects, whole (their zones say what "today" is for the follow-up reminders): one query
    projects = list(Project.objects.filter(pk__in=memberships).order_by("code"))
    return render(request, "web/inbox.html", {
        "page": page, "has_approvals": any(t.kind == "approval" for t in page),  # bulk approve only then
        "filters": f, "paging": paging.urlencode(), "tab_query": tab_query.urlencode(),
        "projects": [(p.pk, p.code, p.name) for p in projects], "cap": COUNT_CAP,
        "reminders": reminders(request.user, {p.pk: p for p in projects}, memberships, now), "counts": counts,
        "dunning": notices_for(request.user, projects={p.pk: p for p in projects}, memberships=memberships),
        "tabs": [(view, label, counts[view]) for view, label in VIEW_TABS],
        "flows": flow_choices(definitions), "states": state_choices(definitions, f["flow"]),
        "state_value": f"{f['flow']}:{f['state']}" if f["state"] else "",
        "orders": [(key, label) for key, (_s, _d, label) in ORDERS.items()],
        "saved": list(SavedFilter.objects.filter(user=request.user, page=SavedFilter.Page.INBOX)
                      .values_list("pk", "name", "query")),
        "save_form": save_form or {},
    }, status=status)


def _sent_back_reasons(record_ids: list[int]) -> dict[int, str]:
    """record id -> the reason it was sent back, for records whose latest change of state was a send back.

    One query for the page: each record's latest moving history entry, by the history's (record, seq) index.
    """
    if not record_ids:
        return {}
    latest = HistoryEntry.objects.filter(record_id=OuterRef("pk")).exclude(to_state="").order_by("-seq")
    rows = (Record.objects.filter(pk__in=set(record_ids))
            .annotate(move=Subquery(latest.values("kind")[:1]), reason=Subquery(latest.values("comment")[:1]))
            .filter(move=HistoryEntry.Kind.SEND_BACK).values_list("pk", "reason"))
    return {pk: reason or "" for pk, reason in rows}


@login_required
def inbox_page(request):
    return _render(request, request.GET)


def _back(request) -> str:
    back = request.POST.get("next", "")
    # a path of this site only: a bare word passed the host check and made redirect() look it up as a view (a 500)
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("web:inbox")
    return back


def _selected(request) -> list[int]:
    # anything else is not a task this page offered
    return [key for t in request.POST.getlist("task") if (key := parse_key(t)) is not None]


def _refused(request, references: dict[int, str], task_id: int, error: EngineError) -> None:
    """A refusal naming the record it is about, in the user's language."""
    reference = references.get(task_id)
    words = error.message(lang())
    # the colon is the language's own (full-width in Chinese), so the sentence is translated as a whole
    messages.error(request, gettext("%(reference)s: %(words)s") % {"reference": reference, "words": words}
                   if reference else words)


def _references(ids: list[int]) -> dict[int, str]:
    return dict(Task.objects.filter(pk__in=ids).values_list("pk", "record__reference"))


def _hidden(request, ids: list[int]) -> tuple[dict[int, str], dict[int, str]]:
    """(task id -> its record's reference, task id -> why the user may not see that record) for posted tasks.

    The page offers only tasks of records the user sees; a task posted by hand for another
    consultant's record is refused as its page would be (engine.runtime.visibility), in
    three queries whatever the number of tasks.
    """
    chosen = list(Task.objects.filter(pk__in=ids).select_related("record__project")
                  .annotate(version_hash=F("record__version__content_hash")))
    memberships = memberships_of(request.user.pk)
    references = {task.pk: task.record.reference for task in chosen}
    judged = {task.pk: (task.record, definition_by_id(task.record.version_id, task.version_hash),
                        memberships.get(task.record.project_id, frozenset())) for task in chosen}
    sights = unseen(request.user, judged.values())
    hidden = {task_id: hidden_words(record, definition, roles, sights[record.pk])
              for task_id, (record, definition, roles) in judged.items()
              if roles and record.pk in sights}
    return references, hidden


@login_required
@require_POST
def claim_tasks(request):
    chosen = _selected(request)
    references, hidden = _hidden(request, chosen) if chosen else ({}, {})
    claimed = 0
    for task_id in chosen:
        if task_id in hidden:
            messages.error(request, hidden[task_id])
            continue
        try:
            tasks.claim(request.user, task_id)
            claimed += 1
        except EngineError as error:
            _refused(request, references, task_id, error)
    if claimed:
        messages.success(request, ngettext("%(n)d task claimed.", "%(n)d tasks claimed.", claimed) % {"n": claimed})
    elif not chosen:
        messages.error(request, gettext("Select the tasks to claim first."))
    return redirect(_back(request))


@login_required
@require_POST
def approve_tasks(request):
    """Approve every selected approval the votes allow; each refusal is said with its record."""
    chosen = _selected(request)
    references, hidden = _hidden(request, chosen) if chosen else ({}, {})
    approved = 0
    for task_id in chosen:
        if task_id in hidden:
            messages.error(request, hidden[task_id])
            continue
        try:
            approvals.vote(request.user, task_id, "approve", request.POST.get("comment", "").strip())
            approved += 1
        except EngineError as error:
            _refused(request, references, task_id, error)
    if approved:
        messages.success(request, ngettext("%(n)d approval given.", "%(n)d approvals given.", approved)
                         % {"n": approved})
    elif not chosen:
        messages.error(request, gettext("Select the approvals to give first."))
    return redirect(_back(request))


@login_required
@require_POST
def unclaim_task(request):
    """Give a claimed task back to its roles (it becomes claimable again)."""
    task_id = parse_key(request.POST.get("unclaim", ""))  # ² or a number beyond 64 bits is no task
    if task_id is None:
        return redirect(_back(request))
    try:
        task = tasks.unclaim(request.user, task_id)
    except EngineError as error:
        _refused(request, _references([task_id]), task_id, error)
    else:
        messages.success(request, gettext("%(reference)s is back among the claimable tasks.")
                         % {"reference": task.record.reference})
    return redirect(_back(request))


@login_required
@require_POST
def save_filter(request):
    """Keep the inbox's current filters under a name the user gives; the same name replaces it."""
    name = request.POST.get("name", "").strip()
    query = QueryDict(request.POST.get("query", ""))
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        if query.get(key):
            kept[key] = query[key]
    error = None
    if not name:
        error = gettext("Give the filter a name.")
    elif len(name) > 60:
        error = gettext("A filter name has at most 60 characters.")
    if error:
        return _render(request, query, save_form={"name": name, "error": error}, status=400)
    SavedFilter.objects.update_or_create(user=request.user, page=SavedFilter.Page.INBOX, name=name,
                                         defaults={"query": kept.urlencode()})
    messages.success(request, gettext("Filter “%(name)s” saved.") % {"name": name})
    return redirect(f"{reverse('web:inbox')}?{kept.urlencode()}")


@login_required
@require_POST
def delete_filter(request, filter_id: int):
    deleted, _ = SavedFilter.objects.filter(pk=filter_id, user=request.user).delete()
    if deleted:
        messages.success(request, gettext("Filter deleted."))
    else:
        messages.error(request, gettext("That filter no longer exists."))
    return redirect(reverse("web:inbox"))
