"""The pickers' side of the platform: JSON search endpoints and the `Refs` the schema forms use.

Units are searched by code within one project; customers by name (those registered in
the project) or by phone, with the phone masked as kernel.visibility says for the
viewer. Both answer a page of at most `LIMIT` results in a fixed number of queries.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.models import Membership
from definitions.expressions import Expression
from extensions.rulesets import code_lists
from forms import CustomerOption, UnitOption
from kernel.access import memberships_of
from kernel.customers import phone_filter
from kernel.errors import InvalidPhone
from kernel.models import Customer, Project, Unit
from kernel.models.units import SaleStatus
from kernel.phones import normalise_phone
from kernel.visibility import PhoneVisibility, with_registrations

from ..display import shown_phone

LIMIT = 20
PHONE_SEARCH_DIGITS = 7  # fewer digits than this do not search phones: probing a masked number digit by digit


def unit_label(unit: Unit) -> str:
    """3-1203 · 89.37 m² · ¥2,530,307.00 · available (the status in the user's language)."""
    return f"{unit.code} · {unit.built_area} m² · ¥{unit.list_price:,.2f} · {SaleStatus(unit.status).label}"


def _unit_option(unit: Unit) -> UnitOption:
    return UnitOption(unit.pk, unit.code, unit_label(unit), unit.status == SaleStatus.AVAILABLE)


class PageRefs:
    """`forms.Refs` for one project and one viewer (phones masked as the viewer may see them)."""

    def __init__(self, user, project: Project):
        self.user, self.project = user, project
        self._codes: dict[str, list[tuple[str, str]]] = {}

    @cached_property
    def visibility(self) -> PhoneVisibility:
        """Read when a customer is shown, not before: most step forms name no customer."""
        return PhoneVisibility.for_user(self.user, self.project.pk)  # a page about one project: only it counts

    @property
    def time_zone(self) -> str:
        return self.project.zone.key

    def units_by_code(self, codes: Iterable[str]) -> dict[str, UnitOption]:
        units = Unit.objects.filter(project=self.project, code__in=list(codes))
        return {u.code: _unit_option(u) for u in units}

    def units_by_pk(self, pks: Iterable[int]) -> dict[int, UnitOption]:
        return {u.pk: _unit_option(u) for u in Unit.objects.filter(project=self.project, pk__in=list(pks))}

    def customer_option(self, customer: Customer) -> CustomerOption:
        phone = self.visibility.phone_for(customer)
        registered = any(r.project_id == self.project.pk for r in customer.registrations.all())
        return CustomerOption(customer.pk, customer.name, shown_phone(phone), registered)

    def customers_by_pk(self, pks: Iterable[int]) -> dict[int, CustomerOption]:
        customers = with_registrations(Customer.objects.filter(pk__in=list(pks)))
        return {c.pk: self.customer_option(c) for c in customers}

    def customers_matching(self, text: str) -> Sequence[CustomerOption]:
        text = text.strip()
        try:
            customers = Customer.objects.filter(phone_filter(normalise_phone(text)))  # also a merged number
        except InvalidPhone:
            customers = Customer.objects.filter(name=text, registrations__project=self.project).distinct()
        return [self.customer_option(c) for c in with_registrations(customers.order_by("pk"))[:LIMIT]]

    def members(self) -> Sequence[tuple[int, str]]:
        rows = (Membership.objects.filter(project=self.project).select_related("user")
                .order_by("user__display_name", "user__username"))
        seen: dict[int, str] = {}
        for membership in rows:
            seen.setdefault(membership.user_id, str(membership.user))
        return list(seen.items())

    def codes(self, name: str) -> Sequence[tuple[str, str]]:
        if name not in self._codes:
            self._codes.update(code_lists(self.project.pk, [name]))
        return self._codes[name]

    def lookup_url(self, kind: str, *, free_only: bool = False) -> str:
        url = reverse(f"web:lookup-{kind}s", args=[self.project.code])
        return f"{url}?free=1" if free_only else url


def held_unit_fields(definition) -> frozenset[str]:
    """The record fields a step of the flow holds as a unit (`unit.hold` on record.X): their pickers offer free units."""
    fields = set()
    for transition in definition.transitions:
        for call in transition.actions:
            unit = call.args.get("unit") if call.action == "unit.hold" else None
            source = unit.source if isinstance(unit, Expression) else None
            if source and source.startswith("record.") and source.count(".") == 1:
                fields.add(source.split(".", 1)[1])
    return frozenset(fields)


def form_options(request, project: Project, definition) -> dict:
    """The keyword arguments of `forms.build_form_class` for a page of this project and flow."""
    return {"refs": PageRefs(request.user, project), "free_unit_fields": held_unit_fields(definition)}


def _member_project(request, code: str) -> Project:
    project = Project.objects.filter(code=code).first()
    if project is None or (project.pk not in memberships_of(request.user.pk) and not request.user.is_superuser):
        raise Http404()
    return project


@login_required
@require_GET
def unit_lookup(request, project: str):
    """Units of the project whose code contains `q` (free ones only with free=1), by building and floor."""
    project_obj = _member_project(request, project)
    query = request.GET.get("q", "").strip()
    units = Unit.objects.filter(project=project_obj)
    if query:
        units = units.filter(code__icontains=query)
    if request.GET.get("free"):
        units = units.filter(status=SaleStatus.AVAILABLE)
    results = [{"value": u.code, "text": unit_label(u), "code": u.code, "area": str(u.built_area),
                "price": f"¥{u.list_price:,.2f}", "status": str(SaleStatus(u.status).label)}
               for u in units.order_by("code")[:LIMIT]]
    return JsonResponse({"results": results})


@login_required
@require_GET
def customer_lookup(request, project: str):
    """Customers registered in the project whose name contains `q`, or whose phone holds `q`'s digits (7 or more).

    A full phone number finds the customer wherever they were registered (one customer
    base); the phone is shown masked unless the viewer may see it.
    """
    project_obj = _member_project(request, project)
    refs = PageRefs(request.user, project_obj)
    query = request.GET.get("q", "").strip()
    if not query:
        return JsonResponse({"results": []})
    customers = Customer.objects.filter(registrations__project=project_obj, name__icontains=query)
    digits = "".join(c for c in query if c.isdigit())
    if len(digits) >= PHONE_SEARCH_DIGITS and len(digits) == len(query.replace(" ", "").lstrip("+")):
        in_project = Customer.objects.filter(registrations__project=project_obj, phone__contains=digits)
        customers = customers | in_project
        try:
            customers = customers | Customer.objects.filter(phone=normalise_phone(query))
        except InvalidPhone:
            pass
    found = with_registrations(customers.distinct().order_by("name", "pk"))[:LIMIT]
    results = [{"value": f"@{c.pk}", "text": option.label, "name": option.name, "phone": option.phone}
               for c in found for option in [refs.customer_option(c)]]
    return JsonResponse({"results": results})


__all__ = ["PageRefs", "customer_lookup", "form_options", "held_unit_fields", "unit_lookup"]
