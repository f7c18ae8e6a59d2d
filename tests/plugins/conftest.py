"""Small worlds for plugin tests: a project with published rules, units, members, a deal context."""
from __future__ import annotations

import itertools
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from extensions.models import RuleRevision
from extensions.rulesets import publish_rules
from kernel.actions import ActionContext
from kernel.models import Building, Customer, Project, Unit
from plugins.points.models import PointsAccount

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 5, 12, 10, 0, tzinfo=SHANGHAI)
_record_ids = itertools.count(7000)


def example_rules(plugin: str) -> dict:
    """The example configuration shipped with the plugin (and shown in docs/plugins.md)."""
    return json.loads((ROOT / "plugins" / plugin / "example-rules.json").read_text(encoding="utf-8"))


def publish_at(project: Project, plugin: str, config: dict, moment: datetime):
    """Publish `config` as if it had been published at `moment`, in force from then.

    The tests' world is May 2026, before the real clock, and publishing refuses a moment
    in the past; moving the stored dates afterwards is how a test says "published then".
    """
    rule_set = publish_rules(project, plugin, config)
    RuleRevision.objects.filter(project=project, plugin=plugin, revision=rule_set.revision).update(
        valid_from=moment, published_at=moment)
    return rule_set


def make_ctx(project: Project, *, record_id: int | None = None, lineage: tuple[int, ...] = (), flow: str = "contract",
             user_id: int | None = None, now: datetime = NOW, data: dict | None = None) -> ActionContext:
    """The context the engine passes an action: this record, then its ancestors, in `lineage`."""
    record_id = record_id if record_id is not None else next(_record_ids)
    return ActionContext(project_id=project.pk, record_id=record_id, reference=f"CON-{record_id:06d}", flow=flow,
                         user_id=user_id, now=now, data=data or {}, lineage=(record_id, *lineage))


def make_unit(project: Project, *, code: str = "3-1502", building: str = "3", floor: int = 15,
              orientation: str = "南", built_area: str = "128.50", inner_area: str = "101.37",
              list_price: str = "3058300.00") -> Unit:
    b, _ = Building.objects.get_or_create(project=project, code=building, defaults={"name": f"{building}号楼"})
    return Unit.objects.create(project=project, building=b, code=code, floor=floor, position=code[-2:],
                               built_area=Decimal(built_area), inner_area=Decimal(inner_area),
                               orientation=orientation, list_price=Decimal(list_price))


def make_customer(name: str = "王芳", phone: str = "+8613812341234") -> Customer:
    return Customer.objects.create(name=name, phone=phone, created_at=NOW)


def points_account(project: Project, customer: Customer) -> tuple[int, int, str]:
    """The member's points account in the project: (balance, points ever earned, level)."""
    a = PointsAccount.objects.get(project=project, customer=customer)
    return a.balance, a.points_ever_earned, a.level


@pytest.fixture
def project(db) -> Project:
    return Project.objects.create(code="PLG", name="Plugin garden")


@pytest.fixture
def pricing_rules(project):
    return publish_rules(project, "pricing", example_rules("pricing"))


@pytest.fixture
def commission_rules(project):
    return publish_rules(project, "commission", example_rules("commission"))


@pytest.fixture
def points_rules(project):
    return publish_rules(project, "points", example_rules("points"))
