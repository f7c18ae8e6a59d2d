"""`price-list` 价目表导入: list prices per unit, loaded as a new price list revision.

Every unit named must exist in the project; a unit in a live deal keeps its price (a
deal's price was frozen in its quote, and the list it was sold from must stay what it
was), so a file that would change one is refused at that row. The revision keeps each
changed unit's previous and new price; a file that changes nothing makes no revision.
"""
from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext, gettext_lazy as _
from import_export import fields

from kernel.models import Unit, UnitHold

from .base import Context, KindResource
from .columns import Column
from .models import PriceListLine, PriceListRevision
from .widgets import Number, Text

COLUMNS = (
    Column("code", _("Unit code"), "3-1502", required=True),
    Column("list_price", _("List price (yuan)"), "3058300.00", required=True, width=16),
)


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
