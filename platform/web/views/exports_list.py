"""My exports 我的导出: the user's past exports, to find a file again, ask for it again, or see that it expired.

- **The list** (`/exports/`): the user's own export jobs, newest first, 25 a page, each
  said in words: the list's name (units, 客户, the records of 认购, the inbox) and its
  filters as the list page showed them (搜索：张伟, 阶段：意向 10%, never a code), when it
  was asked for in the project's zone (named), its status, rows and size, the file while
  it is kept, and *Run again*. Nobody else's jobs are listed; the page reads a fixed
  number of queries whatever the rows (the definitions and the consultants named by the
  filters are read once for the page).
- **Run again** (POST): a new job of the same list with the same filters, for the user
  as they are now: refused in words when they may no longer see that list (no longer a
  member of the project, no longer in a role that sees it), as the list itself would.
- **An expired file**: the periodic clean-up (imports.export_jobs.delete_old_files) deleted
  it after EXPORT_KEEP_DAYS; the row says so, and the file's link answers 410 with a page
  that says so and offers to run the export again (views/imports.export_job_file,
  views/export_words.expired_page).
"""
from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from engine.runtime.access import can_see
from imports import export_jobs, exports
from imports.models import ExportJob
from kernel.access import memberships_of

from .. import tasks
from . import list_tables
from .common import lang, roles_text
from .export_words import describe
from .list_tables import EXPORT_CAP, EXPORT_ROLES

PAGE_SIZE = 25


class Refusal(Exception):
    """The user may no longer see the list a past export was taken from; `words` say why and what would help."""

    def __init__(self, words: str):
        super().__init__(words)
        self.words = words


@login_required
def my_exports(request):
    query = (ExportJob.objects.filter(created_by=request.user).select_related("project")
             .defer("error").order_by("-created_at", "-pk"))
    page = Paginator(query, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/imports/my_exports.html", {
        "page": page, "rows": describe(list(page.object_list), request.user), "paging": "",
        "keep_days": export_jobs.keep_days()})


@login_required
@require_POST
def export_again(request, job_id: int):
    """A new job of the same list and filters as one of the user's past exports; its page follows it."""
    job = get_object_or_404(ExportJob.objects.select_related("project"), pk=job_id, created_by=request.user)
    name = describe([job], request.user)[0].list_text
    try:
        total = rows_now(job, request.user, name)
    except Refusal as refusal:
        messages.error(request, refusal.words)
        return redirect("web:my-exports")
    new = export_jobs.again(job, request.user, total=total, file_name=_new_file_name(job), language=lang())
    tasks.start_export_job(new)
    messages.success(request, gettext("%(list)s is being exported again with the same filters (%(n)s rows); this "
                                      "page follows it.") % {"list": name, "n": total})
    return redirect("web:export-job", job_id=new.pk)


# -- who may still take the list out, and how long it is now ---------------------------------------------------
def rows_now(job: ExportJob, user, name: str) -> int:
    """The rows the job's list (called `name`) has now for `user`, counted with the list's own query; Refusal if they
    may no longer see it."""
    asker = SimpleNamespace(user=user, GET=QueryDict(job.params))
    memberships = memberships_of(user.pk)
    project = job.project
    if job.kind == "inbox":
        if project is not None and project.pk not in memberships:
            raise Refusal(gettext(
                "You are no longer a member of %(project)s, so its tasks cannot be taken out of your inbox. Export "
                "the inbox without that project, or ask a project admin of %(project)s for a role.") % {
                "project": project.name})
        return min(list_tables.inbox_query(asker)[0].count(), EXPORT_CAP)
    if project is None:
        raise Refusal(gettext("This export cannot be run again; ask for it again from its list."))
    roles = memberships.get(project.pk, frozenset())
    if not can_see(user, project.pk, roles):
        raise Refusal(gettext(
            "You are no longer a member of %(project)s, so %(list)s cannot be exported for you. Ask a project admin "
            "of %(project)s for a role if your work needs it.") % {"project": project.name, "list": name})
    if job.kind == "records":
        try:
            _found, _definition, query = list_tables.records_query(asker, project.code, job.flow)
        except Http404:
            raise Refusal(gettext(
                "Your roles in %(project)s (%(roles)s) no longer let you see %(list)s, so it cannot be exported for "
                "you. A sales manager, the project director or a project admin can.") % {
                "project": project.name, "roles": roles_text(roles), "list": name}) from None
        return min(query.count(), EXPORT_CAP)
    if job.kind not in exports.KINDS:
        raise Refusal(gettext("This export cannot be run again; ask for it again from its list."))
    needed = EXPORT_ROLES[job.kind]
    if needed is not None and not roles & needed and not user.is_superuser:
        raise Refusal(gettext(
            "The %(list)s of %(project)s are for finance, the sales manager and the project director; your roles "
            "there are %(roles)s.") % {"list": exports.TITLES[job.kind], "project": project.name,
                                       "roles": roles_text(roles)})
    if job.kind == "customers":
        return list_tables.customer_rows(asker, project, roles).count()
    return exports.count(job.kind, project)


def _new_file_name(job: ExportJob) -> str:
    from .imports import _file_name

    project = job.project
    if job.kind == "records" and project is not None:
        return _file_name(f"{job.flow}-{project.code}", project, job.ext)
    if job.kind == "inbox":
        return _file_name("inbox", project, job.ext)
    return _file_name(f"{job.kind}-{project.code}" if project is not None else job.kind, project, job.ext)


__all__ = ["export_again", "my_exports", "rows_now"]
