"""JUEL tokens: literals, identifiers, keywords and operators of EL 2.2, with their columns."""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.spiff.juel.errors import JuelError

KEYWORDS = frozenset(
    "true false null and or not eq ne lt gt le ge div mod empty instanceof".split()
)
# Longest first, so `<=` wins over `<`.
OPERATORS = ("==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%",
             "?", ":", ".", "[", "]", "(", ")", ",")
_NUMBER = re.compile(r"(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
MAX_LONG = 2**63 - 1


@dataclass(frozen=True)
class Token:
    """One token; `kind` is INT, FLOAT, STRING, IDENT, KEYWORD, OP or END; `column` is 1-based."""

    kind: str
    value: object
    column: int


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of `text[start:end]`; columns count from the start of `text`."""
    stop = len(text) if end is None else end
    tokens: list[Token] = []
    i = start
    while i < stop:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "'\"":
            value, i_next = _string(text, i, stop)
            tokens.append(Token("STRING", value, i + 1))
            i = i_next
        elif char.isdigit() or (char == "." and i + 1 < stop and text[i + 1].isdigit()):
            token, i = _number(text, i, stop)
            tokens.append(token)
        elif (match := _IDENT.match(text, i, stop)) is not None:
            word = match.group()
            tokens.append(Token("KEYWORD" if word in KEYWORDS else "IDENT", word, i + 1))
            i = match.end()
        else:
            operator = next((op for op in OPERATORS if text.startswith(op, i, stop)), None)
            if operator is None:
                raise JuelError(f"unexpected character {char!r}", i + 1)
            tokens.append(Token("OP", operator, i + 1))
            i += len(operator)
    tokens.append(Token("END", None, stop + 1))
    return tokens


def _string(text: str, i: int, stop: int) -> tuple[str, int]:
    """A quoted string from `text[i]`; `\\'`, `\\"` and `\\\\` are escapes, other backslashes stay."""
    quote, out, j = text[i], [], i + 1
    while j < stop:
        char = text[j]
        if char == "\\" and j + 1 < stop and text[j + 1] in (quote, "\\"):
            out.append(text[j + 1])
            j += 2
        elif char == quote:
            return "".join(out), j + 1
        else:
            out.append(char)
            j += 1
    raise JuelError("the string is not closed", i + 1)


def _number(text: str, i: int, stop: int) -> tuple[Token, int]:
    """An integer (Long) or floating point (Double) literal."""
    match = _NUMBER.match(text, i, stop)
    assert match is not None  # the caller saw a digit (or a dot and a digit)
    source = match.group()
    if match.group(2) or "." in source:
        return Token("FLOAT", float(source), i + 1), match.end()
    value = int(source)
    if value > MAX_LONG:
        raise JuelError(f"the integer {source} is too large for a Long", i + 1)
    return Token("INT", value, i + 1), match.end()
