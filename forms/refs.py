"""What the pickers need from the platform, without the forms knowing the kernel.

The forms package may not import the kernel (see .importlinter): the web layer passes
a `Refs` implementation (web.views.lookups.PageRefs) that finds units, customers and
members in one project, with phones masked for the viewer. Each method answers a
whole batch in one query, so a form with several pickers (a buyers editor with five
rows) costs a query per kind of picker, not per row.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class UnitOption:
    pk: int
    code: str
    label: str  # code, area, list price and sale status, in the user's language
    available: bool


@dataclass(frozen=True)
class CustomerOption:
    pk: int
    name: str
    phone: str  # as the viewer may see it: full or 138****1234
    registered: bool = True  # registered in the refs' project (a full phone finds customers of any project)

    @property
    def label(self) -> str:
        return f"{self.name} {self.phone}"


class Refs(Protocol):
    """Lookups for the x-ref pickers of one project, as one viewer sees them."""

    def units_by_code(self, codes: Iterable[str]) -> dict[str, UnitOption]: ...

    def units_by_pk(self, pks: Iterable[int]) -> dict[int, UnitOption]: ...

    def customers_by_pk(self, pks: Iterable[int]) -> dict[int, CustomerOption]: ...

    def customers_matching(self, text: str) -> Sequence[CustomerOption]:
        """Customers whose full phone is `text`, or whose name is exactly `text` (the typed fallback)."""
        ...

    def members(self) -> Sequence[tuple[int, str]]:
        """(user pk, display name) of the project's members."""
        ...

    def lookup_url(self, kind: str, *, free_only: bool = False) -> str: ...

    def codes(self, name: str) -> Sequence[tuple[str, str]]:
        """(code, title) of a code list of the project's rules (a schema's `x-codes`, e.g. "pricing.discounts")."""
        ...

    @property
    def time_zone(self) -> str: ...
