"""The platform's standard roles (domain.md). A flow may declare more in `roles:`."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RoleSpec:
    name: str
    zh: str
    en: str


STANDARD_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec("sales_consultant", "置业顾问", "Sales consultant"),
    RoleSpec("sales_manager", "销售经理", "Sales manager"),
    RoleSpec("project_director", "案场经理/项目总监", "Project director"),
    RoleSpec("finance", "财务", "Finance"),
    RoleSpec("contract_clerk", "签约/备案专员", "Contract and filing clerk"),
    RoleSpec("mortgage_specialist", "按揭专员", "Mortgage specialist"),
    RoleSpec("customer_service", "客服", "Customer service"),
    RoleSpec("handover_staff", "交付/物业", "Handover staff"),
    RoleSpec("leasing_agent", "租赁专员", "Leasing agent"),
    RoleSpec("merchant_manager", "招商经理", "Merchant-leasing manager"),
    RoleSpec("channel_agent", "渠道/分销", "Channel agent"),
    RoleSpec("project_admin", "项目管理员", "Project admin"),
    RoleSpec("platform_admin", "平台管理员", "Platform admin"),
    RoleSpec("implementer", "实施顾问", "Implementer"),
)

STANDARD_ROLE_NAMES = frozenset(r.name for r in STANDARD_ROLES)


def role_title_map(lang: str = "en", declared: Iterable[RoleSpec] = ()) -> dict[str, str]:
    """Every role's title in `lang` (zh or en): the standard roles, then those a flow declares."""
    chinese = lang.startswith("zh")
    return {r.name: (r.zh if chinese else r.en) for r in (*STANDARD_ROLES, *declared)}


def role_titles(names, lang: str = "en", declared: Iterable[RoleSpec] = ()) -> list[str]:
    """The roles' titles in `lang`, for messages; a role nobody gave a title keeps its code."""
    titles = role_title_map(lang, declared)
    return [titles.get(n, n) for n in names]
