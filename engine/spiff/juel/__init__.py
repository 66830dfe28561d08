"""JUEL, the expression language of Camunda 7 (`${...}` and `#{...}`), parsed and evaluated here.

lexer -> parser (nodes) -> evaluator (coercion, operators, methods); template handles
composite text. Nothing is ever handed to Python's `eval`.
"""

from engine.spiff.juel.errors import JuelError
from engine.spiff.juel.template import Template, compile_template, has_expression

__all__ = ["JuelError", "Template", "compile_template", "has_expression"]
