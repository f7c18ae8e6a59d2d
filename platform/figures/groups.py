"""Groups of projects: a company 集团 or one of its regions 区域, and who may see a group's figures.

A group role (accounts.GroupMembership) opens the figures of the company's projects, or
of one region's; project roles open one project's. Nothing else: a group role shows no
record and no customer.
"""
from __future__ import annotations

from dataclasses import dataclass

from kernel.models import Company, Project, Region

from .models import GroupMembership


@dataclass(frozen=True)
class Group:
    company: Company
    region: Region | None

    @property
    def code(self) -> str:
        return self.company.code if self.region is None else f"{self.company.code}/{self.region.code}"

    @property
    def name(self) -> str:
        return self.company.name if self.region is None else f"{self.company.name} · {self.region.name}"

    def projects(self) -> list[Project]:
        found = Project.objects.filter(company=self.company)
        if self.region is not None:
            found = found.filter(region=self.region)
        return list(found.order_by("code"))


def group_of(code: str) -> Group:
    """COMPANY or COMPANY/REGION; LookupError naming what is not there."""
    company_code, _, region_code = code.partition("/")
    company = Company.objects.filter(code=company_code).first()
    if company is None:
        raise LookupError(f"no company has the code '{company_code}'")
    region = None
    if region_code:
        region = Region.objects.filter(company=company, code=region_code).first()
        if region is None:
            raise LookupError(f"{company.code} has no region '{region_code}'")
    return Group(company, region)


def group_projects(code: str) -> tuple[list[Project], str]:
    group = group_of(code)
    return group.projects(), group.code


def groups_of(user) -> list[Group]:
    """The groups whose figures the user may see: their group memberships (every company for a superuser)."""
    if getattr(user, "is_superuser", False):
        return [Group(c, None) for c in Company.objects.order_by("code")]
    rows = GroupMembership.objects.filter(user=user).select_related("company", "region").order_by(
        "company__code", "region__code")
    return [Group(m.company, m.region) for m in rows]


def may_see_group(user, group: Group) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    memberships = GroupMembership.objects.filter(user=user, company=group.company)
    return memberships.filter(region__isnull=True).exists() or (
        group.region is not None and memberships.filter(region=group.region).exists())


def group_project_ids(user) -> set[int]:
    """Projects whose dashboard the user may open through a group role, in one query."""
    rows = GroupMembership.objects.filter(user=user).values_list("company_id", "region_id")
    ids: set[int] = set()
    if not rows:
        return ids
    from django.db.models import Q

    condition = Q(pk__in=[])
    for company, region in rows:
        condition |= Q(company_id=company) if region is None else Q(company_id=company, region_id=region)
    return set(Project.objects.filter(condition).values_list("pk", flat=True))
