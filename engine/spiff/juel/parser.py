"""Recursive-descent parser for one JUEL expression body, following the EL 2.2 grammar.

Precedence, lowest first: `?:`, `||`, `&&`, `== !=`, `< > <= >=`, `+ -`, `* / %`,
unary `- ! empty`, then `.name`, `[index]` and `.method(...)`. Function calls
(`f(x)`, `ns:f(x)`) and `instanceof` are refused: Camunda 7 defines no functions we run.
"""

from __future__ import annotations

from engine.spiff.juel.errors import JuelError
from engine.spiff.juel.lexer import Token, tokenize
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

WORDS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
         "and": "&&", "or": "||", "div": "/", "mod": "%", "not": "!"}
LEVELS = (("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))
CONSTANTS = {"true": True, "false": False, "null": None}
MAX_DEPTH = 64


def parse(text: str, start: int = 0, end: int | None = None) -> Node:
    """Parse `text[start:end]` as one expression; a JuelError carries the column in `text`."""
    return _Parser(tokenize(text, start, end)).whole()


class _Parser:
    """One pass over a token list."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens, self.index, self.depth = tokens, 0, 0

    @property
    def token(self) -> Token:
        """The current token."""
        return self.tokens[self.index]

    def operator(self) -> str | None:
        """The current token as a (normalised) operator, or None."""
        token = self.token
        if token.kind == "OP":
            return str(token.value)
        if token.kind == "KEYWORD":
            return WORDS.get(str(token.value))
        return None

    def advance(self) -> Token:
        """Consume and return the current token."""
        token = self.token
        self.index += 1
        return token

    def expect(self, operator: str) -> None:
        """Consume `operator` or fail naming what was found."""
        if self.operator() != operator or self.token.kind != "OP":
            raise self.unexpected(f"'{operator}'")
        self.advance()

    def unexpected(self, wanted: str) -> JuelError:
        """An error at the current token."""
        token = self.token
        found = "the end of the expression" if token.kind == "END" else repr(token.value)
        return JuelError(f"expected {wanted} but found {found}", token.column)

    def whole(self) -> Node:
        """The expression, which must use every token."""
        if self.token.kind == "END":
            raise JuelError("the expression is empty", self.token.column)
        node = self.conditional()
        if self.token.kind != "END":
            raise self.unexpected("an operator")
        return node

    def conditional(self) -> Node:
        """`a ? b : c` (right-associative)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise JuelError(f"the expression nests deeper than {MAX_DEPTH} levels", self.token.column)
        test = self.binary(0)
        if self.operator() == "?":
            column = self.advance().column
            then = self.conditional()
            self.expect(":")
            test = Conditional(column, test, then, self.conditional())
        self.depth -= 1
        return test

    def binary(self, level: int) -> Node:
        """A left-associative chain of the operators of `LEVELS[level]`."""
        if level == len(LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while (operator := self.operator()) in LEVELS[level]:
            column = self.advance().column
            node = Binary(column, str(operator), node, self.binary(level + 1))
        return node

    def unary(self) -> Node:
        """`-a`, `!a`, `not a`, `empty a`."""
        operator, token = self.operator(), self.token
        if operator in ("-", "!") or (token.kind == "KEYWORD" and token.value == "empty"):
            self.advance()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise JuelError(f"the expression nests deeper than {MAX_DEPTH} levels", token.column)
            node = Unary(token.column, str(operator or "empty"), self.unary())
            self.depth -= 1
            return node
        return self.suffixes(self.primary())

    def suffixes(self, node: Node) -> Node:
        """`.name`, `.name(args)` and `[key]` after a value."""
        while (operator := self.operator()) in (".", "["):
            column = self.advance().column
            if operator == "[":
                node = Property(column, node, self.conditional())
                self.expect("]")
                continue
            name = self.name()
            if self.operator() == "(":
                node = MethodCall(column, node, name, self.arguments())
            else:
                node = Property(column, node, Literal(column, name))
        return node

    def name(self) -> str:
        """A property or method name after `.`."""
        token = self.token
        if token.kind != "IDENT":
            raise self.unexpected("a property name")
        _refuse_internal(str(token.value), token.column)
        self.advance()
        return str(token.value)

    def arguments(self) -> tuple[Node, ...]:
        """`( a, b, ... )`."""
        self.expect("(")
        values: list[Node] = []
        if self.operator() != ")":
            values.append(self.conditional())
            while self.operator() == ",":
                self.advance()
                values.append(self.conditional())
        self.expect(")")
        return tuple(values)

    def primary(self) -> Node:
        """A literal, a parenthesised expression or an identifier."""
        token = self.token
        if token.kind in ("INT", "FLOAT", "STRING"):
            self.advance()
            return Literal(token.column, token.value)
        if token.kind == "KEYWORD" and token.value in CONSTANTS:
            self.advance()
            return Literal(token.column, CONSTANTS[str(token.value)])
        if self.operator() == "(" and token.kind == "OP":
            self.advance()
            node = self.conditional()
            self.expect(")")
            return node
        if token.kind == "IDENT":
            return self.identifier()
        raise self.unexpected("a value")

    def identifier(self) -> Node:
        """A variable name; a function call is refused."""
        token = self.advance()
        name = str(token.value)
        _refuse_internal(name, token.column)
        following = self.operator()
        if following == "(" or (following == ":" and self.tokens[self.index + 1].kind == "IDENT"
                                 and self.tokens[self.index + 2].value == "("):
            raise JuelError(f"function calls are not supported ({name})", token.column)
        return Identifier(token.column, name)


def _refuse_internal(name: str, column: int) -> None:
    """Names starting with `__` would only ever reach Python internals: refuse them outright."""
    if name.startswith("__"):
        raise JuelError(f"names starting with '__' are not allowed ({name})", column)
