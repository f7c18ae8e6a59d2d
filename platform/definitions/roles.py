"""The platform's standard roles (domain.md). A flow may declare more in `roles:`."""
from __future__ import annotations

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


_TITLES = {r.name: r for r in STANDARD_ROLES}


def role_titles(names, lang: str = "en") -> list[str]:
    """The roles' titles in `lang` (zh or en), for messages; a role a flow declares itself keeps its code."""
    chinese = lang.startswith("zh")
    return [(_TITLES[n].zh if chinese else _TITLES[n].en) if n in _TITLES else n for n in names]
