"""engine.spiff.juel: tokens, syntax tree, precedence, composite text and parse errors with columns."""

from __future__ import annotations

import pytest

from engine.spiff.juel import JuelError, compile_template
from engine.spiff.juel.lexer import tokenize
from engine.spiff.juel.nodes import Binary, Conditional, Identifier, Literal, MethodCall, Property, Unary
from engine.spiff.juel.parser import parse


def kinds(text: str) -> list[tuple[str, object]]:
    return [(t.kind, t.value) for t in tokenize(text)]


def test_tokens_and_columns() -> None:
    assert kinds("a.b >= 10 && !x") == [
        ("IDENT", "a"), ("OP", "."), ("IDENT", "b"), ("OP", ">="), ("INT", 10),
        ("OP", "&&"), ("OP", "!"), ("IDENT", "x"), ("END", None),
    ]
    assert [t.column for t in tokenize("ab  + 'c'")] == [1, 5, 7, 10]
    assert kinds("eq ne lt gt le ge and or not div mod empty true false null")[:-1] == [
        ("KEYWORD", w) for w in "eq ne lt gt le ge and or not div mod empty true false null".split()
    ]


@pytest.mark.parametrize(
    "text, value",
    [
        ("12", 12), ("1.5", 1.5), (".5", 0.5), ("1e3", 1000.0), ("2.5E-1", 0.25), ("3.", 3.0),
        ("'it''s'", None), ("'a\\'b'", "a'b"), ('"a\\"b"', 'a"b'), ("'a\\\\b'", "a\\b"),
        ("'a\"b'", 'a"b'), ("'tab\\t'", "tab\\t"), ("$x_1", None),
    ],
)
def test_literals(text: str, value: object) -> None:
    tokens = tokenize(text)
    if value is not None:
        assert tokens[0].value == value and tokens[1].kind == "END"
    elif text.startswith("'it"):
        assert [t.value for t in tokens[:-1]] == ["it", "s"]  # EL has no '' escape: two strings
    else:
        assert tokens[0].kind == "IDENT"


def test_lexer_errors_carry_the_column() -> None:
    with pytest.raises(JuelError, match=r"unexpected character '@' \(at column 3\)"):
        tokenize("a @ b")
    with pytest.raises(JuelError, match=r"the string is not closed \(at column 5\)"):
        tokenize("a + 'open")
    with pytest.raises(JuelError, match="too large for a Long"):
        tokenize("99999999999999999999")


def test_precedence() -> None:
    tree = parse("a || b && c == d < e + f * -g")
    assert isinstance(tree, Binary) and tree.operator == "||"
    right = tree.right
    assert isinstance(right, Binary) and right.operator == "&&"
    equality = right.right
    assert isinstance(equality, Binary) and equality.operator == "=="
    less = equality.right
    assert isinstance(less, Binary) and less.operator == "<"
    plus = less.right
    assert isinstance(plus, Binary) and plus.operator == "+"
    times = plus.right
    assert isinstance(times, Binary) and times.operator == "*"
    assert isinstance(times.right, Unary) and times.right.operator == "-"


def test_word_forms_are_normalised() -> None:
    words = parse("a eq b and c ne d or not e lt f")
    symbols = parse("a == b && c != d || ! e < f")
    assert _shape(words) == _shape(symbols)
    for word, symbol in [("gt", ">"), ("le", "<="), ("ge", ">="), ("div", "/"), ("mod", "%")]:
        node = parse(f"a {word} b")
        assert isinstance(node, Binary) and node.operator == symbol


def _shape(node: object) -> object:
    """The tree without columns."""
    if isinstance(node, Binary):
        return (node.operator, _shape(node.left), _shape(node.right))
    if isinstance(node, Unary):
        return (node.operator, _shape(node.operand))
    if isinstance(node, Identifier):
        return node.name
    return node


def test_left_associativity_and_right_associative_ternary() -> None:
    minus = parse("a - b - c")
    assert isinstance(minus, Binary) and isinstance(minus.left, Binary)
    ternary = parse("a ? b : c ? d : e")
    assert isinstance(ternary, Conditional) and isinstance(ternary.otherwise, Conditional)


def test_suffixes_build_properties_and_methods() -> None:
    tree = parse("execution.getVariable('x').list[0]['k'].size()")
    assert isinstance(tree, MethodCall) and tree.name == "size" and tree.arguments == ()
    key = tree.base
    assert isinstance(key, Property) and isinstance(key.key, Literal) and key.key.value == "k"
    empty = parse("empty a.b")
    assert isinstance(empty, Unary) and empty.operator == "empty" and isinstance(empty.operand, Property)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "the expression is empty"),
        ("a ==", "expected a value but found the end of the expression (at column 5)"),
        ("a b", "expected an operator but found 'b' (at column 3)"),
        ("(a", "expected ')' but found the end of the expression (at column 3)"),
        ("a ? b", "expected ':' but found the end of the expression"),
        ("a[0", "expected ']'"),
        ("a.", "expected a property name"),
        ("a.1", "expected an operator but found 0.1"),
        ("f(x)", "function calls are not supported (f) (at column 1)"),
        ("fn:upper(x)", "function calls are not supported (fn)"),
        ("a instanceof b", "expected an operator but found 'instanceof'"),
        ("x.__class__", "names starting with '__' are not allowed (__class__) (at column 3)"),
        ("__import__", "names starting with '__' are not allowed"),
        ("{'a': 1}", "unexpected character '{'"),
        ("a = 1", "unexpected character '='"),
        ("-" * 100 + "1", "nests deeper than 64 levels"),
        ("(" * 100 + "1" + ")" * 100, "nests deeper than 64 levels"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(JuelError) as caught:
        parse(text)
    assert message in caught.value.message


def test_composite_text() -> None:
    template = compile_template("Lead ${record.title} (${n})")
    assert [part if isinstance(part, str) else type(part).__name__ for part in template.parts] == [
        "Lead ", "Property", " (", "Identifier", ")",
    ]
    assert compile_template("${x}").single and not compile_template(" ${x}").single
    assert compile_template("a \\${b}").parts == ("a ${b}",)  # escaped, stays text
    assert compile_template("${'}' + x}").single  # a brace inside a string does not close
    assert compile_template("plain").parts == ("plain",)


def test_composite_errors_use_columns_of_the_whole_text() -> None:
    with pytest.raises(JuelError, match=r"\(at column 15\)"):
        compile_template("Lead ${record.}")
    with pytest.raises(JuelError, match=r"'\$\{' is not closed by '\}' \(at column 6\)"):
        compile_template("Lead ${record")
    with pytest.raises(JuelError, match="may not mix"):
        compile_template("${a} #{b}")
