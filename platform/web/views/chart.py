"""The sale-control chart 销控图: a building as a floor × unit grid coloured by sale status.

Each cell shows the unit's code, built area, price and status in words, and opens the
unit's card (views/units.py). The price is the list price, or the deal price once a
live deal has fixed one (a subscription's or contract's `deal_price`).

Four queries whatever the building's size (units, their live holds, the versions the
viewer may see records of, the deal prices of the holding records). A unit held by a
deal the viewer may not see (a colleague's, where the project keeps consultants to
their own work: engine.runtime.visibility) shows its status and list price, not the
deal's price, and the data names no record: the same rule as the unit card. The page refreshes its cells
from `chart_data` every few seconds, for launch days.
"""
from __future__ import annotations

from collections import Counter
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst

from engine.models import Record
from engine.runtime.access import can_see, roles_in
from engine.runtime.visibility import visible_records
from kernel.models import Building, Project, SaleStatus, Unit, UnitHold
from web.display import money as yuan

from .display import square_metres

REFRESH_SECONDS = 3


def _building(request, code: str):
    project = Project.objects.filter(code=code).first()
    roles = roles_in(request.user, project.pk) if project is not None else frozenset()
    if project is None or not can_see(request.user, project.pk, roles):
        raise Http404()
    request.chart_roles = roles  # which deals' prices the cells may show (_cells)
    buildings = list(Building.objects.filter(project=project).order_by("code"))
    if not buildings:
        raise Http404()
    wanted = request.GET.get("building")
    building = next((b for b in buildings if str(b.pk) == wanted), buildings[0])
    return project, buildings, building


def _cells(project: Project, building: Building, user, roles: frozenset[str]) -> list[dict]:
    # plain dicts: the cells gain keys of their own below (the rows' TypedDict would refuse them)
    units: list[dict] = cast(list[dict], list(
        Unit.objects.filter(building=building).order_by("-floor", "position")
        .values("pk", "code", "floor", "position", "status", "layout", "built_area", "list_price")))
    holds = dict(UnitHold.objects.filter(unit_id__in=[u["pk"] for u in units], released_at__isnull=True)
                 .values_list("unit_id", "record_id"))
    # Only the one key, not the records' whole data: the chart may hold hundreds of deals.
    seen: dict = {}
    if holds:
        found = visible_records(user, Record.objects.filter(pk__in=set(holds.values()), project=project),
                                {project.pk: roles})
        seen = dict(found.values_list("pk", "data__deal_price"))
    # a status stands alone in its cell and on the legend: written as a title ("Available"), not mid-sentence
    labels = {status: capfirst(label) for status, label in SaleStatus.choices}
    card = reverse("web:unit", args=[project.code, 0])
    for unit in units:
        held_by = holds.get(unit["pk"])
        unit["record_id"] = held_by if held_by in seen else None  # a deal the viewer may not see is not named
        deal_price = seen.get(held_by)
        unit["is_deal_price"] = bool(deal_price)
        unit["price"] = yuan(deal_price or unit["list_price"])
        unit["area"] = square_metres(unit["built_area"])
        unit["status_label"] = str(labels.get(unit["status"], ""))
        unit["card_url"] = card.replace("/0/", f"/{unit['pk']}/")
    return units


def _counts(cells: list[dict]) -> dict[str, int]:
    counts = Counter(c["status"] for c in cells)
    return {status: counts.get(status, 0) for status in SaleStatus.values}


@login_required
def chart_page(request, project: str):
    project_obj, buildings, building = _building(request, project)
    cells = _cells(project_obj, building, request.user, request.chart_roles)
    floors: dict[int, list[dict]] = {}
    for cell in cells:
        floors.setdefault(cell["floor"], []).append(cell)
    counts = _counts(cells)
    legend = [(status, capfirst(label), counts[status]) for status, label in SaleStatus.choices]
    return render(request, "web/chart.html", {
        "project": project_obj, "buildings": buildings, "building": building, "floors": sorted(floors.items(), reverse=True),
        "legend": legend, "refresh_ms": REFRESH_SECONDS * 1000,
    })


@login_required
def chart_data(request, project: str):
    project_obj, _, building = _building(request, project)
    cells = _cells(project_obj, building, request.user, request.chart_roles)
    return JsonResponse({
        "counts": _counts(cells),
        "units": {c["code"]: {"status": c["status"], "status_label": c["status_label"], "record": c["record_id"],
                              "price": c["price"], "is_deal_price": c["is_deal_price"]} for c in cells},
    })
