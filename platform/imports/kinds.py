"""The kinds of import, by the name the command line and the pages use."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .columns import Column


@dataclass(frozen=True)
class Kind:
    name: str
    title: Promise
    description: Promise
    columns: Sequence[Column]
    resource: type
    finish: Callable = lambda ctx, outcome: None  # after the last chunk, inside the write transaction

    @property
    def sheet_title(self) -> str:
        return str(self.title)[:31]


def _kinds() -> dict[str, Kind]:
    from . import customers, measured_areas, price_list, targets, units

    return {k.name: k for k in (
        Kind("units", _("Units"), _("Buildings, floors and units with their areas, list prices and sale status."),
             units.COLUMNS, units.UnitResource),
        Kind("measured-areas", _("Measured areas"),
             _("The official survey per unit: starts one area settlement per signed contract."),
             measured_areas.COLUMNS, measured_areas.MeasuredAreaResource),
        Kind("customers", _("Customers"),
             _("Customers with their consultant, source type and campaign; a known phone is the same customer."),
             customers.COLUMNS, customers.CustomerResource),
        Kind("price-list", _("Price list"), _("List prices per unit, or a base price and coefficients that give them, "
                                                 "loaded as a new price list revision."),
             price_list.COLUMNS, price_list.PriceListResource, price_list.finish),
        Kind("targets", _("Targets"), _("Monthly subscription, signing and collection targets per project and "
                                        "consultant."), targets.COLUMNS, targets.TargetResource),
    )}


class _Kinds(dict):
    """Loaded on first use: the resources import models, which need the app registry ready."""

    def _load(self) -> None:
        if not super().__len__():
            super().update(_kinds())

    def __getitem__(self, key):
        self._load()
        return super().__getitem__(key)

    def __iter__(self):
        self._load()
        return super().__iter__()

    def __contains__(self, key):
        self._load()
        return super().__contains__(key)

    def __len__(self):
        self._load()
        return super().__len__()

    def values(self):
        self._load()
        return super().values()

    def items(self):
        self._load()
        return super().items()


KINDS: dict[str, Kind] = _Kinds()
# who may import into a project (and sees the imports page in the menu): its admins and implementers
IMPORT_ROLES = frozenset({"project_admin", "implementer"})
NAMES = ("units", "measured-areas", "customers", "price-list", "targets")
