"""Evaluate a JUEL syntax tree against process variables; no Python attribute access anywhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.spiff.juel.coercion import is_empty, to_boolean, to_long, to_string
from engine.spiff.juel.errors import JuelError, java_type
from engine.spiff.juel.methods import call_method
from engine.spiff.juel.nodes import (
    Binary,
    Conditional,
    Identifier,
    Literal,
    MethodCall,
    Node,
    Property,
    Unary,
)
from engine.spiff.juel.operators import arithmetic, compare, equals, negate


class Execution:
    """Camunda's `execution` in expressions: reads the variables; writes where the caller allows it."""

    def __init__(self, variables: Mapping[str, Any], writable: dict[str, Any] | None) -> None:
        self.variables, self.writable = variables, writable

    def call(self, name: str, arguments: list[Any]) -> Any:
        """`getVariable(name)`, `getVariables()`, `hasVariable(name)`, `setVariable(name, value)`."""
        if name in ("getVariable", "getVariableLocal") and len(arguments) == 1:
            return self.variables.get(to_string(arguments[0]))
        if name in ("getVariables", "getVariablesLocal") and not arguments:
            return dict(self.variables)
        if name == "hasVariable" and len(arguments) == 1:
            return to_string(arguments[0]) in self.variables
        if name in ("setVariable", "setVariableLocal") and len(arguments) == 2:
            return self.set_variable(to_string(arguments[0]), arguments[1])
        raise JuelError(f"Method not found: execution.{name}() with {len(arguments)} argument(s)")

    def set_variable(self, name: str, value: Any) -> None:
        """Store a variable (a side effect on the task's data)."""
        if self.writable is None:
            raise JuelError("execution.setVariable is not available in this expression")
        if not name or name.startswith("_"):
            raise JuelError(f"invalid variable name {name!r}")
        self.writable[name] = value
        if isinstance(self.variables, dict):
            self.variables[name] = value


class Evaluator:
    """One evaluation: the variables, `execution`, and the source text for error messages."""

    def __init__(
        self, source: str, variables: Mapping[str, Any], writable: dict[str, Any] | None = None
    ) -> None:
        self.source = source
        self.variables = variables
        self.execution = Execution(variables, writable)

    def value(self, node: Node) -> Any:
        """The value of `node`."""
        method = getattr(self, f"_{type(node).__name__}")
        return method(node)

    def _Literal(self, node: Literal) -> Any:
        """A literal's value."""
        return node.value

    def _Identifier(self, node: Identifier) -> Any:
        """A variable, or `execution`."""
        # Camunda resolves `execution` before the variables.
        if node.name == "execution":
            return self.execution
        if node.name not in self.variables:
            raise JuelError(
                f"Unknown property used in expression: {self.source}. "
                f"Cause: Cannot resolve identifier '{node.name}'"
            )
        return self.variables[node.name]

    def _Property(self, node: Property) -> Any:
        """`a.b` / `a[k]`: map key, list index (null when absent), else an error."""
        base = self.value(node.base)
        if base is None:
            return None  # EL: a property of null is null
        key = self.value(node.key)
        if isinstance(base, Mapping):
            return base.get(key)
        if isinstance(base, (list, tuple)):
            if isinstance(key, bool) or (isinstance(key, str) and not key.strip("-").isdigit()):
                raise JuelError(f"Cannot read property '{to_string(key)}' of a List: use a number as index",
                                node.column)
            index = to_long(key)
            return base[index] if 0 <= index < len(base) else None
        raise JuelError(f"Property '{to_string(key)}' not found on type {java_type(base)}", node.column)

    def _MethodCall(self, node: MethodCall) -> Any:
        """`a.m(...)` from the allowed method tables."""
        base = self.value(node.base)
        arguments = [self.value(argument) for argument in node.arguments]
        if isinstance(base, Execution):
            return base.call(node.name, arguments)
        return call_method(base, node.name, arguments)

    def _Unary(self, node: Unary) -> Any:
        """`-a`, `!a`, `empty a`."""
        operand = self.value(node.operand)
        if node.operator == "-":
            return negate(operand)
        if node.operator == "!":
            return not to_boolean(operand)
        return is_empty(operand)

    def _Binary(self, node: Binary) -> Any:
        """Binary operators; `&&` and `||` short-circuit."""
        operator = node.operator
        left = self.value(node.left)
        if operator == "&&":
            return to_boolean(left) and to_boolean(self.value(node.right))
        if operator == "||":
            return to_boolean(left) or to_boolean(self.value(node.right))
        right = self.value(node.right)
        if operator == "==":
            return equals(left, right)
        if operator == "!=":
            return not equals(left, right)
        if operator in ("<", ">", "<=", ">="):
            return compare(operator, left, right)
        return arithmetic(operator, left, right)

    def _Conditional(self, node: Conditional) -> Any:
        """`a ? b : c`."""
        return self.value(node.then if to_boolean(self.value(node.test)) else node.otherwise)
