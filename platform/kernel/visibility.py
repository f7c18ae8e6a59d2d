"""Phone masking: who sees a customer's full number, applied the same way everywhere.

The rule: a viewer sees a customer's full number when, in some project where the
customer is registered, the viewer holds one of `access.FULL_PHONE_ROLES`, or is the
consultant the customer is registered to there (and still a member of that project).
A page or export scoped to one project counts that project only. Everyone else,
including anonymous viewers and superusers without such a role, sees 138****1234.

Build one `PhoneVisibility` per request (one query for the viewer's memberships) and
pass it to `phone_for` / `customer_payload` for every customer shown; prefetch the
customers' registrations (`with_registrations`) so a list costs two queries in all.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from .access import FULL_PHONE_ROLES, memberships_of
from .models.customers import Customer
from .phones import mask_phone


@dataclass(frozen=True)
class PhoneVisibility:
    user_id: int | None
    memberships: Mapping[int, frozenset[str]] = field(default_factory=dict)
    project_id: int | None = None  # a page about one project: only it counts

    @classmethod
    def for_user(cls, user: Any, project_id: int | None = None) -> PhoneVisibility:
        user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
        return cls(user_id, memberships_of(user_id), project_id)

    def sees_full(self, customer: Customer) -> bool:
        for registration in customer.registrations.all():
            project = registration.project_id
            if self.project_id is not None and project != self.project_id:
                continue
            roles = self.memberships.get(project, frozenset())
            if roles & FULL_PHONE_ROLES:
                return True
            if roles and registration.consultant_id == self.user_id:
                return True
        return False

    def sees_full_given(self, registrations: Iterable[tuple[int, int | None]]) -> bool:
        """`sees_full` for a customer's registrations read as (project id, consultant id) values (a list read
        in one plain query rather than a prefetch per customer: web.views.receivables_due)."""
        for project, consultant_id in registrations:
            if self.project_id is not None and project != self.project_id:
                continue
            roles = self.memberships.get(project, frozenset())
            if roles & FULL_PHONE_ROLES or (roles and consultant_id == self.user_id):
                return True
        return False

    def phone_for(self, customer: Customer) -> str:
        return customer.phone if self.sees_full(customer) else mask_phone(customer.phone)


def with_registrations(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    return customers.prefetch_related("registrations")


def customer_payload(customer: Customer, visibility: PhoneVisibility) -> dict[str, Any]:
    """A customer as a page, export row or API response may show it, phone masked as the rule says."""
    full = visibility.sees_full(customer)
    return {
        "id": customer.pk,
        "name": customer.name,
        "phone": customer.phone if full else mask_phone(customer.phone),
        "phone_masked": not full,
        "extra": dict(customer.extra),
    }


def customer_rows(customers: Iterable[Customer], visibility: PhoneVisibility) -> list[dict[str, Any]]:
    return [customer_payload(c, visibility) for c in customers]
