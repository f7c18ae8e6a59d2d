"""Template context every page needs: the user's projects (those they administer, run the front desk of,
manage, keep the receivables of) for the menu, the assets."""
from django.conf import settings

from accounts.models import Membership
from engine.runtime.access import can_administer
from imports.kinds import IMPORT_ROLES
from kernel.access import MANAGER_ROLES
from kernel.dunning import RECEIVABLES_ROLES
from kernel.models import Project
from kernel.visits import FRONT_DESK_ROLES


def user_projects(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_projects": [], "admin_projects": [], "front_desk_projects": [], "manager_projects": [],
                "receivables_projects": [], "import_projects": []}
    roles: dict[str, set[str]] = {}
    held_by_user = Membership.objects.filter(user=user).order_by("project__code")
    for code, role in held_by_user.values_list("project__code", "role"):
        roles.setdefault(code, set()).add(role)
    if user.is_superuser:  # administers every project, member or not
        admin = list(Project.objects.order_by("code").values_list("code", flat=True))
    else:
        admin = [code for code, held in roles.items() if can_administer(user, frozenset(held))]
    return {"user_projects": list(roles), "admin_projects": admin,
            # the menu offers a page only where the user may use it: no link that answers "not allowed"
            "front_desk_projects": [code for code, held in roles.items() if held & FRONT_DESK_ROLES],
            "manager_projects": [code for code, held in roles.items() if held & MANAGER_ROLES],
            "receivables_projects": [code for code, held in roles.items() if held & RECEIVABLES_ROLES],
            # imports: a superuser may import into every project, as the imports page lets them
            "import_projects": admin if user.is_superuser else
            [code for code, held in roles.items() if held & IMPORT_ROLES]}


def vendor_assets(request) -> dict:
    """Which npm-installed browser assets this installation has (pages work without them)."""
    return {"vendor": {name.replace("-", "_"): True for name in settings.VENDOR_ASSETS}}
