"""Which customers a viewer may see, and finding them by name, phone or ID number.

The rule (docs/customers.md says it for people):

- **A viewer sees the customers registered in the projects they are a member of**
  (any role; platform superusers see every project), each with the phone masked as
  `kernel.visibility` says for that viewer.
- **Sharing within a company.** When a project the viewer is a member of belongs to a
  company with `share_customers` on, the customers registered in the company's other
  projects are visible too, as if registered in the viewer's project (phone still
  masked per role: a consultant sees a full number only for their own customers).
- **Registered elsewhere.** Without sharing, a customer registered only in another
  project of the same company is found by their **whole phone number only**, and
  returned as "registered elsewhere": a flag, with neither their name nor anything
  else (a consultant must not be able to browse another project's customers, but must
  learn that the number typed is somebody's customer before registering it twice).
- **Other companies.** A customer registered only in projects of another company is
  not found at all, whatever is typed. A project without a company is a company of its
  own. A customer registered nowhere is not found either.
- **What searches.** A name matches when it contains the text (case-insensitive); a
  phone in any spelling (`138 1234 1234`, `+86-138…`) matches the whole stored number;
  exactly four digits match the last four digits of the stored number (they are shown
  in the mask anyway, so nothing is revealed digit by digit); an ID number matches
  `extra.id_number` exactly, case-insensitively (the final X of a resident ID).
  Last four digits, names and ID numbers search only the visible customers.

With `project`, the view is from that project: its registrations, plus the company's
other projects when the company shares; the viewer must be a member of it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from .access import memberships_of
from .customers import phone_filter
from .errors import InvalidPhone
from .models.customers import Customer
from .models.projects import Project
from .phones import mask_phone, normalise_phone
from .visibility import PhoneVisibility

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class Scope:
    """The projects whose customers a viewer sees in full, and those whose customers they see as "elsewhere"."""

    visible: frozenset[int]
    elsewhere: frozenset[int]


def _user_id(user: Any) -> int | None:
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def scope_for(user: Any, project: Project | None = None,
              memberships: Mapping[int, frozenset[str]] | None = None) -> Scope:
    """The viewer's scope (two queries: memberships, then the projects of their companies)."""
    if memberships is None:
        memberships = memberships_of(_user_id(user))
    member = {pid for pid, roles in memberships.items() if roles}
    superuser = bool(getattr(user, "is_superuser", False))
    if project is not None:
        if project.pk not in member and not superuser:
            return Scope(frozenset(), frozenset())
        member = {project.pk}
    elif superuser:
        return Scope(frozenset(Project.objects.values_list("pk", flat=True)), frozenset())
    if not member:
        return Scope(frozenset(), frozenset())
    own = Project.objects.filter(pk__in=member).values_list("pk", "company_id", "company__share_customers")
    visible = set(member)
    shared_companies: set[int] = set()
    other_companies: set[int] = set()
    for _pk, company_id, shares in own:
        if company_id is not None:
            (shared_companies if shares else other_companies).add(company_id)
    elsewhere: set[int] = set()
    if shared_companies or other_companies:
        for pk, company_id in Project.objects.filter(company_id__in=shared_companies | other_companies) \
                .values_list("pk", "company_id"):
            if company_id in shared_companies:
                visible.add(pk)
            elif pk not in visible:
                elsewhere.add(pk)
    return Scope(frozenset(visible), frozenset(elsewhere - visible))


def customers_for(user: Any, project: Project | None = None) -> QuerySet[Customer]:
    """The customers the viewer sees (registered in a project of their scope), one row each."""
    scope = scope_for(user, project)
    return Customer.objects.filter(pk__in=_registered_in(scope.visible))


def _registered_in(projects: Iterable[int]) -> QuerySet:
    from .models.customers import CustomerRegistration

    return CustomerRegistration.objects.filter(project_id__in=list(projects)).values("customer_id")


def whole_phone(text: str) -> str | None:
    """The E.164 number `text` spells, if it spells a whole valid one."""
    try:
        return normalise_phone(text)
    except InvalidPhone:
        return None


def matching(text: str) -> Q | None:
    """The customer filter for a search text (on `Customer` fields); None for an empty text.

    Name contains; a whole phone in any spelling; exactly four digits: the last four;
    the ID number exactly, case-insensitively.
    """
    text = text.strip()
    if not text:
        return None
    found = Q(name__icontains=text) | Q(extra__id_number__iexact=text)
    phone = whole_phone(text)
    if phone:
        found |= phone_filter(phone)  # also a number merged into the customer
    compact = text.replace(" ", "")
    if len(compact) == 4 and compact.isdigit():
        found |= Q(phone__endswith=compact)
    return found


def prefixed(q: Q, prefix: str) -> Q:
    """`q` (on Customer fields) for a model that reaches the customer through `prefix` (e.g. "customer")."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    for child in q.children:  # a Q's children are Qs and (lookup, value) pairs
        out.children.append(prefixed(child, prefix) if isinstance(child, Q)
                            else (f"{prefix}__{child[0]}", child[1]))  # type: ignore[index]
    return out


@dataclass(frozen=True)
class Found:
    """A search result. `elsewhere`: registered only in another project of the company; nothing else is said."""

    customer_id: int | None
    name: str
    phone: str
    phone_masked: bool
    elsewhere: bool = False


def search(user: Any, text: str, project: Project | None = None, *, limit: int = SEARCH_LIMIT) -> list[Found]:
    """Customers the viewer may find with `text`, phones masked for them; see the module's rule.

    A fixed number of queries: memberships, the company's projects, the matches with their
    registrations, and for a whole phone the "elsewhere" check.
    """
    q = matching(text)
    if q is None:
        return []
    memberships = memberships_of(_user_id(user))
    scope = scope_for(user, project, memberships)
    visibility = PhoneVisibility(_user_id(user), memberships, project.pk if project is not None else None)
    customers = (Customer.objects.filter(q, pk__in=_registered_in(scope.visible))
                 .prefetch_related("registrations").order_by("name", "pk")[:limit])
    found, phones = [], set()
    for customer in customers:
        phones.add(customer.phone)
        full = visibility.sees_full(customer)
        found.append(Found(customer.pk, customer.name, customer.phone if full else mask_phone(customer.phone),
                           not full))
    phone = whole_phone(text)
    if phone and phone not in phones and scope.elsewhere:
        if (Customer.objects.filter(phone_filter(phone), pk__in=_registered_in(scope.elsewhere))
                .exclude(pk__in=[f.customer_id for f in found]).exists()):
            found.append(Found(None, "", mask_phone(phone), True, elsewhere=True))
    return found


__all__ = ["Found", "Scope", "customers_for", "matching", "prefixed", "scope_for", "search", "whole_phone"]
