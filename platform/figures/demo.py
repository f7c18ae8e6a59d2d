"""The demo's past months (load_demo runs this last): customers, visits, deals and payments over six months,
monthly targets, a region and a group executive, so the dashboards have shape on first sight.

Once per project: a project with targets already set is left as it is (people may have
used the demo since).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Membership
from kernel.models import Project, Region

from .fill import Sizes, fill
from .models import GroupMembership, GroupRole, Target
from .periods import add_months

DEMO_SIZES = Sizes(customers=160, visits=520, deals=48, payments=150, days=180)
GROUP_USER = {"username": "group", "password": "demo1234", "display_name": "钱进 集团营销总 Group executive"}


def load(project: Project) -> dict[str, int] | None:
    if Target.objects.filter(project=project).exists():
        return None
    consultants = list(Membership.objects.filter(project=project, role="sales_consultant")
                       .values_list("user_id", flat=True).distinct())
    agents = list(Membership.objects.filter(project=project, role="channel_agent")
                  .values_list("user_id", flat=True).distinct())
    if not consultants:
        return None
    made = fill(project, DEMO_SIZES, consultants=sorted(consultants), agents=sorted(agents))
    today = timezone.now().astimezone(project.zone).date()
    for back in range(-1, 7):
        month = add_months(today, -back)
        Target.objects.create(project=project, month=month, subscription_count=8,
                              signing_amount=Decimal("28000000.00"), collection_amount=Decimal("15000000.00"))
        for consultant in sorted(consultants):
            Target.objects.create(project=project, month=month, consultant_id=consultant, subscription_count=4,
                                  signing_amount=Decimal("14000000.00"))
    _group(project)
    return made


def _group(project: Project) -> None:
    """A region for the demo's company, the project in it, and a group executive who sees the company's figures."""
    if project.company_id is None:
        return
    region, _ = Region.objects.get_or_create(company_id=project.company_id, code="east",
                                             defaults={"name": "华东区域 East China"})
    Project.objects.filter(company_id=project.company_id, region__isnull=True).update(region=region)
    User = get_user_model()
    user, created = User.objects.get_or_create(username=GROUP_USER["username"],
                                               defaults={"display_name": GROUP_USER["display_name"]})
    if created:
        user.set_password(GROUP_USER["password"])
        user.save()
    GroupMembership.objects.get_or_create(user=user, company_id=project.company_id, region=None,
                                          defaults={"role": GroupRole.GROUP_EXECUTIVE})


__all__ = ["DEMO_SIZES", "date", "load"]
