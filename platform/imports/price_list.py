"""`price-list` 价目表导入: list prices per unit, loaded as a new price list revision.

Every unit named must exist in the project; a unit in a live deal keeps its price (a
deal's price was frozen in its quote, and the list it was sold from must stay what it
was), so a file that would change one is refused at that row. The revision keeps each
changed unit's previous and new price; a file that changes nothing makes no revision.

A row gives either the list price itself or the coefficients that generate it, as a
pricing sheet does (一房一价 from 基价 × 系数): base price per m² × built area × floor
coefficient × orientation coefficient × layout coefficient (an empty coefficient is 1),
rounded half up to the fen. A row with both a list price and a base price is refused
unless they agree, so a sheet whose formulas were pasted as values cannot silently
disagree with its own coefficients.
"""
from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields

from kernel.models import Unit, UnitHold
from kernel.money import fen

from .base import Context, KindResource
from .columns import Column
from .models import PriceListLine, PriceListRevision
from .widgets import Number, Text, blank

COLUMNS = (
    Column("code", _("Unit code"), "3-1502", required=True),
    Column("list_price", _("List price (yuan)"), "3058300.00", width=16,
           help=_("Empty when the base price and coefficients give it.")),
    Column("base_price", _("Base price per m² (yuan)"), "", width=16,
           help=_("With the coefficients: list price = base price × built area × coefficients.")),
    Column("floor_coefficient", _("Floor coefficient"), "", width=10),
    Column("orientation_coefficient", _("Orientation coefficient"), "", width=10),
    Column("layout_coefficient", _("Layout coefficient"), "", width=10),
)
COEFFICIENTS = ("floor_coefficient", "orientation_coefficient", "layout_coefficient")
BASE = Number(2, above=Decimal(0), maximum=Decimal("9999999.99"))
COEFFICIENT = Number(4, above=Decimal(0), maximum=Decimal(10))


class PriceListResource(KindResource):
    columns = COLUMNS
    key_column = "code"

    code = fields.Field("code", "code", widget=Text(32, required=True))
    list_price = fields.Field("list_price", "list_price", widget=Number(2, minimum=Decimal(0), required=True))

    class Meta(KindResource.Meta):
        model = Unit
        import_id_fields = ["code"]
        fields = ("code", "list_price")

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self._live = dict(UnitHold.objects.filter(project=ctx.project, released_at__isnull=True)
                          .values_list("unit_id", "reference"))
        ctx.__dict__.setdefault("price_lines", [])

    def get_queryset(self):
        return Unit.objects.filter(project=self.ctx.project)

    def init_instance(self, row=None):
        return Unit(project=self.ctx.project)

    def import_instance(self, instance, row, **kwargs):
        """The list price the coefficients generate, put in the row's price cell before the cells are read."""
        errors: dict[str, list] = {}
        generated = self._generated(instance, row, errors)
        if generated is not None:
            given = row.get("list_price")
            try:
                stated = None if blank(given) else self.fields["list_price"].widget.clean(given)
            except ValueError:
                stated = None  # refused by the price cell itself below
            if stated is not None and stated != generated:
                errors.setdefault("list_price", []).append(ValidationError(gettext(
                    "%(given)s is not what the base price and coefficients give (%(generated)s); leave one of them "
                    "empty") % {"given": stated, "generated": generated}))
            row["list_price"] = generated
        elif not blank(row.get("base_price")) and blank(row.get("list_price")):
            row.pop("list_price", None)  # the price is the coefficients' (refused in their cells): not "required"
        elif "list_price" not in row:  # a file of codes alone sets no price
            errors.setdefault("list_price", []).append(ValidationError(gettext("required")))
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _generated(self, instance: Unit, row, errors: dict) -> Decimal | None:
        if blank(row.get("base_price")):
            for key in COEFFICIENTS:
                if not blank(row.get(key)):
                    errors.setdefault(key, []).append(ValidationError(gettext("a coefficient needs a base price "
                                                                              "per m² in the same row")))
            return None
        values = {}
        for key, widget in (("base_price", BASE), *((k, COEFFICIENT) for k in COEFFICIENTS)):
            try:
                values[key] = widget.clean(row.get(key))
            except ValueError as exc:
                errors.setdefault(key, []).append(ValidationError(str(exc)))
        if len(values) < 1 + len(COEFFICIENTS) or instance.pk is None:
            return None  # a bad cell, or an unknown unit (refused by `check`): nothing to generate
        price = values["base_price"] * instance.built_area
        for key in COEFFICIENTS:
            price *= values[key] if values[key] is not None else Decimal(1)
        return fen(price)

    def check(self, instance: Unit, row, before: dict, failed: set[str]) -> None:
        if "code" in failed:
            return
        if instance.pk is None:
            raise ValidationError({"code": gettext("no unit %(code)s in this project; load it with the units "
                                                   "import first") % {"code": instance.code}})
        if "list_price" not in failed and before.get("list_price") != instance.list_price:
            reference = self._live.get(instance.pk)
            if reference:
                raise ValidationError({"list_price": gettext(
                    "unit %(code)s is in a live deal (%(reference)s) and is never changed by an import")
                    % {"code": instance.code, "reference": reference}})
            if self.ctx.writing:
                self.ctx.price_lines.append((instance.pk, before["list_price"], instance.list_price))


def finish(ctx: Context, outcome) -> None:
    """The revision of the prices this file changed (none when it changed nothing)."""
    lines = getattr(ctx, "price_lines", [])
    if not lines:
        return
    number = (PriceListRevision.objects.filter(project=ctx.project).aggregate(n=Max("number"))["n"] or 0) + 1
    user = ctx.user if getattr(ctx.user, "is_authenticated", False) else None
    revision = PriceListRevision.objects.create(project=ctx.project, number=number, job_id=ctx.job_id,
                                                created_by=user)
    PriceListLine.objects.bulk_create([PriceListLine(revision=revision, unit_id=u, previous_price=old, list_price=new)
                                       for u, old, new in lines], batch_size=1000)
    ctx.count("price_list_revision", number)
