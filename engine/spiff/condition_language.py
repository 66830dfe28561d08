"""The `language` of a `bpmn:conditionExpression`: JUEL by default, Python when it says so.

Camunda reads a condition without `language` as JUEL; Flowdesk also accepts
`language="python"` (BPMN's own attribute), evaluated in the sandbox. The script engine
runs bare text as Python, so a Python condition written `${...}` is unwrapped at parse time.
"""

from __future__ import annotations

from typing import Any

from engine.spiff.expressions import is_expression, strip_expression

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
JUEL_LANGUAGES = frozenset({"", "juel", "${}", "http://www.omg.org/spec/bpmn/20100524/model/juel"})
PYTHON_LANGUAGES = frozenset({"python", "python3", "py"})


def condition_language(node: Any) -> str:
    """'juel', 'python', or the unsupported language as written."""
    language = (node.get("language") or "").strip()
    if language.lower() in JUEL_LANGUAGES:
        return "juel"
    if language.lower() in PYTHON_LANGUAGES:
        return "python"
    return language


def unwrap_python_conditions(root: Any) -> None:
    """Strip the `${}` of Python conditions so the script engine evaluates them as Python."""
    for node in root.iter(f"{{{BPMN}}}conditionExpression"):
        if condition_language(node) == "python" and node.text and is_expression(node.text):
            node.text = strip_expression(node.text)
