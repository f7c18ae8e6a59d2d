"""The guard and argument expression language: a small, safe subset of Python syntax.

Parsing uses Python's `ast` (through simpleeval) and evaluation uses simpleeval, a
well-kept whitelist evaluator; nothing is ever passed to `eval`. On top of simpleeval:
- a static check at load time: only whitelisted syntax, only known roots
  (`record`, `form`, `project`, `user`), only fields the schemas declare;
- `.name` reads a key of a mapping and nothing else: no attribute of any Python object
  is reachable, whatever the data holds;
- numbers are Decimal: `0.05` is exactly five hundredths and `/` never yields a float;
- dates: `today` is the caller's (the engine gives the project's local date); record
  data keeps dates as ISO text, which `date()` reads and comparisons with a date read
  too. Nothing here ever looks at a clock, so an evaluation is repeatable.

Examples: `record.discount_rate <= project.discount_allowance`,
`'finance' in user.roles and form.amount > 0`, `len(record.buyers) >= 1`,
`days_between(record.signed_on, today) > 30`.
"""
from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import simpleeval

from .budget import (  # noqa: F401  (MAX_NODES: the limits are read from here, beside the language)
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_NODES,
    WORK_BUDGET,
    joined_size,
    repeated_size,
    shape_problem,
    size_of,
)
from .errors import Problem, closest

ROOTS = ("record", "form", "project", "user")
VALUES = ("today",)  # names that are a value, not an object with fields; the caller supplies them


class _Leaf:
    """Marks a field that holds a value, not an object: `.name` after it is an error."""

    def __repr__(self) -> str:
        return "LEAF"


LEAF = _Leaf()


def _decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ExpressionRuntimeError("decimal() of a boolean")
    if isinstance(value, (int, str)):
        try:
            return Decimal(value)
        except InvalidOperation as exc:
            raise ExpressionRuntimeError(f"decimal({value!r}) is not a number") from exc
    raise ExpressionRuntimeError(f"decimal() of {type(value).__name__}")


def _div(a, b):
    if isinstance(a, (int, Decimal)) and isinstance(b, (int, Decimal)):
        if b == 0:
            raise ExpressionRuntimeError("division by zero")
        return Decimal(a) / Decimal(b)
    raise ExpressionRuntimeError("'/' needs two numbers")


