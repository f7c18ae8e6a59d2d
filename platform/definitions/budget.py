"""What one expression may cost: limits on its shape at load time, and how big its values are.

A guard runs inside a web worker on every firing and on every page that offers the step,
so its cost must be bounded by its text, whatever the record holds. The language has no
loops or comprehensions, so the work of an evaluation is the number of its parts plus the
values it builds; the only ways to build many values are repeating a list or text (`*`)
and joining (`+`). Issue 16: `[[1]*10000]*10000 == ...` built a hundred million values
per firing (each repetition alone is small), and comparing two of them took 37.6 s.

The rules, in one place:
- load time: at most MAX_NODES parts, MAX_DEPTH levels, and no list or text built from
  literals that holds more than MAX_ITEMS values (`shape_problem`);
- run time: no value built of more than MAX_ITEMS values, checked before it is built,
  and at most WORK_BUDGET steps per evaluation, where each part evaluated is one step and
  each value built costs its size (the evaluator in `expressions` applies them).

The size of a value counts everything it holds, nested lists and repeated references
too (what comparing, testing `in` or checking it walks): a number, date or None is 1, a
text its number of characters, a list or mapping 1 plus the sizes of its items.
"""
from __future__ import annotations

import ast
from collections.abc import Mapping
from itertools import islice

MAX_NODES = 400      # parts of one expression; the longest shipped guard has about 50
MAX_DEPTH = 40       # levels of nesting; the deepest shipped guard has 9
MAX_ITEMS = 10_000   # values in one list or text an expression builds
WORK_BUDGET = 100_000  # steps of one evaluation: about a few milliseconds

# Nodes that are only markers of another node (load/store, which operator): not parts.
_MARKERS = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop)


def size_of(value: object, cap: int = MAX_ITEMS) -> int:
    """The size of `value`, counted up to just past `cap` (a result above `cap` means "more")."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, (list, tuple)):
            total += 1
            stack.extend(islice(item, max(cap - total + 1, 0)))
        elif isinstance(item, Mapping):
            total += 1
            stack.extend(islice(item.values(), max(cap - total + 1, 0)))
        else:
            total += 1
        if total > cap:
            return total
    return total


def repeated_size(size: int, times: int, text: bool) -> int:
    """The size of a list (or text) of `size` repeated `times` times: its items repeat, not the list."""
    if times <= 0:
        return 0 if text else 1
    return size * times if text else 1 + (size - 1) * times


def joined_size(left: int, right: int, text: bool) -> int:
    return left + right if text else left + right - 1


def shape_problem(tree: ast.AST) -> tuple[str, dict] | None:
    """The first limit a parsed expression breaks, as (problem code, parameters), or None."""
    parts = sum(1 for node in ast.walk(tree) if not isinstance(node, _MARKERS))
    if parts > MAX_NODES:
        return "expr.too_many_parts", {"limit": MAX_NODES}
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return "expr.too_deep", {"limit": MAX_DEPTH}
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node)
                     if not isinstance(child, _MARKERS))
    largest = max(_built_sizes(tree), default=0)
    if largest > MAX_ITEMS:
        return "expr.too_large", {"size": largest, "limit": MAX_ITEMS}
    return None


def _built_sizes(tree: ast.AST) -> list[int]:
    """The size of every list or text the expression builds whose size its text decides."""
    sizes: list[int] = []

    def built(node) -> tuple[bool, int] | None:  # (is text, size) of a literal-built value
        children = [built(child) for child in ast.iter_child_nodes(node)]
        result: tuple[bool, int] | None = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            result = (True, len(node.value))
        elif isinstance(node, (ast.List, ast.Tuple)):
            result = (False, 1 + sum(c[1] if c else 1 for c in children[:len(node.elts)]))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            left, right = children[0], children[-1]
            for sequence, count in ((left, node.right), (right, node.left)):
                if sequence and isinstance(count, ast.Constant) and type(count.value) is int:
                    result = (sequence[0], repeated_size(sequence[1], count.value, sequence[0]))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = children[0], children[-1]
            if left and right and left[0] == right[0]:
                result = (left[0], joined_size(left[1], right[1], left[0]))
        if result:
            sizes.append(result[1])
        return result

    built(tree)
    return sizes
