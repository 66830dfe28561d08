"""FEEL simple unary tests (the input entries of a decision table) as Camunda 7 evaluates them.

`-` (or an empty cell) matches anything; `"a","b"` any of the listed values; `not(...)` none
of them; `< 10`, `>= 5`; ranges `[1..10]`, `]1..10[`, `(1..10)`; literals are numbers,
strings, `true`/`false`/`null`, `date and time("2020-01-01T10:00:00")` and `date("2020-01-01")`;
a name (`limit`, `customer.limit`) reads a variable. A test is compiled once into a closure;
a value of another type than the endpoint never matches (FEEL answers null, not true).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

MAX_TEXT = 4000
MAX_ALTERNATIVES = 200

Test = Callable[[Any, Mapping[str, Any]], bool]
Endpoint = Callable[[Mapping[str, Any]], Any]

_TOKEN = re.compile(r"""\s*(?:
 (?P<string>"(?:[^"\\]|\\.)*")
|(?P<temporal>(?:date\s+and\s+time|date|time|duration)\s*\(\s*"(?:[^"\\]|\\.)*"\s*\))
|(?P<number>-?(?:\d+(?:\.\d+)?|\.\d+))
|(?P<op>\.\.|<=|>=|!=|<|>|=|\[|\]|\(|\)|,|-)
|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
)""", re.X)
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}
_CONSTANTS = {"true": True, "false": False, "null": None}


_NONE = object()
_NUMBERS = frozenset((int, float))


def _is_number(value: Any) -> bool:
    return type(value) in _NUMBERS


class FeelError(ValueError):
    """A unary test or literal that cannot be parsed."""


def tokenize(text: str) -> list[tuple[str, str]]:
    """(kind, text) tokens; a FeelError names the column of anything else."""
    if len(text) > MAX_TEXT:
        raise FeelError(f"longer than {MAX_TEXT} characters")
    tokens, pos = [], 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise FeelError(f"unexpected {text[pos:].strip()[:20]!r} at column {pos + 1}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def temporal(text: str) -> datetime:
    """`date and time("...")` or `date("...")` as a naive UTC datetime."""
    kind, _, rest = text.partition("(")
    literal = rest.rsplit(")", 1)[0].strip()[1:-1]
    kind = " ".join(kind.split())
    try:
        if kind == "date and time":
            return as_datetime(literal)
        if kind == "date":
            return as_datetime(date.fromisoformat(literal))
    except ValueError as exc:
        raise FeelError(f"invalid {kind} {literal!r}") from exc
    raise FeelError(f"{kind}(...) is not supported: use date and time(\"...\") or date(\"...\")")


def as_datetime(value: Any) -> datetime:
    """A date, datetime or ISO text as a naive UTC datetime (ValueError otherwise)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise ValueError(f"not a date: {value!r}")


def literal_value(kind: str, text: str) -> Any:
    """The value of a literal token."""
    if kind == "string":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if kind == "number":
        return float(text) if "." in text else int(text)
    if kind == "temporal":
        return temporal(text)
    return _CONSTANTS[text]


def _endpoint(token: tuple[str, str]) -> Endpoint:
    """A literal or a variable reference (a dotted name reads into maps)."""
    kind, text = token
    if kind in ("string", "number", "temporal") or (kind == "name" and text in _CONSTANTS):
        value = literal_value(kind, text)

        def constant(scope: Mapping[str, Any]) -> Any:
            return value

        constant.constant = value  # type: ignore[attr-defined]  (lets tests skip the call)
        return constant
    if kind != "name":
        raise FeelError(f"expected a value, found {text!r}")
    path = text.split(".")

    def read(scope: Mapping[str, Any]) -> Any:
        value: Any = scope
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        return value

    return read


def _comparable(a: Any, b: Any) -> bool:
    """Same FEEL type: both numbers, both strings, both dates (bool is not a number)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    numbers = (int, float)
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (
        isinstance(a, str) and isinstance(b, str)) or (
        isinstance(a, datetime) and isinstance(b, datetime))


def feel_equals(a: Any, b: Any) -> bool:
    """FEEL `=`: same type and value (null equals null only)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return _comparable(a, b) and a == b


def _compare_test(op: str, end: Endpoint) -> Test:
    compare = _COMPARE[op]

    def test(value: Any, scope: Mapping[str, Any]) -> bool:
        other = end(scope)
        return _comparable(value, other) and compare(value, other)

    return test