def _mod(a, b):
    # `%` on a text is printf formatting: '%0999999999d' % 1 builds a gigabyte
    if isinstance(a, (int, Decimal)) and isinstance(b, (int, Decimal)):
        return operator.mod(a, b)
    raise ExpressionRuntimeError("'%' needs two numbers")


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value: object) -> date:
    """A date, or ISO text of one (`2026-06-01`, as record data keeps dates)."""
    if isinstance(value, datetime):  # not produced by the language; a caller's mistake
        raise ExpressionRuntimeError("date() of a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        if _ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ExpressionRuntimeError(f"'{value}' is not a date (YYYY-MM-DD)")
    if value is None:
        raise ExpressionRuntimeError("date() of nothing (the field is empty)")
    raise ExpressionRuntimeError(f"date() of {type(value).__name__}")


def _days_between(start, end) -> int:
    """Whole days from `start` to `end`: positive when `end` is later."""
    return (_date(end) - _date(start)).days


_MAX_DAYS = 36600  # a hundred years either way


def _add_days(value, days) -> date:
    if isinstance(days, bool) or not isinstance(days, (int, Decimal)) or days != int(days):
        raise ExpressionRuntimeError("add_days() needs a whole number of days")
    if not -_MAX_DAYS <= days <= _MAX_DAYS:
        raise ExpressionRuntimeError("add_days() of more than 36600 days")
    try:
        return _date(value) + timedelta(days=int(days))
    except OverflowError as exc:
        raise ExpressionRuntimeError("the date would be out of range") from exc


def _dated(compare):
    """A comparison that reads ISO text as a date when the other side is a date."""
    ordering = compare not in (operator.eq, operator.ne)

    def apply(a, b):
        if isinstance(a, date) and isinstance(b, str):
            b = _date(b)
        elif isinstance(b, date) and isinstance(a, str):
            a = _date(a)
        elif ordering and (isinstance(a, date) or isinstance(b, date)) and (a is None or b is None):
            raise ExpressionRuntimeError("a date compared with nothing (the field is empty)")
        return compare(a, b)
    return apply


def _undated(arithmetic):
    """`+` and `-` with a date: refused with the functions to use instead."""
    def apply(a, b):
        if isinstance(a, date) or isinstance(b, date):
            raise ExpressionRuntimeError("dates do not add or subtract: use add_days() or days_between()")
        return arithmetic(a, b)
    return apply


_ROUND_LIMIT = 1000  # digits; round() works out 10**n, so record data such as "1e999999999" would hang


def _round(value, ndigits=None):
    if ndigits is not None and isinstance(ndigits, int) and abs(ndigits) > _ROUND_LIMIT:
        raise ExpressionRuntimeError("round() to more than 1000 digits")
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() > _ROUND_LIMIT:
        raise ExpressionRuntimeError("round() of a number with more than 1000 digits")
    return round(value) if ndigits is None else round(value, ndigits)


FUNCTIONS: dict[str, Callable] = {
    "len": len,
    "abs": abs,
    "min": min,
    "max": max,
    "round": _round,
    "decimal": _decimal,
    "date": _date,
    "days_between": _days_between,
    "add_days": _add_days,
}

_OPERATORS = {
    ast.Add: _undated(simpleeval.safe_add),
    ast.Sub: _undated(operator.sub),
    ast.Mult: simpleeval.safe_mult,
    ast.Div: _div,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: _mod,
    ast.Eq: _dated(operator.eq),
    ast.NotEq: _dated(operator.ne),
    ast.Gt: _dated(operator.gt),
    ast.Lt: _dated(operator.lt),
    ast.GtE: _dated(operator.ge),
    ast.LtE: _dated(operator.le),
    ast.Not: operator.not_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: lambda a, b: a is b,
    ast.IsNot: lambda a, b: a is not b,
}

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.UnaryOp, ast.Compare,
    ast.IfExp, ast.Call, ast.Name, ast.Attribute, ast.Subscript, ast.Constant,
    ast.List, ast.Tuple, ast.Load,
    *(_OPERATORS.keys()),
)

MAX_LENGTH = 2000


class ExpressionRuntimeError(Exception):
    """An expression that parsed could not be computed on these values.

    `str()` is the English reason; `zh` the Chinese one where it has its own words
    (else the English, as for Python's own errors such as a comparison with None).
    """

    def __init__(self, message: str, zh: str | None = None):
        super().__init__(message)
        self.zh = zh or message


class ExpressionBudgetExceeded(ExpressionRuntimeError):
    """An evaluation would build too big a value or do too much work (see `budget`): stopped, not finished."""


class FieldScope:
    """What names an expression may use under each root, for the static check.

    `fields[root]` is None when any key is allowed under that root (free-form data),
    else a mapping from each field name to: a nested mapping (an object with known
    fields), None (a free-form object) or LEAF (a value: nothing can follow it).
    """

    def __init__(self, fields: Mapping[str, Mapping | None]):
        self.fields = fields


@dataclass(frozen=True)
class Expression:
    """A parsed, checked expression; parse once at load, evaluate many times."""

    source: str
    tree: ast.Expression
    fields_used: tuple[tuple[str, ...], ...]

    def evaluate(self, names: Mapping[str, object]) -> object:
        evaluator = _Evaluator(names)
        try:
            return evaluator.eval(self.source, previously_parsed=self.tree.body)
        except ExpressionRuntimeError:
            raise
        except simpleeval.IterableTooLong as exc:
            raise ExpressionRuntimeError("the result would be too long") from exc
        except simpleeval.NumberTooHigh as exc:
            raise ExpressionRuntimeError("the number would be too large") from exc
        except (simpleeval.InvalidExpression, TypeError, ValueError, ArithmeticError,
                KeyError, IndexError, RecursionError) as exc:
            raise ExpressionRuntimeError(str(exc) or type(exc).__name__) from exc


