"""The staff inbox: my tasks, tasks I can claim, overdue ones; filters, counts, paging."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from engine.runtime import EngineError, tasks
from engine.runtime.inbox import inbox
from engine.versions import definition_by_id
from kernel.access import memberships_of
from kernel.models import Project

from .common import say, task_title, text

PAGE_SIZE = 50
COUNT_CAP = 1000  # badges say "1000+" beyond this; counting further costs time nobody needs


@login_required
def inbox_page(request):
    params = request.GET
    project_id = int(params["project"]) if params.get("project", "").isdigit() else None
    filters = {"project_id": project_id, "flow": params.get("flow") or None, "state": params.get("state") or None,
               "overdue": params.get("overdue") == "1", "mine_only": params.get("mine") == "1"}
    memberships = memberships_of(request.user.pk)  # one read for the page and its counts
    rows = inbox(request.user, memberships=memberships, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(params.get("page"))
    projects = Project.objects.filter(pk__in=memberships).order_by("code").values_list("pk", "code", "name")
    now = timezone.now()
    for task in page:
        definition = definition_by_id(task.record.version_id, task.version_hash)
        task.title_text = task_title(definition, task)
        task.flow_text, task.state_text = text(definition.title), text(definition.state(task.state).title)
    paging = params.copy()
    paging.pop("page", None)
    return render(request, "web/inbox.html", {
        "page": page, "filters": filters, "paging": paging.urlencode(), "projects": list(projects), "now": now,
        "cap": COUNT_CAP,
        "counts": {
            "all": page.paginator.count,
            "mine": inbox(request.user, mine_only=True).count_up_to(COUNT_CAP),
            "overdue": inbox(request.user, overdue=True, memberships=memberships).count_up_to(COUNT_CAP),
        },
    })


@login_required
@require_POST
def claim_tasks(request):
    claimed = 0
    for task_id in request.POST.getlist("task"):
        if not task_id.isdigit():
            continue  # not a task this page offered
        try:
            tasks.claim(request.user, int(task_id))
            claimed += 1
        except EngineError as error:
            say(request, error)
    if claimed:
        messages.success(request, ngettext("%(n)d task claimed.", "%(n)d tasks claimed.", claimed) % {"n": claimed})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("web:inbox")
    return redirect(back)
