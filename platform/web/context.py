"""Template context every page needs: the codes of the user's projects, for the menu."""
from accounts.models import Membership


def user_projects(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_projects": []}
    codes = (Membership.objects.filter(user=user).order_by("project__code")
             .values_list("project__code", flat=True).distinct())
    return {"user_projects": list(codes)}
