"""A small, safe FEEL subset for form-js `conditional.hide` on the server (never eval).

Supported: number, string ("..."), true/false/null literals, variable names (with `.` paths),
parentheses, `not(...)`, `and`/`or` (three-valued, as FEEL), and the comparisons = != < <= > >=.
Anything else raises Unsupported; the caller then treats the field as visible. As in FEEL,
comparing values of different types (or a missing variable with `<`) gives null, never an error.
Pure: no database.
"""
from __future__ import annotations

import re
from typing import Any

TOKEN = re.compile(r"""\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>"(?:[^"\\]|\\.)*")|(?P<op><=|>=|!=|[=<>()])
                       |(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|(?P<neg>-))""", re.X)
COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}
MAX_LENGTH = 500


class Unsupported(ValueError):
    """The expression is outside the subset (or not FEEL at all)."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise Unsupported(f"unexpected {text[pos:].strip()[:20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        if len(text) > MAX_LENGTH:
            raise Unsupported("expression too long")
        self.tokens, self.at = _tokens(text), 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise Unsupported(f"expected {value or 'more'}")
        self.at += 1
        return token

    def parse(self) -> tuple:
        tree = self.disjunction()
        if self.peek() is not None:
            raise Unsupported(f"unexpected {self.peek()[1]!r}")
        return tree

    def disjunction(self) -> tuple:
        tree = self.conjunction()
        while self.peek() == ("name", "or"):
            self.take()
            tree = ("or", tree, self.conjunction())
        return tree

    def conjunction(self) -> tuple:
        tree = self.comparison()
        while self.peek() == ("name", "and"):
            self.take()
            tree = ("and", tree, self.comparison())
        return tree

    def comparison(self) -> tuple:
        tree = self.primary()
        token = self.peek()
        if token and token[0] == "op" and token[1] in COMPARISONS:
            self.take()
            tree = ("cmp", token[1], tree, self.primary())
        return tree

    def primary(self) -> tuple:
        kind, value = self.take()
        if kind == "num":
            return ("lit", float(value) if "." in value else int(value))
        if kind == "neg" and self.peek() and self.peek()[0] == "num":
            number = self.take()[1]
            return ("lit", -(float(number) if "." in number else int(number)))
        if kind == "str":
            return ("lit", re.sub(r"\\(.)", r"\1", value[1:-1]))
        if value == "(":
            tree = self.disjunction()
            self.take(")")
            return tree
        if kind == "name":
            return self.name(value)
        raise Unsupported(f"unexpected {value!r}")

    def name(self, value: str) -> tuple:
        if value in ("true", "false", "null"):
            return ("lit", {"true": True, "false": False, "null": None}[value])
        if value == "not":
            self.take("(")
            tree = self.disjunction()
            self.take(")")
            return ("not", tree)
        if value in ("and", "or") or self.peek() == ("op", "("):
            raise Unsupported(f"{value!r} is not supported here")
        return ("var", value.split("."))


def parse(expression: str) -> tuple:
    """The syntax tree of a FEEL expression (a leading `=` as form-js writes it); Unsupported otherwise."""
    text = expression.strip()
    if not text.startswith("="):
        raise Unsupported("not an expression (form-js expressions start with '=')")
    return _Parser(text[1:]).parse()


def supported(expression: Any) -> bool | None:
    """None without an expression, else whether it is inside the subset."""
    if not expression:
        return None
    try:
        parse(str(expression))
    except Unsupported:
        return False
    return True


def evaluate(expression: str, context: dict) -> Any:
    """The value of the expression over the variables (True, False, None or a value)."""
    return _eval(parse(expression), context)


def _eval(tree: tuple, context: dict) -> Any:
    kind = tree[0]
    if kind == "lit":
        return tree[1]
    if kind == "var":
        node: Any = context
        for part in tree[1]:
            node = node.get(part) if isinstance(node, dict) else None
        return node
    if kind == "not":
        value = _eval(tree[1], context)
        return (not value) if isinstance(value, bool) else None
    if kind in ("and", "or"):
        return _logic(kind, _eval(tree[1], context), _eval(tree[2], context))
    return _compare(tree[1], _eval(tree[2], context), _eval(tree[3], context))


def _logic(kind: str, left: Any, right: Any) -> bool | None:
    """FEEL's three-valued and/or: non-booleans count as null."""
    values = [v if isinstance(v, bool) else None for v in (left, right)]
    if kind == "and":
        return False if False in values else (None if None in values else True)
    return True if True in values else (None if None in values else False)


def _compare(op: str, left: Any, right: Any) -> bool | None:
    if op in ("=", "!="):
        if left is not None and right is not None and _family(left) != _family(right):
            return None
        return (left == right) if op == "=" else (left != right)
    if left is None or right is None or _family(left) != _family(right) or isinstance(left, bool):
        return None
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _family(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__
