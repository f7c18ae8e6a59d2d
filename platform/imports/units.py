"""`units` 房源导入: buildings, floors, unit codes, layout, areas, orientation, list price, sale status.

Keyed by the unit code within the project: a code already there is updated, a new one
created (its building too, when the file names a new one). A unit in a live deal is never
changed, and a file that would change one is refused at that row. The sale status a
file may set is on sale (可售) or withheld (销控): every later status belongs to a deal.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields

from kernel.models import Building, SaleStatus, Unit, UnitHold

from .base import Context, KindResource
from .columns import Column, lazy_choices
from .keys import KeyMap
from .widgets import Number, Pick, Text

SETTABLE = (SaleStatus.AVAILABLE, SaleStatus.WITHHELD)


def status_choices(_project=None):
    return lazy_choices((s.value, s.label) for s in SETTABLE)


COLUMNS = (
    Column("building", _("Building"), "3", required=True, help=_("The building's code, the first part of unit codes.")),
    Column("building_name", _("Building name"), "3号楼", help=_("Used when the building is new.")),
    Column("code", _("Unit code"), "3-1502", required=True),
    Column("floor", _("Floor"), 15, required=True, width=8),
    Column("position", _("Position on the floor"), "02", required=True, width=10),
    Column("layout", _("Layout"), "3室2厅2卫"),
    Column("built_area", _("Built area (m²)"), "128.50", required=True),
    Column("inner_area", _("Inner area (m²)"), "101.37", required=True),
    Column("orientation", _("Orientation"), "南"),
    Column("list_price", _("List price (yuan)"), "3058300.00", required=True, width=16),
    Column("status", _("Sale status"), str(SaleStatus.AVAILABLE.label), choices=status_choices,
           help=_("Available or withheld; empty: available.")),
)
AREA: dict[str, Any] = {"places": 2, "above": Decimal("0"), "maximum": Decimal("999999.99"), "required": True}


class BuildingCell(Text):
    """A building of the project by its code; a new code makes a new building (written in the write phase only)."""

    def __init__(self, resource: UnitResource):
        super().__init__(16, required=True)
        self.resource = resource

    def clean(self, value, row=None, **kwargs):
        code = super().clean(value, row)
        return self.resource.building(code, (row or {}).get("building_name"))

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class UnitResource(KindResource):
    columns = COLUMNS
    key_column = "code"

    def __init__(self, ctx: Context):
        self._buildings = {b.code: b for b in Building.objects.filter(project=ctx.project)}
        super().__init__(ctx)
        self.fields["building"].widget = BuildingCell(self)
        self.fields["building"].attribute = "building"  # the object (import-export names a declared key `_id`)
        self._live = dict(UnitHold.objects.filter(project=ctx.project, released_at__isnull=True)
                          .values_list("unit_id", "reference"))
        # every unit's (building, floor, position) → code, the project's and then the file's (keys.py: flat memory)
        self._places = KeyMap()
        self._places.update(((b, f, p), c) for b, f, p, c in Unit.objects.filter(project=ctx.project)
                            .values_list("building__code", "floor", "position", "code").iterator(chunk_size=2000))

    code = fields.Field("code", "code", widget=Text(32, required=True))
    floor = fields.Field("floor", "floor", widget=Number(0, minimum=Decimal(-9), maximum=Decimal(300), required=True,
                                                         integer=True))
    position = fields.Field("position", "position", widget=Text(8, required=True))
    layout = fields.Field("layout", "layout", widget=Text(50))
    built_area = fields.Field("built_area", "built_area", widget=Number(**AREA))
    inner_area = fields.Field("inner_area", "inner_area", widget=Number(**AREA))
    orientation = fields.Field("orientation", "orientation", widget=Text(20))
    list_price = fields.Field("list_price", "list_price", widget=Number(2, minimum=Decimal(0), required=True))
    status = fields.Field("status", "status", widget=Pick(status_choices, default=SaleStatus.AVAILABLE))

    class Meta(KindResource.Meta):
        model = Unit
        import_id_fields = ["code"]
        fields = ("building", "code", "floor", "position", "layout", "built_area", "inner_area", "orientation",
                  "list_price", "status")

    def get_queryset(self):
        return Unit.objects.filter(project=self.ctx.project).select_related("building")

    def init_instance(self, row=None):
        return Unit(project=self.ctx.project)

    def building(self, code: str, name: object) -> Building:
        found = self._buildings.get(code)
        if found is None or (found.pk is None and self.ctx.writing):
            name = str(name).strip()[:100] if name else gettext("Building %(code)s") % {"code": code}
            if self.ctx.writing:
                found = Building.objects.get_or_create(project=self.ctx.project, code=code,
                                                       defaults={"name": name})[0]
            else:
                found = Building(project=self.ctx.project, code=code, name=name)
            self._buildings[code] = found
        return found

    def check(self, instance: Unit, row, before: dict, failed: set[str]) -> None:
        errors: dict[str, str] = {}
        if not {"built_area", "inner_area"} & failed and instance.inner_area and instance.built_area \
                and instance.inner_area > instance.built_area:
            errors["inner_area"] = gettext("cannot be more than the built area (%(built)s m²)") % {
                "built": instance.built_area}
        if instance.pk and before:
            changed = [k for k, v in before.items() if v != getattr(instance, k, v)]
            reference = self._live.get(instance.pk)
            if changed and reference:
                errors.setdefault(changed[0], gettext(
                    "unit %(code)s is in a live deal (%(reference)s) and is never changed by an import")
                    % {"code": instance.code, "reference": reference})
            elif "status" in changed and before["status"] not in SETTABLE:
                errors["status"] = gettext("unit %(code)s is %(status)s: only its deal changes its status") % {
                    "code": instance.code, "status": SaleStatus(before["status"]).label}
        if not {"floor", "position", "building", "code"} & failed and instance.building is not None:
            place = (instance.building.code, int(instance.floor), str(instance.position))  # as the query's
            holder = self._places.get(place)
            if holder is not None and holder != instance.code:
                errors["position"] = gettext("unit %(other)s is already at floor %(floor)s position %(position)s "
                                             "of building %(building)s") % {
                    "other": holder, "floor": instance.floor, "position": instance.position,
                    "building": instance.building.code}
            else:
                self._places[place] = instance.code
        if errors:
            raise ValidationError(errors)

    def before_bulk_create(self, instances: list) -> None:
        for unit in instances:  # buildings new to this file were placeholders until the write phase
            if unit.building.pk is None:
                unit.building = self.building(unit.building.code, unit.building.name)
