"""The sale-control chart 销控图: a building as a floor × unit grid coloured by sale status.

Two queries whatever the building's size (units, then their live holds). The page
refreshes its cells from `chart_data` every few seconds, for launch days.
"""
from __future__ import annotations

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render

from engine.runtime.access import can_see, roles_in
from kernel.models import Building, Project, SaleStatus, Unit, UnitHold

REFRESH_SECONDS = 3


def _building(request, code: str):
    project = Project.objects.filter(code=code).first()
    if project is None or not can_see(request.user, project.pk, roles_in(request.user, project.pk)):
        raise Http404()
    buildings = list(Building.objects.filter(project=project).order_by("code"))
    if not buildings:
        raise Http404()
    wanted = request.GET.get("building")
    building = next((b for b in buildings if str(b.pk) == wanted), buildings[0])
    return project, buildings, building


def _cells(building: Building) -> list[dict]:
    units = list(Unit.objects.filter(building=building).order_by("-floor", "position")
                 .values("pk", "code", "floor", "position", "status", "layout", "built_area", "list_price"))
    holds = dict(UnitHold.objects.filter(unit_id__in=[u["pk"] for u in units], released_at__isnull=True)
                 .values_list("unit_id", "record_id"))
    for unit in units:
        unit["record_id"] = holds.get(unit["pk"])
    return units


def _counts(cells: list[dict]) -> dict[str, int]:
    counts = Counter(c["status"] for c in cells)
    return {status: counts.get(status, 0) for status in SaleStatus.values}


@login_required
def chart_page(request, project: str):
    project_obj, buildings, building = _building(request, project)
    cells = _cells(building)
    floors: dict[int, list[dict]] = {}
    for cell in cells:
        floors.setdefault(cell["floor"], []).append(cell)
    counts = _counts(cells)
    legend = [(status, label, counts[status]) for status, label in SaleStatus.choices]
    return render(request, "web/chart.html", {
        "project": project_obj, "buildings": buildings, "building": building, "floors": sorted(floors.items(), reverse=True),
        "legend": legend, "refresh_ms": REFRESH_SECONDS * 1000,
    })


@login_required
def chart_data(request, project: str):
    _, _, building = _building(request, project)
    cells = _cells(building)
    return JsonResponse({
        "counts": _counts(cells),
        "units": {c["code"]: {"status": c["status"], "record": c["record_id"]} for c in cells},
    })
