"""`customers` 客户导入: customers with their consultant, source type and campaign, deduplicated by phone.

A phone already in the customer base (in any spelling, or merged into another customer)
is that customer: their details in the base are left as they are, and the row only
registers them in this project to the named consultant. A customer protected for
another consultant here is refused at that row, as the front desk refuses it; one whose
protection ran out is handed over, as a claim would. New customers are registered with
the project's protection period. A source type or campaign is kept as the customer's
first visit in the project (on the date the file gives, else the day of the import),
once: its token is the project and the phone, so a second load adds nothing.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import cast

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, widgets
from import_export.instance_loaders import BaseInstanceLoader
from simple_history.utils import bulk_create_with_history

from kernel import customers as kernel_customers
from kernel import visits as kernel_visits
from kernel.errors import InvalidPhone
from kernel.models import Campaign, Customer, CustomerMerge, CustomerRegistration, Visit, VisitKind
from kernel.phones import normalise_phone
from kernel.zones import local_text

from .base import Context, KindResource
from .columns import Choice, Column, lazy_choices
from .targets import PersonCell, consultant_choices
from .widgets import Day, Pick, Text, blank, text_of

GENDERS = (("female", _("female")), ("male", _("male")))


def source_choices(project) -> list[Choice]:
    return [Choice(s["code"], {"zh-hans": s["zh"], "en": s["en"]}) for s in kernel_visits.source_types(project)]


def campaign_choices(project) -> list[Choice]:
    return [Choice(name, {"zh-hans": name, "en": name})
            for name in Campaign.objects.filter(project=project).order_by("name").values_list("name", flat=True)]


def id_type_choices(_project=None) -> list[Choice]:
    """The ID types of schemas/customer.json, titled as the customer form titles them."""
    schema = cast(dict, kernel_customers._extra_validator().schema)["properties"]["id_type"]  # an object schema
    titles = schema.get("x-enum-titles", {})
    return [Choice(code, {"zh-hans": titles.get(code, {}).get("zh", code), "en": titles.get(code, {}).get("en", code)})
            for code in schema["enum"]]


COLUMNS = (
    Column("name", _("Name"), "李娜", required=True, width=12),
    Column("phone", _("Phone"), "13812341234", required=True, width=16),
    Column("consultant", _("Consultant"), "wang", required=True, help=_("Username or name of a sales consultant."),
           choices=consultant_choices),
    Column("source_type", _("Source type"), "", choices=source_choices),
    Column("campaign", _("Campaign"), "", choices=campaign_choices, width=18),
    Column("first_visit_on", _("First visit on"), "2026-06-01", width=12),
    Column("gender", _("Gender"), str(_("female")), choices=lambda p: lazy_choices(GENDERS), width=8),
    Column("id_type", _("ID type"), "", choices=id_type_choices, width=14,
           help=_("Empty: a resident identity card, whose number is checked.")),
    Column("id_number", _("ID number"), "", width=20),
    Column("email", _("Email"), ""),
    Column("address", _("Address"), "", width=24),
    Column("note", _("Note"), "", width=24),
)
EXTRA = ("gender", "id_type", "id_number", "email", "address", "note")


class PhoneCell(widgets.Widget):
    def clean(self, value, row=None, **kwargs) -> str:
        if blank(value):
            raise ValueError(gettext("required"))
        try:
            return normalise_phone(text_of(value))
        except InvalidPhone:
            raise ValueError(gettext("not a phone number, e.g. 13812341234")) from None

    def render(self, value, obj=None, **kwargs):
        return value


class PhoneLoader(BaseInstanceLoader):
    """The chunk's customers by normalised phone in two queries: their own numbers, and numbers merged into them."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        phones = set()
        for row in dataset.dict if dataset is not None else ():
            try:
                phones.add(normalise_phone(text_of(row.get("phone") or "")))
            except InvalidPhone:
                continue
        self.by_phone = {c.phone: c for c in Customer.objects.filter(phone__in=phones)}
        merged = dict(CustomerMerge.objects.filter(merged_phone__in=phones - set(self.by_phone))
                      .values_list("merged_phone", "survivor_id"))
        survivors = Customer.objects.in_bulk(set(merged.values()))
        for phone, survivor in merged.items():
            if survivor in survivors:
                self.by_phone[phone] = survivors[survivor]
        # the known customers' registrations in this project, in one query (one per row made a reload crawl)
        known = {c.pk for c in self.by_phone.values()}
        resource.registrations = {r.customer_id: r for r in CustomerRegistration.objects.select_related("consultant")
                                  .filter(project=resource.ctx.project, customer_id__in=known)}

    def get_instance(self, row):
        try:
            return self.by_phone.get(normalise_phone(text_of(row.get("phone") or "")))
        except InvalidPhone:
            return None


