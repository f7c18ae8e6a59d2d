"""A project's overrides on a flow template: the effective document.

Overrides are a JSON Merge Patch (RFC 7396) in which the lists of named things
(`roles`, `states`, `transitions`, `timers`, and each state's `tasks`) are addressed by
name instead of by position:

    states:
      awaiting_contract:
        deadline: {after: 3d}          # change one key of one state
      legal_review: {title: ..., ...}  # a name the template lacks: a new state, appended
      draft: null                      # null removes the state
    transitions:
      submit: {guard: "..."}
    entity:
      schema: {properties: {extra_field: {type: string}}}

Plain lists elsewhere (`roles: [...]` of a transition, `required`) are replaced whole,
as RFC 7396 says. The merge itself is the RFC's ten-line algorithm; what is ours is the
named-list addressing around it.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping

from .errors import Problem

NAMED_LISTS = ("roles", "states", "transitions", "timers")
NAMED_IN_STATE = ("tasks",)
_KIND = {"roles": ("role", "角色"), "states": ("state", "状态"), "transitions": ("transition", "流转"),
         "timers": ("timer", "定时器"), "tasks": ("task", "任务")}


def merge_patch(target: object, patch: object) -> object:
    """RFC 7396."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    return _merge_mapping(target, patch)


def _merge_mapping(target: object, patch: Mapping) -> dict:
    """merge_patch of a mapping patch: always a mapping (what a named item's change is merged with)."""
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _keyed(items: object) -> dict | None:
    """A list of named mappings as {name: item}; None if it is not one."""
    if not isinstance(items, list):
        return None
    out: dict = {}
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or item["name"] in out:
            return None
        out[item["name"]] = item
    return out


def _patch_named(items: object, patch: object, path: tuple, key: str, problems: list[Problem],
                 nested: tuple[str, ...] = ()) -> object:
    keyed = _keyed([] if items is None else items)  # a list the template lacks starts empty
    if not isinstance(patch, Mapping) or keyed is None:
        return merge_patch(items, patch) if isinstance(patch, Mapping) else copy.deepcopy(patch)
    for name, change in patch.items():
        here = path + (name,)
        if change is None:
            if name not in keyed:
                kind, kind_zh = _KIND[key]
                problems.append(Problem("override.unknown_item", here, {"kind": kind, "kind_zh": kind_zh, "name": name}))
            keyed.pop(name, None)
            continue
        base = keyed.get(name, {})
        if isinstance(change, Mapping):
            child = {k: v for k, v in change.items() if k not in nested}
            merged = _merge_mapping(base, child)
            for sub in nested:
                if sub in change:
                    merged[sub] = _patch_named(base.get(sub) if isinstance(base, Mapping) else None,
                                               change[sub], here + (sub,), sub, problems)
            merged["name"] = name
            keyed[name] = merged
        else:
            keyed[name] = copy.deepcopy(change)
    return list(keyed.values())


def apply_overrides(template: object, overrides: object) -> tuple[object, list[Problem]]:
    """Template + overrides -> effective document, with problems in the overrides."""
    if overrides in (None, {}):
        return copy.deepcopy(template), []
    if not isinstance(overrides, Mapping):
        return copy.deepcopy(template), [Problem("override.not_mapping", ())]
    if not isinstance(template, Mapping):
        return copy.deepcopy(template), []
    problems: list[Problem] = []
    result = dict(copy.deepcopy(template))
    for key, change in overrides.items():
        if key in NAMED_LISTS:
            nested = NAMED_IN_STATE if key == "states" else ()
            result[key] = _patch_named(result.get(key), change, (key,), key, problems, nested)
        elif change is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), change)
    return result, problems
