"""Which Python expressions may be evaluated in-process: those that provably stay small.

An expression qualifies when every node is one of a few kinds whose cost is at most linear
in the size of the data and of the expression: names, constants, attribute and item
reads, slices, comparisons (`in` included), `and`/`or`/`not`, `if-else`, `+`, `-`, `/`,
`//`, literal lists/tuples/dicts/sets, f-strings without format specs, and calls of a few
functions and methods that only read or copy their arguments (`len`, `str`, `lower`, `get`
...). Everything else (comprehensions, lambdas, `*`, `**`, `%`, `<<`, `range`, `sum`,
`sorted`, `replace`, `join`, any other call) can loop or allocate without bound and goes to
a script worker (engine.spiff.script_pool). `x * 1.5` (a float literal) is allowed:
multiplying by a float never repeats a sequence. See docs/expressions.md.
"""

from __future__ import annotations

import ast
import functools

_NODES = (
    ast.Expression, ast.Name, ast.Load, ast.Constant, ast.Attribute, ast.Subscript, ast.Slice,
    ast.Compare, ast.BoolOp, ast.UnaryOp, ast.IfExp, ast.List, ast.Tuple, ast.Dict, ast.Set,
    ast.Starred, ast.JoinedStr, ast.FormattedValue, ast.Call, ast.BinOp, ast.keyword,
    ast.cmpop, ast.boolop, ast.unaryop, ast.operator,
)  # fmt: skip
_OPERATORS = (ast.Add, ast.Sub, ast.Div, ast.FloorDiv)
_FUNCTIONS = frozenset("len str int float bool abs min max isinstance now today".split())
_METHODS = frozenset(
    "lower upper strip lstrip rstrip casefold title capitalize startswith endswith isdigit "
    "isalpha isalnum isspace find rfind index count split get keys values items isoformat "
    "date weekday isoweekday total_seconds timestamp fromisoformat".split()
)


def _node_ok(node: ast.AST) -> bool:
    """True when this one node is of a bounded kind (its children are checked separately)."""
    if not isinstance(node, _NODES):
        return False
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mult):
            sides = (node.left, node.right)
            return any(isinstance(side, ast.Constant) and type(side.value) is float for side in sides)
        return isinstance(node.op, _OPERATORS)
    if isinstance(node, ast.FormattedValue):
        return node.format_spec is None
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id in _FUNCTIONS
        return isinstance(func, ast.Attribute) and func.attr in _METHODS
    return True


@functools.lru_cache(maxsize=4096)
def is_bounded(source: str) -> bool:
    """True when the expression `source` cannot loop or allocate beyond the size of its data."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return False
    return all(_node_ok(node) for node in ast.walk(tree))