class CustomerResource(KindResource):
    columns = COLUMNS
    key_column = "phone"

    name = fields.Field("name", "name", widget=Text(100, required=True))
    phone = fields.Field("phone", "phone", widget=PhoneCell())

    class Meta(KindResource.Meta):
        model = Customer
        import_id_fields = ["phone"]
        instance_loader_class = PhoneLoader
        fields = ("name", "phone")

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.now = timezone.now()
        self.protection = timedelta(days=int(ctx.project.setting("protection_days")))
        self.consultant_cell = PersonCell(ctx, required=True)
        self.source_cell = Pick(lambda: source_choices(ctx.project))
        self.gender_cell = Pick(lambda: lazy_choices(GENDERS))
        self.id_type_cell = Pick(id_type_choices)
        self.campaigns = {c.name.casefold(): c for c in Campaign.objects.filter(project=ctx.project)}
        prefix = self._token("")
        self.visited = set(Visit.objects.filter(project=ctx.project, token__startswith=prefix)
                           .values_list("token", flat=True))
        self.plans: dict[int, dict] = {}  # id(instance) -> what the row does besides the customer row
        self.registrations: dict[int, CustomerRegistration] = {}  # customer id -> the chunk's, by PhoneLoader

    def natural_key(self, instance, row):
        return instance.phone

    def _token(self, phone: str) -> str:
        return f"import-{self.ctx.project.pk}-{phone}"

    def get_queryset(self):
        return Customer.objects.all()

    def init_instance(self, row=None):
        return Customer(created_at=self.now, created_by=_user(self.ctx.user))

    def import_instance(self, instance, row, **kwargs):
        existing = instance.pk is not None
        kept = (instance.name, instance.phone, dict(instance.extra)) if existing else None
        try:
            super().import_instance(instance, row, **kwargs)
        finally:
            if kept is not None:  # a known customer's details in the base stay as they are
                instance.name, _phone, instance.extra = kept

    def check(self, instance: Customer, row, before: dict, failed: set[str]) -> None:
        errors: dict[str, str] = {}
        plan: dict = {}
        consultant = self._cell(errors, "consultant", self.consultant_cell, row)
        source = self._cell(errors, "source_type", self.source_cell, row) if "source_type" in row else ""
        campaign = None
        if not blank(row.get("campaign")):
            campaign = self.campaigns.get(text_of(row["campaign"]).casefold())
            if campaign is None:
                errors["campaign"] = gettext("no campaign of this project is called so")
            elif source and campaign.source_type != source:
                errors["campaign"] = gettext("belongs to another source type than the row's")
            else:
                source = source or campaign.source_type
        first_visit = self._cell(errors, "first_visit_on", Day(), row) if "first_visit_on" in row else None
        if instance.pk is None:
            extra = {}
            for key in EXTRA:
                if key in row and not blank(row[key]):
                    picker = {"gender": self.gender_cell, "id_type": self.id_type_cell}.get(key)
                    extra[key] = self._cell(errors, key, picker, row) if picker else text_of(row[key])
            for key, words in kernel_customers.extra_field_problems(extra).items():
                errors.setdefault(key if key in EXTRA else "note", words[3 if self._zh else 2])
            if not errors:
                instance.extra = kernel_customers._checked_extra(extra)
        if consultant is not None and instance.pk is not None and "consultant" not in errors:
            current = self._registration(instance)
            if current is None:
                plan["claim"] = True
            elif current.consultant_id != consultant.pk:
                if current.protected_until > self.now and current.released_at is None:
                    errors["consultant"] = gettext(
                        "%(name)s is protected for %(consultant)s until %(until)s; a manager can reassign them")\
                        % {"name": instance.name, "consultant": str(current.consultant),
                           "until": local_text(current.protected_until, self.ctx.project.zone,
                                               "zh" if self._zh else "en")}
                else:
                    plan["claim"] = True
        if errors:
            raise ValidationError(errors)
        plan["consultant"] = consultant
        if source or campaign:
            token = self._token(instance.phone)
            if token not in self.visited:
                plan["visit"] = (token, source, campaign, first_visit)
        self.plans[id(instance)] = plan

    @property
    def _zh(self) -> bool:
        return self.ctx.language.startswith("zh")

    def _cell(self, errors: dict, key: str, widget, row):
        try:
            return widget.clean(row.get(key), row)
        except ValueError as exc:
            errors[key] = str(exc)
            return None

    def _registration(self, customer: Customer) -> CustomerRegistration | None:
        """Read by the chunk's loader for every known customer of the chunk."""
        return self.registrations.get(customer.pk)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        plan = self.plans.get(id(instance), {})
        return instance.pk is not None and not plan.get("claim") and "visit" not in plan

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size, result)
        if not self.ctx.writing:  # the check's plans are never carried out: kept, they piled up a row each
            self.plans.clear()

    def save_instance(self, instance, is_create, row, **kwargs):
        if is_create:
            self.create_instances.append(instance)
            return
        if not self.ctx.writing:
            return
        plan = self.plans.pop(id(instance), {})
        if plan.get("claim"):
            kernel_customers.claim(project_id=self.ctx.project.pk, customer_id=instance.pk,
                                   consultant_id=plan["consultant"].pk, now=self.now)
        if "visit" in plan:
            Visit.objects.bulk_create([self._visit(instance, plan)])

    def after_bulk_create(self, instances: list) -> None:
        registrations, visits = [], []
        for customer in instances:
            plan = self.plans.pop(id(customer), {})
            consultant = plan["consultant"]
            registrations.append(CustomerRegistration(
                project=self.ctx.project, customer=customer, consultant=consultant, registered_at=self.now,
                protected_until=self.now + self.protection, note=gettext("imported")[:200]))
            if "visit" in plan:
                visits.append(self._visit(customer, plan))
        bulk_create_with_history(registrations, CustomerRegistration, batch_size=1000,
                                 default_user=_user(self.ctx.user), default_date=self.now)
        Visit.objects.bulk_create(visits, batch_size=1000)
        self.ctx.count("registered", len(registrations))
        self.ctx.count("visits", len(visits))

    def _visit(self, customer: Customer, plan: dict) -> Visit:
        token, source, campaign, first_visit = plan["visit"]
        at = (timezone.make_aware(datetime.combine(first_visit, time(10)), self.ctx.project.zone)
              if first_visit else self.now)
        self.visited.add(token)
        return Visit(project=self.ctx.project, customer=customer, kind=VisitKind.VISIT, source_type=source or "",
                     campaign=campaign, received_by=plan["consultant"], at=at, token=token,
                     note=gettext("from an import")[:500])


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def _user_id(user):
    return user.pk if getattr(user, "is_authenticated", False) else None
