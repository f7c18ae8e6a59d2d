"""Who holds which roles where. Every service call starts here."""
from __future__ import annotations

from accounts.models import Membership

MANAGER_ROLES = frozenset({"sales_manager", "project_director", "project_admin"})


def roles_in(user, project_id: int) -> frozenset[str]:
    if user is None or not user.is_authenticated:
        return frozenset()
    return frozenset(Membership.objects.filter(user=user, project_id=project_id).values_list("role", flat=True))


def can_see(user, project_id: int, roles: frozenset[str]) -> bool:
    """Members of a project see its records; platform superusers see every project."""
    return bool(roles) or bool(getattr(user, "is_superuser", False))


def user_facts(user, roles: frozenset[str]) -> dict:
    """What `user.` means in expressions."""
    if user is None:
        return {"id": None, "username": "system", "name": "system", "roles": []}
    return {"id": user.pk, "username": user.get_username(), "name": str(user), "roles": sorted(roles)}