def _range_test(low: Endpoint, low_closed: bool, high: Endpoint, high_closed: bool) -> Test:
    lo_const, hi_const = getattr(low, "constant", _NONE), getattr(high, "constant", _NONE)
    if _is_number(lo_const) and _is_number(hi_const):  # the common case, a numeric literal range
        return _numeric_range(lo_const, low_closed, hi_const, high_closed)

    def test(value: Any, scope: Mapping[str, Any]) -> bool:
        lo, hi = low(scope), high(scope)
        if not (_comparable(value, lo) and _comparable(value, hi)):
            return False
        above = value >= lo if low_closed else value > lo
        return above and (value <= hi if high_closed else value < hi)

    return test


def _numeric_range(lo: float, low_closed: bool, hi: float, high_closed: bool) -> Test:
    """A literal numeric range as one inline comparison (the hot path of most tables)."""
    numbers = _NUMBERS
    if low_closed and high_closed:
        return lambda value, scope: type(value) in numbers and lo <= value <= hi
    if low_closed:
        return lambda value, scope: type(value) in numbers and lo <= value < hi
    if high_closed:
        return lambda value, scope: type(value) in numbers and lo < value <= hi
    return lambda value, scope: type(value) in numbers and lo < value < hi


class _Parser:
    """One pass over the tokens of an input entry."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.index = tokens, 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("end", "end of text")

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end" or (expected is not None and token[1] != expected):
            raise FeelError(f"expected {expected or 'a value'}, found {token[1]!r}")
        self.index += 1
        return token

    def tests(self) -> list[Test]:
        """A comma-separated list of positive tests."""
        found = [self.positive()]
        while self.peek()[1] == ",":
            self.take(",")
            found.append(self.positive())
            if len(found) > MAX_ALTERNATIVES:
                raise FeelError(f"more than {MAX_ALTERNATIVES} alternatives")
        return found

    def positive(self) -> Test:
        """`< e`, a range, or an endpoint (equality)."""
        kind, text = self.peek()
        if kind == "op" and text in _COMPARE:
            self.take()
            return _compare_test(text, _endpoint(self.take()))
        if kind == "op" and text == "=":
            self.take()
        elif kind == "op" and text in ("[", "]", "("):
            return self.range()
        end = _endpoint(self.take())
        fixed = getattr(end, "constant", _NONE)
        if isinstance(fixed, str):  # a string literal: a plain comparison

            def same_text(value: Any, scope: Mapping[str, Any]) -> bool:
                return value == fixed and isinstance(value, str)

            same_text.text = fixed  # type: ignore[attr-defined]  ("a","b" become one set lookup)
            return same_text
        return lambda value, scope: feel_equals(value, end(scope))

    def range(self) -> Test:
        """`[a..b]`, `]a..b[`, `(a..b)` and mixes."""
        low_closed = self.take()[1] == "["
        low = _endpoint(self.take())
        self.take("..")
        high = _endpoint(self.take())
        closing = self.take()[1]
        if closing not in ("]", "[", ")"):
            raise FeelError(f"expected ']', '[' or ')' to close the range, found {closing!r}")
        return _range_test(low, low_closed, high, closing == "]")


def compile_unary_tests(text: str | None) -> Test:
    """Compile an input entry into `test(value, scope) -> bool` (FeelError when invalid)."""
    tokens = tokenize(text or "")
    if not tokens or tokens == [("op", "-")]:
        return lambda value, scope: True
    negate = tokens[0] == ("name", "not") and len(tokens) > 1 and tokens[1] == ("op", "(")
    if negate:
        if tokens[-1] != ("op", ")"):
            raise FeelError("not( is not closed by ')'")
        tokens = tokens[2:-1]
    parser = _Parser(tokens)
    tests = parser.tests()
    if parser.index < len(tokens):
        raise FeelError(f"unexpected {parser.peek()[1]!r} after the test")
    texts = [getattr(t, "text", None) for t in tests]
    if len(tests) > 1 and None not in texts:
        choices = frozenset(texts)
        tests = [lambda value, scope: isinstance(value, str) and value in choices]
    if len(tests) == 1:
        single = tests[0]
        return (lambda v, s: not single(v, s)) if negate else single
    if negate:
        return lambda value, scope: not any(t(value, scope) for t in tests)
    return lambda value, scope: any(t(value, scope) for t in tests)


def literal_list(text: str | None) -> list[Any]:
    """A comma-separated list of literals (an output's `outputValues`, for PRIORITY)."""
    values = []
    for token in tokenize(text or ""):
        if token == ("op", ","):
            continue
        kind, word = token
        if kind not in ("string", "number", "temporal") and not (kind == "name" and word in _CONSTANTS):
            raise FeelError(f"output values must be literals, found {word!r}")
        values.append(literal_value(kind, word))
    return values
