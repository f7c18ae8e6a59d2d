"""`measured-areas` 实测面积导入: the official survey per unit, which starts the building's area settlements.

For every row, each signed contract (signed, filing, filed) of the unit that has no area
settlement yet gets one: started from the contract's figures (unit, buyer, area basis,
contract area, price per m²) under the contract's open handover when there is one (as
the handover's notice would start it), else under the contract, and moved through
`enter_survey` with the measured area on the contract's basis and the report number,
so `pricing.settle_area` computes the settlement under the project's rules exactly as
when a clerk enters it. Units keep their areas; a unit without a signed contract, or
whose contract already has a settlement, is left alone, so loading the file twice
starts nothing the second time.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields

from engine.models import Record
from engine.runtime.records import start_child
from engine.runtime.step import Step
from engine.runtime.transitions import move
from engine.versions import definition_for
from kernel.models import Unit

from .base import Context, KindResource
from .columns import Column
from .widgets import Number, Text

SIGNED = ("signed", "filing_submitted", "filing_rejected", "filed")
AREA: dict[str, Any] = {"places": 2, "above": Decimal("0"), "maximum": Decimal("999999.99")}

COLUMNS = (
    Column("building", _("Building"), "3", required=True),
    Column("code", _("Unit code"), "3-1502", required=True),
    Column("measured_built_area", _("Measured built area (m²)"), "129.10", required=True, width=16),
    Column("measured_inner_area", _("Measured inner area (m²)"), "101.80", width=16),
    Column("survey_report_no", _("Survey report number"), "SC-2027-0315", required=True, width=18),
)


class MeasuredAreaResource(KindResource):
    columns = COLUMNS
    key_column = "code"

    code = fields.Field("code", "code", widget=Text(32, required=True))

    class Meta(KindResource.Meta):
        model = Unit
        import_id_fields = ["code"]
        fields = ("code",)

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.cells: dict[str, Text | Number] = {
            "building": Text(16, required=True), "measured_built_area": Number(**AREA, required=True),
            "measured_inner_area": Number(**AREA), "survey_report_no": Text(60, required=True)}
        self.contracts: dict[int, list[Record]] = {}
        for record in Record.objects.filter(project=ctx.project, flow="contract", state__in=SIGNED).order_by("pk"):
            unit_id = record.data.get("unit_id")
            if isinstance(unit_id, int):
                self.contracts.setdefault(unit_id, []).append(record)
        settled = Record.objects.filter(project=ctx.project, flow="area_settlement").exclude(state="cancelled")
        self.settled: set[int | None] = set(settled.values_list("parent_id", flat=True))
        self.settled |= set(settled.values_list("parent__parent_id", flat=True))
        self.plans: dict[int, list[tuple[Record, dict]]] = {}

    def get_queryset(self):
        return Unit.objects.filter(project=self.ctx.project).select_related("building")

    def init_instance(self, row=None):
        return Unit(project=self.ctx.project)

    def check(self, instance: Unit, row, before: dict, failed: set[str]) -> None:
        errors: dict[str, str] = {}
        values = {}
        for key, widget in self.cells.items():
            try:
                values[key] = widget.clean(row.get(key), row)
            except ValueError as exc:
                errors[key] = str(exc)
        if "code" not in failed and instance.pk is None:
            errors["code"] = gettext("no unit %(code)s in this project") % {"code": instance.code}
        elif "code" not in failed and "building" not in errors and instance.building.code != values["building"]:
            errors["building"] = gettext("unit %(code)s is in building %(building)s") % {
                "code": instance.code, "building": instance.building.code}
        plans = []
        if not errors:
            for contract in self.contracts.get(instance.pk, []):
                if contract.pk in self.settled:
                    continue
                basis = contract.data.get("area_basis", "built")
                measured = values["measured_inner_area"] if basis == "inner" else values["measured_built_area"]
                if measured is None:
                    errors["measured_inner_area"] = gettext(
                        "contract %(reference)s is priced on the inner area: give the measured inner area") % {
                        "reference": contract.reference}
                    break
                plans.append((contract, {"measured_area": f"{measured:.2f}",
                                         "survey_report_no": values["survey_report_no"]}))
        if errors:
            raise ValidationError(errors)
        self.plans[id(instance)] = plans
        if not plans:
            self.ctx.count("no_signed_contract" if not self.contracts.get(instance.pk) else "already_settling")

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return not import_validation_errors and not self.plans.get(id(instance))

    def save_instance(self, instance, is_create, row, **kwargs):
        plans = self.plans.pop(id(instance), [])
        if not self.ctx.writing:
            self.ctx.count("settlements", len(plans))
            return
        for contract, survey in plans:
            self._settle(contract, survey)
            self.settled.add(contract.pk)
        self.ctx.count("settlements", len(plans))

    def _settle(self, contract: Record, survey: dict) -> Record:
        data = contract.data
        parent = (Record.objects.filter(parent=contract, flow="handover", is_closed=False).order_by("pk").first()
                  or contract)
        start = {key: data[key] for key in ("unit_id", "customer_id", "area_basis", "contract_area", "unit_price")
                 if data.get(key) not in (None, "")}
        settlement = start_child(parent, "area_settlement", start, self.ctx.user)
        definition = definition_for(settlement)
        settlement = Record.objects.select_for_update(of=("self",)).select_related("project").get(pk=settlement.pk)
        return move(Step.begin(settlement, self.ctx.user, definition=definition),
                    definition.transition("enter_survey"), survey, comment=gettext("survey import"),
                    details={"by": "import"})
