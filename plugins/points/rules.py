"""A project's points rules as frozen values, and the checks JSON Schema cannot make."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from extensions.api import Problem, cached_schema, duplicate_codes, rule_problem

from .earning import Level

SCHEMA_PATH = Path(__file__).with_name("rules.schema.json")


def schema() -> dict:
    """The rule schema, read exactly by the platform's one schema loader (shared: copy before changing)."""
    return cached_schema(SCHEMA_PATH)


@dataclass(frozen=True)
class Event:
    code: str
    title: str
    points: int


@dataclass(frozen=True)
class PointsRules:
    revision: int
    yuan_per_point: Decimal | None  # None: purchases earn nothing under these rules
    purchase_cap: int | None
    referral_points: int | None
    events: Mapping[str, Event]
    levels: tuple[Level, ...]
    expiry_days: int | None
    redemption_yuan_per_point: Decimal | None
    redemption_minimum: int


def parse(config: Mapping, revision: int = 0) -> PointsRules:
    purchase, redemption = config.get("purchase"), config.get("redemption")
    return PointsRules(
        revision=revision,
        yuan_per_point=Decimal(purchase["yuan_per_point"]) if purchase else None,
        purchase_cap=(purchase or {}).get("cap"),
        referral_points=config["referral"]["points"] if "referral" in config else None,
        events=MappingProxyType({e["code"]: Event(e["code"], e["title"], e["points"]) for e in config.get("events", [])}),
        levels=tuple(Level(lv["code"], lv["title"], lv["from"]) for lv in config["levels"]),
        expiry_days=config.get("expiry_days"),
        redemption_yuan_per_point=Decimal(redemption["yuan_per_point"]) if redemption else None,
        redemption_minimum=(redemption or {}).get("minimum", 1),
    )


def check(config: Mapping) -> list[Problem]:
    problems: list[Problem] = []
    for section in ("purchase", "redemption"):
        if section in config and Decimal(config[section]["yuan_per_point"]) <= 0:
            problems.append(rule_problem((section, "yuan_per_point"), "must be more than 0", "必须大于 0"))
    problems += duplicate_codes(config.get("events", []), "events")
    levels = config["levels"]
    problems += duplicate_codes(levels, "levels")
    if levels[0]["from"] != 0:
        problems.append(rule_problem(("levels", 0, "from"), "the first level must start at 0, so every member has one",
                                     "第一个等级必须从 0 开始，以便每位会员都有等级"))
    for i in range(1, len(levels)):
        if levels[i]["from"] <= levels[i - 1]["from"]:
            problems.append(rule_problem(("levels", i, "from"),
                                         f"must be above the level before it ({levels[i - 1]['from']})",
                                         f"必须高于上一等级（{levels[i - 1]['from']}）"))
    return problems

