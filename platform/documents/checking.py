"""A document template checked on save: it compiles, and every name it uses exists.

The compiled template's nodes are walked for their variables (`{{ … }}`, `{% if %}`,
`{% for %}`, `{% with %}` …); each is looked up against the context's known keys
(context.build) and, under `data`, the flow's entity schema. An unknown name is
reported with the line it is on and the nearest known name, so a typo is found when the
template is saved, not on the buyer's paper as an empty space.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.template import Node, TemplateSyntaxError
from django.template.base import FilterExpression, Variable, VariableNode
from django.template.defaulttags import ForNode, WithNode

from .rendering import ENGINE

PERSON = {"name", "phone", "id_number"}
PAYMENT = {"kind", "amount", "received_on", "received_at", "note", "reference", "refund"}
# root -> the keys under it (None: any key, e.g. the frozen quote's own shape)
ROOTS: dict[str, set[str] | None] = {
    "project": {"code", "name", "company", "header"},
    "record": {"reference", "flow", "state", "started_on"},
    "data": None,  # the flow's entity schema, checked separately
    "customer": PERSON,
    "buyers": None,
    "unit": {"code", "building", "floor", "layout", "built_area", "inner_area", "orientation", "list_price"},
    "quote": None,
    "payments": {"list", "received", "refunded", "net"},
    "payment": PAYMENT,
    "document": {"reference", "title", "issued_at", "qr", "verify_url", "preview"},
    "today": set(),
    "forloop": None, "block": None, "True": None, "False": None, "None": None,
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a template: its line (None when Django does not say) and what, apart.

    A bundle reports the line where its files are listed and the message beside it; the
    studio shows `words` (the line in front).
    """

    line: int | None
    name: str = ""
    nearest: str = ""
    syntax: str = ""  # a template that does not compile: Django's own words

    def message(self, lang: str) -> str:
        zh = lang.startswith("zh")
        if self.syntax:
            return f"模板写法有误：{self.syntax}" if zh else f"the template does not compile: {self.syntax}"
        if zh:
            return f"没有 {self.name} 这个字段" + (f"，是不是 {self.nearest}？" if self.nearest else "")
        return f"there is no field {self.name}" + (f"; did you mean {self.nearest}?" if self.nearest else "")

    def words(self, lang: str) -> str:
        line = "?" if self.line is None else self.line
        return f"第 {line} 行：{self.message(lang)}" if lang.startswith("zh") else f"line {line}: {self.message(lang)}"


def _expressions(value: object, depth: int = 0) -> Iterator[FilterExpression]:
    """Every FilterExpression inside a node's attributes (if conditions nest them in operator objects)."""
    if depth > 6:
        return
    if isinstance(value, FilterExpression):
        yield value
        return
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _expressions(v, depth + 1)
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _expressions(v, depth + 1)
    elif hasattr(value, "__dict__") and not isinstance(value, (Node, type)) and type(value).__module__.startswith(
            "django.template"):
        for v in vars(value).values():
            yield from _expressions(v, depth + 1)


def _lookups(expression: FilterExpression) -> Iterator[tuple[str, ...]]:
    var = getattr(expression, "var", None)
    if isinstance(var, Variable) and var.lookups:
        yield tuple(var.lookups)
    for _func, args in getattr(expression, "filters", ()):
        for is_var, arg in args:
            if is_var and isinstance(arg, Variable) and arg.lookups:
                yield tuple(arg.lookups)


def check(body: str, schema: Mapping | None, lang: str = "zh-hans") -> list[str]:
    """Problems with a template body in words, each naming its line; [] when it is good."""
    return [p.words(lang) for p in problems_in(body, schema)]


def problems_in(body: str, schema: Mapping | None) -> list[Problem]:
    """Problems with a template body, each with its line; [] when it is good.

    `schema` is the flow's entity schema; None for a document of every flow (the
    receipt), which may then name no `data` field.
    """
    try:
        template = ENGINE.from_string(body)
    except TemplateSyntaxError as error:
        line = getattr(error, "template_debug", {}).get("line")
        return [Problem(line if isinstance(line, int) else None, syntax=str(error))]
    local: set[str] = set()
    nodes = template.nodelist.get_nodes_by_type(Node)
    for node in nodes:
        if isinstance(node, ForNode):
            local.update(node.loopvars)
        elif isinstance(node, WithNode):
            local.update(node.extra_context)
    properties = dict((schema or {}).get("properties") or {})
    problems: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    for node in nodes:
        line = getattr(getattr(node, "token", None), "lineno", 0) or 0
        exprs = [node.filter_expression] if isinstance(node, VariableNode) else list(_expressions(vars(node)))
        for expression in exprs:
            for lookups in _lookups(expression):
                problem = _problem(lookups, properties, local, schema is not None)
                if problem and (line, problem[0]) not in seen:
                    seen.add((line, problem[0]))
                    problems.append(Problem(line, *problem))
    return sorted(problems, key=lambda p: (p.line or 0, p.name))


def _nearest(name: str, known) -> str:
    found = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return found[0] if found else ""


def _problem(lookups: tuple[str, ...], properties: dict, local: set[str], has_schema: bool) -> tuple[str, str] | None:
    root = lookups[0]
    if root in local:
        return None
    if root not in ROOTS:
        return root, _nearest(root, [*ROOTS, *local])
    if len(lookups) < 2:
        return None
    key = lookups[1]
    if root == "data":
        if not has_schema:
            return "data." + key, ""
        if key not in properties:
            return "data." + key, ("data." + n if (n := _nearest(key, properties)) else "")
        return None
    keys = ROOTS[root]
    if keys is None or key in keys:
        return None
    return f"{root}.{key}", (f"{root}.{n}" if (n := _nearest(key, keys)) else "")
