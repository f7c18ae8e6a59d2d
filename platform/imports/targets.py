"""`targets` 指标导入: monthly subscription, signing and collection targets of the project and its consultants.

Keyed by (month, consultant); an empty consultant is the project's own target. The
dashboards read figures.Target.
"""
from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, widgets
from import_export.instance_loaders import ModelInstanceLoader

from accounts.models import Membership
from figures.models import Target

from .base import Context, KindResource
from .columns import Choice, Column
from .widgets import Month, Number, blank, text_of


def consultant_choices(project) -> list[Choice]:
    """The project's sales consultants, by username and display name (what a person types)."""
    rows = (Membership.objects.filter(project=project, role="sales_consultant", user__is_active=True)
            .select_related("user").order_by("user__username"))
    return [Choice(m.user.username, {"zh-hans": str(m.user), "en": str(m.user)}) for m in rows]


class PersonCell(widgets.Widget):
    """A member of the project holding `role`, by username or display name; empty: nobody (or refused if required)."""

    def __init__(self, ctx: Context, role: str = "sales_consultant", required: bool = False):
        super().__init__()
        self.required = required
        rows = (Membership.objects.filter(project=ctx.project, role=role, user__is_active=True)
                .select_related("user"))
        self.people: dict[str, object] = {}
        for m in rows:
            self.people.setdefault(m.user.username.casefold(), m.user)
            self.people.setdefault(str(m.user).strip().casefold(), m.user)

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            if self.required:
                raise ValueError(gettext("required"))
            return None
        found = self.people.get(text_of(value).casefold())
        if found is None:
            raise ValueError(gettext("no sales consultant of this project is called so (a username or a name)"))
        return found

    def render(self, value, obj=None, **kwargs):
        return value.username if value else ""


class MonthLoader(ModelInstanceLoader):
    """By (month, consultant), a query a row; a row whose month or consultant is wrong is new (and refused there)."""

    def get_instance(self, row):
        try:
            return super().get_instance(row)
        except ValueError:
            return None


COLUMNS = (
    Column("month", _("Month"), "2026-07", required=True, width=10),
    Column("consultant", _("Consultant"), "", help=_("Username or name; empty for the project's own target."),
           choices=consultant_choices),
    Column("subscription_count", _("Subscriptions target (units)"), 30, width=12),
    Column("signing_amount", _("Signing target (yuan)"), "90000000.00", width=16),
    Column("collection_amount", _("Collection target (yuan)"), "60000000.00", width=16),
)


class TargetResource(KindResource):
    columns = COLUMNS
    key_column = "month"

    month = fields.Field("month", "month", widget=Month())
    consultant = fields.Field("consultant", "consultant", saves_null_values=True)
    subscription_count = fields.Field("subscription_count", "subscription_count",
                                      widget=Number(0, minimum=Decimal(0), maximum=Decimal(100000), integer=True),
                                      default=0)
    signing_amount = fields.Field("signing_amount", "signing_amount", widget=Number(2, minimum=Decimal(0)),
                                  default=Decimal("0.00"))
    collection_amount = fields.Field("collection_amount", "collection_amount", widget=Number(2, minimum=Decimal(0)),
                                     default=Decimal("0.00"))

    class Meta(KindResource.Meta):
        model = Target
        import_id_fields = ["month", "consultant"]
        instance_loader_class = MonthLoader  # two key fields; a targets file is a few hundred rows
        fields = ("month", "consultant", "subscription_count", "signing_amount", "collection_amount")

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.fields["consultant"].widget = PersonCell(ctx)
        self.fields["consultant"].attribute = "consultant"  # the user (import-export names a declared key `_id`)

    def get_queryset(self):
        return Target.objects.filter(project=self.ctx.project)

    def init_instance(self, row=None):
        return Target(project=self.ctx.project)

    def natural_key(self, instance, row):
        return instance.month, instance.consultant_id

    def duplicate_message(self) -> str:
        return gettext("this month and consultant appear twice in the file")
