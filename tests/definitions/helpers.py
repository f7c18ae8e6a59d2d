"""Shared building blocks for definition tests: a small valid flow and its environment."""
from __future__ import annotations

import copy
from pathlib import Path

from definitions import ActionCatalogue, ActionSpec, Environment, ParamKind, ParamSpec, build
from definitions.entity import load_schema_file
from definitions.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[2]

ACTIONS = ActionCatalogue.of([
    ActionSpec("unit.hold", {
        "unit": ParamSpec(ParamKind.EXPRESSION),
        "status": ParamSpec(ParamKind.LITERAL, required=False, schema={"enum": ["reserved", "subscribed"]}),
    }),
    ActionSpec("unit.release", {"unit": ParamSpec(ParamKind.EXPRESSION)}),
    ActionSpec("record.start_linked", {
        "flow": ParamSpec(ParamKind.FLOW),
        "data": ParamSpec(ParamKind.MAPPING, required=False),
    }),
    ActionSpec("record.set", {"field": ParamSpec(ParamKind.FIELD), "value": ParamSpec(ParamKind.EXPRESSION)}),
    ActionSpec("notify.later", {"after": ParamSpec(ParamKind.DURATION), "role": ParamSpec(ParamKind.ROLE)}),
])

PROJECT_SETTINGS = {
    "type": "object",
    "properties": {"discount_allowance": {"type": "string", "format": "decimal"},
                   "reservation_hours": {"type": "integer"}},
}

ENV = Environment(ACTIONS, None, PROJECT_SETTINGS, frozenset({"deal", "contract"}))

FILE = "flows/deal.yaml"

# A small flow that passes every check: draft -> review (countersign) -> done; as a file
# holds it, for line numbers and YAML's own mistakes. valid_document() is the same flow as data.
DEAL_YAML = """\
format: 1
name: deal
title: {zh: 交易, en: Deal}
entity:
  name: deal
  schema:
    type: object
    properties:
      unit_id: {type: integer}
      price: {type: string, format: money}
      discount_rate: {type: string, format: decimal}
      buyer: {type: object, properties: {name: {type: string}}}
      note: {type: string}
    required: [unit_id]
reference_prefix: DL
start: {state: draft, roles: [sales_consultant]}
states:
  - name: draft
    title: {zh: 草稿, en: Draft}
    owners: [sales_consultant]
    partial: true
    tasks:
      - {name: prepare, title: {zh: 准备, en: Prepare}}
  - name: review
    title: {zh: 审批, en: Review}
    tasks:
      - name: countersign
        kind: approval
        roles: [project_director, finance]
        require: all
        approved: approve
        rejected: reject
    deadline: {after: 24h, escalate_to: [project_director]}
  - {name: done, title: {zh: 完成, en: Done}, final: true}
  - {name: cancelled, title: {zh: 取消, en: Cancelled}, final: true}
transitions:
  - name: submit
    from: draft
    to: review
    roles: [sales_consultant]
    guard: decimal(record.discount_rate) > decimal(project.discount_allowance)
    form: {fields: [unit_id, price, discount_rate], required: [unit_id]}
    actions:
      - action: unit.hold
        args: {unit: record.unit_id, status: reserved}
  - {name: approve, from: review, to: done}
  - {name: reject, from: review, to: draft}
  - name: cancel
    from: "*"
    to: cancelled
    roles: [sales_manager]
    actions:
      - {action: unit.release, args: {unit: record.unit_id}}
timers:
  - {name: review_expires, state: review, after: 3d, fire: reject}
"""

_DEAL = load_yaml(DEAL_YAML, FILE).data
ENTITY = _DEAL["entity"]["schema"]


def valid_document() -> dict:
    """DEAL_YAML as data, a copy of its own for each test to change."""
    return copy.deepcopy(_DEAL)


def build_document(document: object, env: Environment = ENV, file: str = FILE):
    return build(document, env, file)


def line_of(text: str, fragment: str) -> int:
    """The number of the one line that is `fragment`, or else the one line containing it."""
    lines = text.splitlines()
    if fragment in lines:
        return lines.index(fragment) + 1
    [number] = [i for i, line in enumerate(lines, 1) if fragment in line]
    return number


def build_yaml(text: str):
    """Build a flow from YAML text, as `flows validate` reads a file."""
    loaded = load_yaml(text, FILE)
    return build(loaded.data, ENV, FILE, loaded.lines, loaded.problems)


def shipped_environment() -> Environment:
    """The installation's catalogue: the kernel's, the engine's and the plugins' actions (the flows call all three)."""
    from engine.actions import SPECS as ENGINE
    from extensions import registry
    from kernel.actions import SPECS as KERNEL

    settings_schema, _ = load_schema_file(ROOT / "schemas" / "project-settings.json")
    names = frozenset(p.stem for p in (ROOT / "flows").glob("*.yaml"))
    return Environment(ActionCatalogue.of(KERNEL + ENGINE + tuple(registry.action_specs())), ROOT / "schemas",
                       settings_schema, names)
