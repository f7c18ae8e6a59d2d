"""Template context every page needs: the user's projects (and those they administer), for the menu."""
from accounts.models import Membership
from engine.runtime.access import ADMIN_ROLES, can_administer
from kernel.models import Project


def user_projects(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_projects": [], "admin_projects": []}
    rows = list(Membership.objects.filter(user=user).order_by("project__code").values_list("project__code", "role"))
    codes = list(dict.fromkeys(code for code, _ in rows))
    if can_administer(user, frozenset()):  # a superuser: every project
        admin = list(Project.objects.order_by("code").values_list("code", flat=True))
    else:
        admin = list(dict.fromkeys(code for code, role in rows if role in ADMIN_ROLES))
    return {"user_projects": codes, "admin_projects": admin}
