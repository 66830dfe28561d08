"""Deploy-time checks for JUEL that parses but must fail whenever it runs.

Arithmetic on a text literal that is no number (`${"Lead " + record.title}`, the Python
habit) always fails in EL, where `+` is numeric: refuse it at deploy with the JUEL way
to write it instead of letting every instance fail later.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from engine.spiff.juel.coercion import to_double, to_string
from engine.spiff.juel.errors import JuelError
from engine.spiff.juel.nodes import Binary, Literal, Node, Unary
from engine.spiff.juel.template import Template

ARITHMETIC = frozenset("+-*/%")


def _nodes(node: Node) -> Iterator[Node]:
    """`node` and every node below it."""
    yield node
    for item in dataclasses.fields(node):
        child = getattr(node, item.name)
        children = child if isinstance(child, tuple) else (child,)
        for each in children:
            if isinstance(each, Node):
                yield from _nodes(each)


def _not_a_number(node: Node) -> bool:
    """A literal that arithmetic can never coerce to a number."""
    if not isinstance(node, Literal):
        return False
    if isinstance(node.value, bool):
        return True
    if isinstance(node.value, str):
        try:
            to_double(node.value)
        except JuelError:
            return True
    return False


def _problem(node: Node) -> str | None:
    """Why `node` must fail (an arithmetic operator on a literal that is no number), or None."""
    if isinstance(node, Binary) and node.operator in ARITHMETIC:
        operands: tuple[Node, ...] = (node.left, node.right)
    elif isinstance(node, Unary) and node.operator == "-":
        operands = (node.operand,)
    else:
        return None
    for operand in operands:
        if isinstance(operand, Literal) and _not_a_number(operand):
            hint = " (to join text write `Lead ${x}` or `${a.concat(b)}`)" if node.operator == "+" else ""
            return (f"'{node.operator}' is numeric in JUEL and {to_string(operand.value)!r} is not "
                    f"a number{hint} (at column {node.column})")
    return None


def lint(template: Template) -> str | None:
    """The first always-failing construct in `template`, described with its column, or None."""
    for part in template.parts:
        if isinstance(part, Node):
            for node in _nodes(part):
                problem = _problem(node)
                if problem:
                    return problem
    return None
