"""A project's commission rules as frozen values, and the checks JSON Schema cannot make."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from extensions.api import Problem, cached_schema, duplicate_codes, rule_problem

from .tiers import Tier, TierMode

SCHEMA_PATH = Path(__file__).with_name("rules.schema.json")
ZERO, ONE = Decimal("0"), Decimal("1")


def schema() -> dict:
    """The rule schema, read exactly by the platform's one schema loader (shared: copy before changing)."""
    return cached_schema(SCHEMA_PATH)


@dataclass(frozen=True)
class Channel:
    code: str
    title: str
    rate: Decimal


@dataclass(frozen=True)
class CommissionRules:
    revision: int
    channels: Mapping[str, Channel]
    tier_mode: TierMode | None  # None: consultants earn no commission under these rules
    tiers: tuple[Tier, ...]
    referral_bonus: Decimal
    requires_filing: bool
    collected_share: Decimal
    resale_rate: Decimal | None = None  # None: resales earn no commission under these rules


def parse(config: Mapping, revision: int = 0) -> CommissionRules:
    consultant = config.get("consultant")
    return CommissionRules(
        revision=revision,
        channels=MappingProxyType({c["code"]: Channel(c["code"], c["title"], Decimal(c["rate"]))
                                   for c in config.get("channels", [])}),
        tier_mode=TierMode(consultant["mode"]) if consultant else None,
        tiers=tuple(Tier(t["from"], t.get("to"), Decimal(t["rate"])) for t in (consultant or {}).get("tiers", [])),
        referral_bonus=Decimal(config.get("referral_bonus", "0")),
        requires_filing=bool(config["payable"].get("requires_filing", True)),
        collected_share=Decimal(config["payable"]["collected_share"]),
        resale_rate=Decimal(config["resale"]["rate"]) if "resale" in config else None,
    )


def check(config: Mapping) -> list[Problem]:
    channels = config.get("channels", [])
    problems: list[Problem] = list(duplicate_codes(channels, "channels"))
    for i, channel in enumerate(channels):
        problems += _rate(("channels", i, "rate"), channel["rate"])
    tiers = config.get("consultant", {}).get("tiers", [])
    problems += _tier_problems(tiers)
    if Decimal(config.get("referral_bonus", "0")) < 0:
        problems.append(rule_problem(("referral_bonus",), "must not be negative", "不能为负数"))
    if "resale" in config:
        problems += _rate(("resale", "rate"), config["resale"]["rate"])
    share = Decimal(config["payable"]["collected_share"])
    if not ZERO <= share <= ONE:
        problems.append(rule_problem(("payable", "collected_share"), "must be between 0 and 1 (0.30 is 30 %)",
                                     "必须在 0 和 1 之间（0.30 即 30%）"))
    return problems


def _tier_problems(tiers: list) -> list[Problem]:
    """Tiers must cover every count from 1 up, in order, without gaps or overlaps, the last one open."""
    problems: list[Problem] = []
    expected_from: int | None = 1
    for i, tier in enumerate(tiers):
        path = ("consultant", "tiers", i)
        problems += _rate(path + ("rate",), tier["rate"])
        if expected_from is None:
            problems.append(rule_problem(path, "comes after an open tier (one without 'to'): remove it or give "
                                               "the tier before a 'to'", "位于无上限的档位之后：请删除，或为上一档设置 'to'"))
            continue
        if tier["from"] != expected_from:
            problems.append(rule_problem(path + ("from",), f"must be {expected_from}, so that tiers follow on without a "
                                                           f"gap or overlap", f"应为 {expected_from}，档位须首尾相接、不重叠"))
        last = tier.get("to")
        if last is not None and last < tier["from"]:
            problems.append(rule_problem(path + ("to",), f"is below 'from' ({tier['from']})", f"小于 'from'（{tier['from']}）"))
        expected_from = None if last is None else last + 1
    if tiers and expected_from is not None:
        problems.append(rule_problem(("consultant", "tiers", len(tiers) - 1, "to"),
                                     "the last tier must have no 'to', so every count has a rate",
                                     "最后一档不能设置 'to'，以便任何单数都有比例"))
    return problems


def _rate(path: tuple, value: str) -> list[Problem]:
    if not ZERO <= Decimal(value) < ONE:
        return [rule_problem(path, "must be at least 0 and below 1 (0.015 is 1.5 %)", "必须不小于 0 且小于 1（0.015 即 1.5%）")]
    return []