class _Evaluator(simpleeval.SimpleEval):
    """simpleeval with Decimal numbers, mapping-only `.name`, and the budget of `budget`.

    One evaluator per evaluation: `work` counts its steps (each part evaluated is one, each
    list or text built costs its size), and every list or text is measured before it is built.
    """

    def __init__(self, names: Mapping[str, object]):
        operators = {**_OPERATORS, ast.Mult: self._repeat, ast.Add: self._join}
        super().__init__(operators=operators, functions=FUNCTIONS, names=dict(names))
        self.work = 0
        self.nodes[ast.List] = lambda node: self._built(list, node.elts)
        self.nodes[ast.Tuple] = lambda node: self._built(tuple, node.elts)

    def _eval(self, node):
        self._spend(1)
        return super()._eval(node)

    def _spend(self, steps: int) -> None:
        self.work += steps
        if self.work > WORK_BUDGET:
            raise ExpressionBudgetExceeded(
                f"the expression needs more work than one evaluation may do ({WORK_BUDGET} steps)",
                f"表达式的计算量超过单次求值的上限（{WORK_BUDGET} 步）")

    def _allow(self, size: int, *parts: int) -> None:
        """Refuse a value of `size` before it is built, else charge it to the work.

        `parts` are the measured sizes it is made of: one past MAX_ITEMS was not counted
        to the end, so `size` is then only a lower bound.
        """
        if size > MAX_ITEMS:
            counted = not any(p > MAX_ITEMS for p in parts)
            amount, amount_zh = (str(size), str(size)) if counted else (f"more than {MAX_ITEMS}", f"超过 {MAX_ITEMS}")
            raise ExpressionBudgetExceeded(
                f"the expression would build {amount} values; an expression may build at most {MAX_ITEMS}",
                f"表达式将构造 {amount_zh} 个值；一个表达式最多只能构造 {MAX_ITEMS} 个")
        self._spend(size)

    def _built(self, kind, elements):
        items = [self._eval(x) for x in elements]
        sizes = [size_of(item) for item in items]
        self._allow(1 + sum(sizes), *sizes)
        return kind(items)

    def _repeat(self, a, b):
        for sequence, times in ((a, b), (b, a)):
            if isinstance(sequence, (str, list, tuple)) and type(times) in (int, bool):
                size = size_of(sequence)
                self._allow(repeated_size(size, int(times), isinstance(sequence, str)), size)
                return a * b
        return simpleeval.safe_mult(a, b)

    def _join(self, a, b):
        for kind in (str, list, tuple):
            if isinstance(a, kind) and isinstance(b, kind):
                left, right = size_of(a), size_of(b)
                self._allow(joined_size(left, right, kind is str), left, right)
                return operator.add(a, b)  # a + b, both of one kind (mypy cannot tie the two to `kind`)
        return _OPERATORS[ast.Add](a, b)

    @staticmethod
    def _eval_constant(node):
        if isinstance(node.value, float):
            return Decimal(repr(node.value))
        return node.value

    def _eval_attribute(self, node):
        base = self._eval(node.value)
        if base is None:
            return None  # `record.buyer.name` on a record without a buyer yet
        if isinstance(base, Mapping):
            return base.get(node.attr)
        raise ExpressionRuntimeError(f"'.{node.attr}' used on a {type(base).__name__}, not on a record")

    def _eval_subscript(self, node):
        base = self._eval(node.value)
        key = self._eval(node.slice)
        if isinstance(base, Mapping):
            return base.get(key)
        if isinstance(base, Sequence) and not isinstance(base, str) and isinstance(key, int):
            return base[key] if -len(base) <= key < len(base) else None
        raise ExpressionRuntimeError("[] is only for lists and records")


def parse_expression(
    source: object, scope: FieldScope, path: tuple = (), file: str = ""
) -> tuple[Expression | None, list[Problem]]:
    """Parse and check an expression; return it, or None with every problem found."""
    if not isinstance(source, str) or not source.strip():
        return None, [Problem("expr.empty", path, {}, file)]
    if len(source) > MAX_LENGTH:
        return None, [Problem("expr.too_long", path, {"limit": MAX_LENGTH}, file)]
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        # Python reports column 0 when the text ends too early; point just past the end.
        column = exc.offset if exc.offset and exc.lineno == 1 else len(source.strip()) + 1
        return None, [Problem("expr.syntax", path, {"detail": exc.msg, "column": column}, file)]
    except (ValueError, MemoryError, RecursionError) as exc:
        return None, [Problem("expr.syntax", path, {"detail": str(exc), "column": 0}, file)]
    shape = shape_problem(tree)
    if shape is not None:
        code, params = shape
        return None, [Problem(code, path, params, file)]
    problems: list[Problem] = []
    used: list[tuple[str, ...]] = []
    try:
        _check(tree.body, scope, path, file, problems, used)
    except RecursionError:
        problems.append(Problem("expr.too_deep", path, {"limit": MAX_DEPTH}, file))
    if problems:
        return None, problems
    return Expression(source.strip(), tree, tuple(used)), []


