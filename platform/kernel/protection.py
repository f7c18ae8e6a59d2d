"""Customer protection (防撞单/飞单) as a rule of every action on a customer, not only of the first.

A customer registered to a consultant in a project, while the protection runs, may be
acted on there (a deal started, a step fired, a reservation cancelled or converted, a
follow-up logged) only by that consultant, the project's managers, and holders of any
role the project does not bind (`protection_bound_roles`, by default the sales
consultants and channel agents: finance confirming a receipt is not taking a customer).
Everyone else is refused in words that say whose customer it is and whom to ask.
"""
from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .access import MANAGER_ROLES, roles_in
from .models.customers import CustomerRegistration


def bound_roles(project) -> frozenset[str]:
    """The roles protection binds in the project (its `protection_bound_roles` setting)."""
    return frozenset(project.setting("protection_bound_roles") or ())


def is_bound(roles: frozenset[str], project) -> bool:
    """Whether someone holding `roles` in the project is bound by other consultants' protections.

    A manager never is; someone holding any role the project does not bind is not either
    (a consultant who is also the contract clerk acts as the clerk). No role at all binds:
    a stranger to the project may not take its customers.
    """
    if roles & MANAGER_ROLES:
        return False
    return not (roles - bound_roles(project))


def protecting_registration(project_id: int, customer_id: int, *, now: datetime | None = None
                            ) -> CustomerRegistration | None:
    """The customer's registration in the project if its protection still runs, loaded for the refusal."""
    now = now or timezone.now()
    return (CustomerRegistration.objects.select_related("customer", "project", "consultant")
            .filter(project_id=project_id, customer_id=customer_id, protected_until__gt=now,
                    released_at__isnull=True).first())


def ensure_may_act(*, project_id: int, customer_id: int, user_id: int | None,
                   roles: frozenset[str] | None = None, now: datetime | None = None) -> None:
    """Refuse with `CustomerProtected` when the customer is protected here for someone else and
    `user_id` (holding `roles` in the project; read when not given) is bound by it."""
    registration = protecting_registration(project_id, customer_id, now=now)
    if registration is None or registration.consultant_id == user_id:
        return
    if roles is None:
        roles = roles_in(user_id, project_id)
    if not is_bound(roles, registration.project):
        return
    from .customers import _protected  # the one refusal text, shared with claim and register

    raise _protected(registration)
