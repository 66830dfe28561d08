"""Template rendering in Jinja's sandbox: placeholders only, nothing that reaches Python objects.

Two walls. At save time the template is parsed and refused if it uses anything beyond
placeholders, conditions and concatenation (no calls, loops, arithmetic, imports), names an
attribute or key starting with "_", or uses a filter outside a short list. At render time the
sandbox reads only dict keys and list items (any other attribute raises SecurityError instead
of rendering empty) and the values are plain dicts and strings. Unknown placeholders render
empty.
"""
from __future__ import annotations

from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

ALLOWED_FILTERS = {
    "capitalize", "d", "default", "first", "float", "int", "join", "last", "length",
    "lower", "replace", "round", "string", "striptags", "title", "trim", "truncate", "upper",
    "wordcount",
}
# Placeholders, conditions and concatenation: no calls, loops, arithmetic, imports or macros.
ALLOWED_NODES = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Const, nodes.Name,
                 nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Test, nodes.If, nodes.Compare,
                 nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.CondExpr, nodes.Concat,
                 nodes.Assign, nodes.Keyword, nodes.Tuple, nodes.List, nodes.Neg, nodes.Pos)


class RenderError(Exception):
    """The template cannot be used; the message says why (and where)."""


class _Sandbox(SandboxedEnvironment):
    """Values are dicts of plain data: `a.b` and `a["b"]` read keys, never Python attributes."""

    def unsafe_undefined(self, obj: object, attribute: str) -> object:
        raise SecurityError(f"access to {attribute!r} is not allowed")

    def getattr(self, obj: object, attribute: str) -> object:
        if isinstance(obj, dict):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        if isinstance(obj, ChainableUndefined) or obj is None:
            return self.undefined(obj=obj, name=attribute)
        raise SecurityError(f"access to {attribute!r} of a {type(obj).__name__} is not allowed")

    def getitem(self, obj: object, argument: object) -> object:
        if isinstance(obj, dict) or (isinstance(obj, (list, tuple)) and isinstance(argument, int)):
            try:
                return obj[argument]
            except (KeyError, IndexError, TypeError):
                return self.undefined(obj=obj, name=str(argument))
        if isinstance(obj, ChainableUndefined) or obj is None:
            return self.undefined(obj=obj, name=str(argument))
        raise SecurityError(f"access to {argument!r} of a {type(obj).__name__} is not allowed")


ENV = _Sandbox(undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=True)
ENV.globals.clear()
for _name in list(ENV.filters):
    if _name not in ALLOWED_FILTERS:
        del ENV.filters[_name]
ENV.tests = {k: v for k, v in ENV.tests.items() if k in ("defined", "undefined", "none", "number", "string")}


def check(text: str) -> str | None:
    """Why `text` is refused as a template, or None when it may be saved."""
    try:
        tree = ENV.parse(text)
    except TemplateSyntaxError as exc:
        return f"Template error on line {exc.lineno}: {exc.message}"
    for node in tree.find_all(nodes.Node):
        problem = _node_problem(node)
        if problem:
            return f"Not allowed on line {getattr(node, 'lineno', '?')}: {problem}"
    return None


def _node_problem(node: nodes.Node) -> str | None:
    if not isinstance(node, ALLOWED_NODES):
        return (f"{type(node).__name__.lower()}: mail templates take placeholders and conditions "
                "only (no calls, loops, arithmetic, imports or macros)")
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        return f"the attribute {node.attr!r}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) \
            and isinstance(node.arg.value, str) and node.arg.value.startswith("_"):
        return f"the key {node.arg.value!r}"
    if isinstance(node, nodes.Name) and node.name.startswith("_"):
        return f"the name {node.name!r}"
    if isinstance(node, (nodes.Filter, nodes.Test)) and node.name not in (
            ALLOWED_FILTERS if isinstance(node, nodes.Filter) else ENV.tests):
        return f"the filter or test {node.name!r}"
    return None


def render(text: str, context: dict) -> str:
    """Render one template text; RenderError when it is refused or fails."""
    problem = check(text)
    if problem:
        raise RenderError(problem)
    try:
        return ENV.from_string(text).render(**context)
    except SecurityError as exc:
        raise RenderError(f"Not allowed: {exc}") from None
    except (TemplateError, ArithmeticError, ValueError, TypeError, RecursionError) as exc:
        raise RenderError(f"The template failed: {exc}") from None
