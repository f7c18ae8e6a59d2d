"""Who holds which roles where. Every service call starts here."""
from __future__ import annotations

from django.db.models import Aggregate, CharField, OuterRef, Subquery

from accounts.models import Membership
from kernel import access as kernel_access
from kernel.access import MANAGER_ROLES

ADMIN_ROLES = frozenset({"project_admin"})

__all__ = ["ADMIN_ROLES", "MANAGER_ROLES", "can_administer", "can_see", "parse_roles", "roles_in",
           "roles_subquery", "user_facts"]


def roles_in(user, project_id: int) -> frozenset[str]:
    """The kernel's lookup, for a user object (anonymous or missing: no roles)."""
    authenticated = user is not None and user.is_authenticated
    return kernel_access.roles_in(user.pk if authenticated else None, project_id)


def can_see(user, project_id: int, roles: frozenset[str]) -> bool:
    """Members of a project may see into it; platform superusers into every project.

    The project's gate only: which of its records a member sees follows their roles and,
    for consultants, their own work (engine.runtime.visibility, which the pages ask next).
    """
    return bool(roles) or bool(getattr(user, "is_superuser", False))


def can_administer(user, roles: frozenset[str]) -> bool:
    """Project admins configure a project's flows and rules; platform superusers any project's."""
    return bool(roles & ADMIN_ROLES) or bool(getattr(user, "is_superuser", False))


def user_facts(user, roles: frozenset[str]) -> dict:
    """What `user.` means in expressions."""
    if user is None:
        return {"id": None, "username": "system", "name": "system", "roles": []}
    return {"id": user.pk, "username": user.get_username(), "name": str(user), "roles": sorted(roles)}


class _JoinedRoles(Aggregate):
    """Role names joined by commas: GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s)"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="STRING_AGG",
                           template="%(function)s(%(expressions)s, ',')", **extra)


def roles_subquery(user) -> Subquery:
    """The user's roles in the outer row's project, as one text column of the same query.

    Folding them into the record's lock query saves a round trip on every service call.
    """
    return Subquery(Membership.objects.filter(user=user, project_id=OuterRef("project_id"))
                    .values("user").annotate(joined=_JoinedRoles("role")).values("joined")[:1])


def parse_roles(joined: str | None) -> frozenset[str]:
    return frozenset(joined.split(",")) if joined else frozenset()
