"""The JUEL syntax tree: immutable nodes, each with the 1-based column it starts at."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    """Base of every node."""

    column: int


@dataclass(frozen=True)
class Literal(Node):
    """`true`, `null`, `12`, `1.5`, `'text'`."""

    value: object


@dataclass(frozen=True)
class Identifier(Node):
    """A top-level name: a process variable (or `execution`)."""

    name: str


@dataclass(frozen=True)
class Property(Node):
    """`base.name` or `base[key]`."""

    base: Node
    key: Node


@dataclass(frozen=True)
class MethodCall(Node):
    """`base.name(arguments)`."""

    base: Node
    name: str
    arguments: tuple[Node, ...]


@dataclass(frozen=True)
class Unary(Node):
    """`-a`, `!a` (`not a`), `empty a`."""

    operator: str
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    """`a op b`; word forms are normalised (`eq` is `==`, `and` is `&&`, `div` is `/`)."""

    operator: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Conditional(Node):
    """`test ? then : otherwise`."""

    test: Node
    then: Node
    otherwise: Node