_CONSTRUCT_NAMES = {
    ast.Lambda: "lambda", ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a comprehension",
    ast.JoinedStr: "an f-string", ast.NamedExpr: "':='", ast.Dict: "a dict literal",
    ast.Set: "a set literal", ast.Starred: "'*'", ast.Await: "await",
    ast.Slice: "a slice", ast.Yield: "yield", ast.YieldFrom: "yield",
}


def _check(node, scope, path, file, problems, used):
    if isinstance(node, ast.Attribute) or (isinstance(node, ast.Name)):
        chain = _attribute_chain(node)
        if chain is None and isinstance(node, ast.Attribute):  # a bare name is always a chain
            # `.name` on a computed value, such as `record.buyers[0].name`: the
            # evaluator still only reads mapping keys, so only the name is checked.
            if node.attr.startswith("_"):
                problems.append(Problem("expr.private", path, {"name": node.attr}, file))
                return
            _check(node.value, scope, path, file, problems, used)
            return
        _check_chain(chain, scope, path, file, problems, used)
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            problems.append(Problem("expr.not_allowed", path, {"construct": "calling a computed value"}, file))
            return
        if node.func.id not in FUNCTIONS:
            problems.append(Problem(
                "expr.unknown_function", path,
                {"name": node.func.id, "functions": ", ".join(sorted(FUNCTIONS))}, file,
                suggestion=closest(node.func.id, FUNCTIONS),
            ))
        if node.keywords:
            problems.append(Problem("expr.not_allowed", path, {"construct": "keyword arguments"}, file))
        for arg in node.args:
            _check(arg, scope, path, file, problems, used)
        return
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, (int, float, str, bool, type(None))) or isinstance(node.value, complex):
            problems.append(Problem("expr.not_allowed", path, {"construct": type(node.value).__name__}, file))
        return
    if isinstance(node, ast.Subscript):
        if isinstance(node.slice, ast.Slice):
            problems.append(Problem("expr.not_allowed", path, {"construct": "a slice"}, file))
            return
        _check(node.value, scope, path, file, problems, used)
        _check(node.slice, scope, path, file, problems, used)
        return
    if not isinstance(node, _ALLOWED_NODES):
        construct = _CONSTRUCT_NAMES.get(type(node), type(node).__name__)
        problems.append(Problem("expr.not_allowed", path, {"construct": construct}, file))
        return
    for child in ast.iter_child_nodes(node):
        _check(child, scope, path, file, problems, used)


def _attribute_chain(node) -> list[str] | None:
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    names.append(node.id)
    return list(reversed(names))


def _check_chain(chain, scope, path, file, problems, used):
    root = chain[0]
    if root in VALUES:
        if len(chain) > 1:
            problems.append(Problem("expr.unknown_field", path, {"name": chain[1], "root": root}, file))
            return
        used.append(tuple(chain))
        return
    if root not in ROOTS:
        problems.append(Problem(
            "expr.unknown_name", path, {"name": root, "roots": ", ".join(ROOTS + VALUES)}, file,
            suggestion=closest(root, ROOTS + VALUES),
        ))
        return
    if root not in scope.fields:
        problems.append(Problem("expr.root_unavailable", path, {"name": root}, file))
        return
    if len(chain) == 1:
        problems.append(Problem("expr.bare_root", path, {"name": root}, file))
        return
    for part in chain[1:]:
        if part.startswith("_"):
            problems.append(Problem("expr.private", path, {"name": part}, file))
            return
    fields = scope.fields[root]
    walked = [root]
    for part in chain[1:]:
        if fields is None:
            break  # free-form object: any key may exist
        if fields is LEAF or part not in fields:
            problems.append(Problem(
                "expr.unknown_field", path, {"name": part, "root": ".".join(walked)}, file,
                suggestion=closest(part, fields) if isinstance(fields, Mapping) else None,
            ))
            return
        walked.append(part)
        fields = fields[part]
    used.append(tuple(chain))
