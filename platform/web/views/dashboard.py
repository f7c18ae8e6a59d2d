"""驾驶舱 / Dashboards: a project's (director, managers), a group's (company or region), a consultant's own figures.

Who sees what (docs/figures.md, "Who sees which figures"):
- the project's managers (sales manager, director, project admin), superusers, and
  group roles covering the project: the project's dashboard, and any consultant's own
  figures through the consultant picker;
- sales consultants and channel agents: their own figures, with the team's totals when
  the project lets them see colleagues' work (`consultants_see_colleagues_records`);
  never a colleague's figures or customers;
- another member of the project: a refusal saying why (403); a stranger: 404;
- group roles (figures.GroupMembership): the group dashboard of their company or region.

The figures come from figures.board, the same the `figures` command prints. The period
picker (day, week, month, year, date range) and the figures refresh on their own every
minute while the period includes today (a launch day's sales floor watches them live).
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, pgettext

from engine.runtime.visibility import OWN_WORK_ROLES, colleagues_open, is_overseer
from figures import board as boards
from figures.groups import group_of, group_project_ids, groups_of, may_see_group
from figures.periods import as_of, local_today
from figures.scope import Scope
from forms.parsing import parse_key
from kernel.access import memberships_of
from kernel.models import Project
from kernel.zones import zone_name

from .common import consultants_of, lang, refused, roles_text
from .dashboard_view import KINDS, chosen_period, period_query, period_text, previous_text, running_text, shown

REFRESH_SECONDS = 60


def _project_access(request, code: str):
    """(project, roles, overseer?) for a project's figures; 404 when the user has no part in the project."""
    project = Project.objects.filter(code=code).first()
    if project is None:
        raise Http404()
    roles = memberships_of(request.user.pk).get(project.pk, frozenset())
    overseer = is_overseer(request.user, roles) or project.pk in group_project_ids(request.user)
    if not roles and not overseer:
        raise Http404()
    return project, roles, overseer


def _board_for(request, code: str):
    """(context, board) of a project's dashboard, or (refusal response, None)."""
    project, roles, overseer = _project_access(request, code)
    if not overseer and not roles & OWN_WORK_ROLES:
        reason = gettext("The figures of %(project)s are for its managers, its director and its sales consultants "
                         "(their own figures); your roles there (%(roles)s) do not include them.") % {
            "project": project.name, "roles": roles_text(roles)}
        return refused(request, project, reason), None
    today = local_today(project.zone)
    chosen = chosen_period(request.GET, today)
    consultants = consultants_of(project) if overseer else []
    consultant_id = None
    if overseer:
        picked = parse_key(request.GET.get("consultant"))
        consultant_id = picked if picked in dict(consultants) else None
    else:
        consultant_id = request.user.pk
    view = boards.PROJECT if consultant_id is None else boards.OWN
    board = boards.build(view, [project], chosen.period, as_of(chosen.period, today), consultant_id=consultant_id,
                         team=view == boards.OWN and not overseer and colleagues_open(project))
    context = _context(request, board, chosen, today, project.zone)
    context.update({"project": project, "consultants": consultants, "consultant_id": consultant_id,
                    "consultant_name": dict(consultants).get(consultant_id)
                    if overseer and consultant_id is not None else None,
                    "own": view == boards.OWN, "overseer": overseer,
                    "base_url": reverse("web:dashboard", args=[project.code]),
                    "export_url": reverse("web:dashboard-export", args=[project.code]),
                    "query": period_query(chosen, consultant=consultant_id if overseer else None)})
    return context, board


def _context(request, board, chosen, today, zone) -> dict:
    view = shown(board)
    return {"board": board, "sections": view.sections, "charts": view.charts, "chosen": chosen, "kinds": KINDS,
            "period_text": period_text(chosen.period), "previous_text": previous_text(board),
            "to_date": running_text(board),
            "zone": zone_name(zone, lang()), "refresh": REFRESH_SECONDS if chosen.period.contains(today) else 0,
            "problem": chosen.problem, "projects_menu": _menu(request)}


def _menu(request) -> list[tuple[str, str]]:
    """(url, name) of every dashboard the user may open: the project picker."""
    from kernel.access import MANAGER_ROLES

    held = memberships_of(request.user.pk)
    ids = {p for p, roles in held.items() if roles & (MANAGER_ROLES | OWN_WORK_ROLES)} | group_project_ids(request.user)
    projects = Project.objects.all() if request.user.is_superuser else Project.objects.filter(pk__in=ids)
    items = [(reverse("web:dashboard", args=[p.code]), f"{p.code} {p.name}") for p in projects.order_by("code")]
    for g in groups_of(request.user):
        items.append((reverse("web:group-dashboard", args=[g.company.code]) + (f"?region={g.region.code}" if g.region else ""),
                      g.name))
    return items


@login_required
def project_dashboard(request, project: str):
    context, board = _board_for(request, project)
    if board is None:
        return context
    template = "web/dashboard/figures.html" if request.GET.get("part") == "figures" else "web/dashboard/project.html"
    return render(request, template, context)


def _group_board(request, company: str):
    """(group, projects, chosen period, today, zone, board): 404 unless a group role covers it; no board without projects."""
    try:
        group = group_of(company + (f"/{request.GET['region']}" if request.GET.get("region") else ""))
    except LookupError:
        raise Http404() from None
    if not may_see_group(request.user, group):
        raise Http404()
    projects = group.projects()
    zone = Scope.of_projects(projects).zone if projects else ZoneInfo(settings.TIME_ZONE)
    today = local_today(zone)
    chosen = chosen_period(request.GET, today)
    board = boards.build(boards.GROUP, projects, chosen.period, as_of(chosen.period, today)) if projects else None
    return group, projects, chosen, today, zone, board


@login_required
def group_dashboard(request, company: str):
    group, projects, chosen, today, zone, board = _group_board(request, company)
    if board is None:
        return render(request, "web/dashboard/group.html", {"group": group, "empty": True,
                                                            "projects_menu": _menu(request)})
    context = _context(request, board, chosen, today, zone)
    regions = list(group.company.regions.order_by("code")) if may_see_group(
        request.user, type(group)(group.company, None)) else []
    # the list reads as the language writes lists: "P1, P2" / "P1、P2"
    codes = pgettext("list separator", ", ").join(p.code for p in projects)
    context.update({"group": group, "regions": regions, "projects": projects, "project_codes": codes,
                    "base_url": reverse("web:group-dashboard", args=[group.company.code]),
                    "export_url": reverse("web:group-dashboard-export", args=[group.company.code]),
                    "query": period_query(chosen, region=group.region.code if group.region else None)})
    template = "web/dashboard/figures.html" if request.GET.get("part") == "figures" else "web/dashboard/group.html"
    return render(request, template, context)


@login_required
def dashboard_index(request):
    """The dashboards the user may open; straight to the one when there is only one."""
    from django.shortcuts import redirect

    items = _menu(request)
    if len(items) == 1:
        return redirect(items[0][0])
    return render(request, "web/dashboard/index.html", {"items": items})


__all__ = ["dashboard_index", "group_dashboard", "project_dashboard"]
