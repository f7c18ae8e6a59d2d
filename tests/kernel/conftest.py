"""Small worlds for kernel tests: a project, a building with a few units, users, a deal context."""
from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Membership, User
from kernel import customers
from kernel.actions import ActionContext
from kernel.models import Building, Customer, Project, Unit

NOW = datetime(2026, 5, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
_record_ids = itertools.count(1000)


def make_ctx(project: Project, *, record_id: int | None = None, reference: str | None = None,
             flow: str = "reservation", user_id: int | None = None, now: datetime = NOW,
             lineage: tuple[int, ...] = ()) -> ActionContext:
    """The context the engine passes to a kernel action, for a deal record of our choosing."""
    record_id = record_id if record_id is not None else next(_record_ids)
    prefix = {"reservation": "RSV", "subscription": "SUB", "queue": "Q"}.get(flow, "REC")
    return ActionContext(project_id=project.pk, record_id=record_id,
                         reference=reference or f"{prefix}-{record_id:06d}", flow=flow, user_id=user_id,
                         now=now, data={}, lineage=(record_id, *lineage))


def make_units(project: Project, count: int, building_code: str = "3") -> list[Unit]:
    building, _ = Building.objects.get_or_create(project=project, code=building_code,
                                                 defaults={"name": f"{building_code}号楼"})
    return [
        Unit.objects.create(project=project, building=building, code=f"{building_code}-{15 + i // 4:02d}{i % 4 + 1:02d}",
                            floor=15 + i // 4, position=f"{i % 4 + 1:02d}", layout="3室2厅2卫",
                            built_area=Decimal("128.50"), inner_area=Decimal("101.37"), orientation="南",
                            list_price=Decimal("3058300.00"))
        for i in range(count)
    ]


def make_user(username: str, project: Project | None = None, *roles: str) -> User:
    user = User.objects.create_user(username=username, password="x", display_name=username.title())
    for role in roles:
        Membership.objects.create(user=user, project=project, role=role)
    return user


@pytest.fixture
def project(db) -> Project:
    return Project.objects.create(code="K1", name="Kernel test garden", settings={"protection_days": 30})


@pytest.fixture
def unit(project) -> Unit:
    return make_units(project, 1)[0]


@pytest.fixture
def wang(project) -> User:
    """A sales consultant in the project."""
    return make_user("wang", project, "sales_consultant")


@pytest.fixture
def zhang(project, wang) -> Customer:
    """A customer Wang registered on NOW in a project with 30 protection days."""
    return customers.register(project_id=project.pk, consultant_id=wang.pk, name="张伟", phone="13812341234",
                              now=NOW).customer
