"""Composite expressions: literal text mixed with `${...}` / `#{...}` parts (EL 2.2 section 1.2).

`Lead ${record.title}` yields a String; a text that is exactly one `${...}` yields the
expression's value unchanged; `\\${` writes a literal `${`. Braces inside quoted strings do
not end an expression.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.spiff.juel.coercion import to_string
from engine.spiff.juel.errors import JuelError, java_type
from engine.spiff.juel.evaluator import Evaluator
from engine.spiff.juel.nodes import Node
from engine.spiff.juel.parser import parse

OPENERS = ("${", "#{")


@dataclass(frozen=True)
class Template:
    """A parsed text: literal strings and expression trees, in order."""

    source: str
    parts: tuple[str | Node, ...]

    @property
    def single(self) -> bool:
        """True when the text is exactly one expression (its value is not turned into text)."""
        return len(self.parts) == 1 and isinstance(self.parts[0], Node)

    def value(self, variables: Mapping[str, Any], writable: dict[str, Any] | None = None) -> Any:
        """Evaluate: the value of a single expression, else the parts joined as text."""
        evaluator = Evaluator(self.source, variables, writable)
        try:
            if self.single:
                return evaluator.value(self.parts[0])  # type: ignore[arg-type]
            return "".join(p if isinstance(p, str) else to_string(evaluator.value(p)) for p in self.parts)
        except (TypeError, ValueError, LookupError, ArithmeticError, RecursionError) as exc:
            # A value the rules did not foresee (an unhashable map key...): an expression error.
            raise JuelError(f"{self.source}: {type(exc).__name__}: {exc}") from exc

    def condition(self, variables: Mapping[str, Any], writable: dict[str, Any] | None = None) -> bool:
        """Evaluate as a condition: Camunda insists on a Boolean result."""
        result = self.value(variables, writable)
        if result is None:
            raise JuelError(f"condition expression returns null: {self.source}")
        if not isinstance(result, bool):
            raise JuelError(
                f"condition expression returns non-Boolean: {to_string(result)!r} ({java_type(result)})"
            )
        return result


def has_expression(text: Any) -> bool:
    """True when `text` contains a `${` or `#{` part."""
    return isinstance(text, str) and any(opener in text for opener in OPENERS)


@functools.lru_cache(maxsize=4096)
def compile_template(text: str) -> Template:
    """Parse a text into a Template (cached); a JuelError names the column in `text`."""
    parts: list[str | Node] = []
    literal: list[str] = []
    kinds: set[str] = set()
    i = 0
    while i < len(text):
        if text[i] == "\\" and text.startswith(OPENERS, i + 1):
            literal.append(text[i + 1 : i + 3])
            i += 3
        elif text.startswith(OPENERS, i):
            kinds.add(text[i])
            end = closing_brace(text, i + 2)
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(parse(text, i + 2, end))
            i = end + 1
        else:
            literal.append(text[i])
            i += 1
    if literal:
        parts.append("".join(literal))
    if len(kinds) > 1:
        raise JuelError("a text may not mix ${...} and #{...} expressions")
    return Template(text, tuple(parts))


def closing_brace(text: str, start: int) -> int:
    """Index of the `}` closing the expression whose body starts at `start`."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    raise JuelError(f"'{text[start - 2 : start]}' is not closed by '}}'", start - 1)
