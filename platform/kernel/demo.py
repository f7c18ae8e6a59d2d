"""Filling a project from the demo fixture: buildings and units from stack specs, batches, customers.

Every step only adds what is missing, so `load_demo` can run on every start: a unit
someone reserved in the demo, a customer whose name was corrected, stay as they are.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from . import customers, units
from .models import Building, Customer, Project, QueueBatch, SaleStatus, Unit
from .money import fen
from .phones import normalise_phone

YUAN = Decimal("1")


@dataclass(frozen=True)
class Loaded:
    buildings: int = 0
    units: int = 0
    withheld: int = 0
    batches: int = 0
    customers: int = 0


def load_inventory(project: Project, spec: Mapping) -> Loaded:
    """Buildings, units, withheld units and queue batches of one project from its fixture entry."""
    new_units = 0
    new_buildings = 0
    for item in spec.get("buildings", []):
        building, created = Building.objects.get_or_create(project=project, code=str(item["code"]),
                                                           defaults={"name": item.get("name", "")})
        new_buildings += created
        new_units += _load_units(project, building, item)
    withheld = _withhold(project, spec.get("withheld", []))
    batches = 0
    for item in spec.get("queue_batches", []):
        batches += QueueBatch.objects.get_or_create(project=project, code=item["code"],
                                                    defaults={"title": item.get("title", "")})[1]
    return Loaded(buildings=new_buildings, units=new_units, withheld=withheld, batches=batches)


def load_customers(project: Project, entries: list[Mapping]) -> int:
    """Register each customer to their consultant in the project, unless their phone is already known."""
    consultants = dict(get_user_model().objects.filter(username__in={item["consultant"] for item in entries})
                       .values_list("username", "pk"))
    phones = [normalise_phone(str(item["phone"])) for item in entries]
    known = set(Customer.objects.filter(phone__in=phones).values_list("phone", flat=True))
    added = 0
    for item, phone in zip(entries, phones):
        if phone in known:
            continue
        customers.register(project_id=project.pk, consultant_id=consultants[item["consultant"]], name=item["name"],
                           phone=phone, extra=item.get("extra", {}))
        known.add(phone)
        added += 1
    return added


def list_price(built_area: Decimal, base_price: Decimal, coefficient: Decimal, floor_premium: Decimal,
               floors_up: int) -> Decimal:
    """Built area x base price x stack coefficient x floor uplift, rounded to the yuan."""
    price = built_area * base_price * coefficient * (1 + floor_premium * floors_up)
    return fen(price.quantize(YUAN, rounding=ROUND_HALF_UP))


def _withhold(project: Project, codes: list[str]) -> int:
    """Take the listed units off sale, once: a unit that was ever withheld is left as it is now."""
    ids = dict(Unit.objects.filter(project=project, code__in=codes).values_list("code", "pk"))
    missing = [code for code in codes if code not in ids]
    if missing:
        raise ValueError(f"{project.code}: withheld: no unit {', '.join(missing)} in the project")
    done_before = set(Unit.history.filter(id__in=ids.values(), status=SaleStatus.WITHHELD)
                      .values_list("id", flat=True))
    todo = list(Unit.objects.filter(pk__in=set(ids.values()) - done_before, status=SaleStatus.AVAILABLE)
                .values_list("pk", flat=True))
    for unit_id in todo:
        units.withhold(project.pk, unit_id, user_id=None, now=timezone.now())
    return len(todo)


def _load_units(project: Project, building: Building, item: Mapping) -> int:
    lowest, highest = item["floors"]
    existing = set(Unit.objects.filter(building=building).values_list("code", flat=True))
    base, premium = Decimal(item["base_price"]), Decimal(item.get("floor_premium", "0"))
    new = []
    for floor in range(lowest, highest + 1):
        for stack in item["stacks"]:
            code = f"{building.code}-{floor:02d}{stack['position']}"
            if code in existing:
                continue
            built = Decimal(stack["built_area"])
            new.append(Unit(
                project=project, building=building, code=code, floor=floor, position=stack["position"],
                layout=stack.get("layout", ""), built_area=built, inner_area=Decimal(stack["inner_area"]),
                orientation=stack.get("orientation", ""),
                list_price=list_price(built, base, Decimal(stack.get("coefficient", "1")), premium, floor - lowest)))
    if new:
        bulk_create_with_history(new, Unit, batch_size=500)
    return len(new)
