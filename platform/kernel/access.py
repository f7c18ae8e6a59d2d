"""Who holds which roles where, and which roles may do what, read from project memberships.

The rules are here, as data, so a page, an export and an API all ask the same question
and get the same answer (docs/kernel.md states them for people).
"""
from __future__ import annotations

from accounts.models import Membership

# Roles that see customers' full phone numbers in the projects where they hold them:
# the people who must call or identify buyers to do their job (managing the sales
# floor, contracts and filing, mortgages, service calls, handover appointments) and
# the project's own admin. Everyone else sees 138****1234: consultants for customers
# other consultants registered, channel agents (they bring leads, and must not take
# them elsewhere), finance (receipts need no phone), leasing and merchant staff,
# implementers and platform admins (they configure the system, not call buyers).
FULL_PHONE_ROLES = frozenset({
    "sales_manager", "project_director", "contract_clerk", "mortgage_specialist",
    "customer_service", "handover_staff", "project_admin",
})

# Roles that run a project's sales floor: they may hand a protected customer to another
# consultant, and the engine lets them reassign and release tasks, add approvers and
# act on records they do not own. The one copy: the kernel, the engine and the web import it.
MANAGER_ROLES = frozenset({"sales_manager", "project_director", "project_admin"})


def roles_in(user_id: int | None, project_id: int) -> frozenset[str]:
    """The user's roles in the project, in one query; none for no user (a timer, an anonymous visitor)."""
    if user_id is None:
        return frozenset()
    return frozenset(Membership.objects.filter(user_id=user_id, project_id=project_id)
                     .values_list("role", flat=True))


def memberships_of(user_id: int | None) -> dict[int, frozenset[str]]:
    """project id -> the user's roles there, in one query."""
    if user_id is None:
        return {}
    roles: dict[int, set[str]] = {}
    for project_id, role in Membership.objects.filter(user_id=user_id).values_list("project_id", "role"):
        roles.setdefault(project_id, set()).add(role)
    return {p: frozenset(r) for p, r in roles.items()}
