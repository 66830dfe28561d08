"""Upload checks for listeners, input/output mappings, scripts in them and error variables.

What the engine runs (engine.spiff.hooked) is checked here; what it cannot run (Java
classes, delegate expressions, bean expressions, script resources, other languages,
listeners on the process itself) is refused with the element named.
"""

from __future__ import annotations

from typing import Any

from engine.spiff.expressions import check_parameter, is_expression, strip_expression
from engine.spiff.javascript import check_javascript
from engine.spiff.sandbox import SandboxError, compile_script
from engine.spiff.scripting import normal_format

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
EXECUTION_EVENTS = {"start", "end"}
TASK_EVENTS = {"create", "assignment", "complete", "delete"}
DELEGATE_ROOTS = ("execution.", "task.")
USE_INSTEAD = "use an external task topic or an activity instead"


def _cam(tag: str) -> str:
    """A Camunda tag name."""
    return f"{{{CAMUNDA}}}{tag}"


def _ext(el: Any, path: str) -> list[Any]:
    """Elements under the extensionElements of `el`."""
    return el.findall(f"{{{BPMN}}}extensionElements/{path}")


def check_script(source: str | None, script_format: str | None, resource: str | None = None) -> str | None:
    """A problem with an inline script in a supported language, or None."""
    language = normal_format(script_format)
    if resource:
        return "external script resources are not supported: write the script inline"
    if language not in ("python", "javascript"):
        return f"script format {script_format!r} is not supported: use python or javascript"
    if not (source or "").strip():
        return "the script is empty"
    if language == "javascript":
        problem = check_javascript(source or "")
        return f"JavaScript: {problem}" if problem else None
    try:
        compile_script(source)
    except SandboxError as exc:
        return exc.message
    return None


def _check_listener(report: Any, element_id: str, listener: Any, kind: str, events: set[str]) -> None:
    """One execution or task listener."""
    event = listener.get("event") or ""
    what = f"{kind} listener ({event or 'no event'})"
    if event not in events:
        report.error(element_id, f"{what}: the event must be one of {', '.join(sorted(events))}")
    for attribute in ("class", "delegateExpression"):
        if listener.get(attribute):
            report.error(
                element_id,
                f"{what}: the Java {attribute} {listener.get(attribute)!r} cannot run here: {USE_INSTEAD}",
            )
            return
    script, expression = listener.find(_cam("script")), listener.get("expression")
    if script is not None:
        problem = check_script(script.text, script.get("scriptFormat"), script.get("resource"))
        if problem:
            report.error(element_id, f"{what}: {problem}")
    elif expression is not None:
        body = strip_expression(expression) if is_expression(expression) else expression
        if not is_expression(expression) or not body.startswith(DELEGATE_ROOTS):
            report.error(
                element_id,
                f"{what}: the bean expression {expression!r} cannot run here: expressions may only call "
                f"execution or task; {USE_INSTEAD}",
            )
            return
        problem = check_parameter(expression)
        if problem:
            report.error(element_id, f"{what}: {problem}")
    else:
        report.error(element_id, f"{what}: give a camunda:script or an expression")


def check_listeners(report: Any, el: Any, kind: str) -> None:
    """Execution listeners (start/end; take on flows) and, on user tasks, task listeners."""
    element_id = el.get("id")
    flow = kind == "sequenceFlow"
    for listener in _ext(el, _cam("executionListener")):
        _check_listener(report, element_id, listener, "execution", {"take"} if flow else EXECUTION_EVENTS)
    for listener in _ext(el, _cam("taskListener")):
        if kind != "userTask":
            report.error(element_id, "task listeners are only allowed on user tasks")
            continue
        _check_listener(report, element_id, listener, "task", TASK_EVENTS)


def check_process_listeners(report: Any, process: Any) -> None:
    """Listeners on the process element itself are not run: refuse them."""
    for tag in ("executionListener", "taskListener"):
        if _ext(process, _cam(tag)):
            report.error(
                process.get("id"),
                f"camunda:{tag} on the process is not supported: put it on the start or end event",
            )


def _check_value(report: Any, element_id: str, what: str, node: Any) -> None:
    """A mapping value: text or `${}`, a script, or a (nested) list or map."""
    children = [child for child in node if isinstance(child.tag, str)]
    if children:
        _check_element(report, element_id, what, children[0])
        return
    problem = check_parameter(node.text)
    if problem:
        report.error(element_id, f"{what}: {problem}")


def _check_element(report: Any, element_id: str, what: str, child: Any) -> None:
    """A `camunda:script`, `camunda:list`, `camunda:map` or `camunda:value` element."""
    if child.tag == _cam("script"):
        problem = check_script(child.text, child.get("scriptFormat"), child.get("resource"))
        if problem:
            report.error(element_id, f"{what}: {problem}")
    elif child.tag == _cam("list"):
        for index, item in enumerate(c for c in child if isinstance(c.tag, str)):
            _check_element(report, element_id, f"{what}[{index}]", item)
    elif child.tag == _cam("map"):
        for entry in child.findall(_cam("entry")):
            _check_value(report, element_id, f"{what}[{entry.get('key')!r}]", entry)
    elif child.tag == _cam("value"):
        _check_value(report, element_id, what, child)
    else:
        report.error(element_id, f"{what}: unsupported value element {child.tag!r}")


def check_io(report: Any, el: Any) -> None:
    """`camunda:inputOutput` of a non-external activity: named parameters with valid values."""
    element_id = el.get("id")
    for tag, what in (("inputParameter", "input"), ("outputParameter", "output")):
        for param in _ext(el, f"{_cam('inputOutput')}/{_cam(tag)}"):
            name = param.get("name") or ""
            if not name.isidentifier():
                report.error(element_id, f"{what} parameter {name!r} needs a variable name")
            _check_value(report, element_id, f"{what} parameter {name!r}", param)


def check_error_variables(report: Any, el: Any) -> None:
    """errorCodeVariable / errorMessageVariable name variables."""
    for definition in el.findall(f"{{{BPMN}}}errorEventDefinition"):
        for attribute in ("errorCodeVariable", "errorMessageVariable"):
            name = definition.get(_cam(attribute))
            if name is not None and not name.isidentifier():
                report.error(el.get("id"), f"camunda:{attribute} {name!r} is not a variable name")


def check_hooks(report: Any, el: Any, kind: str) -> None:
    """All of the above for one flow node (external service tasks check their own parameters)."""
    check_listeners(report, el, kind)
    external = kind == "serviceTask" and el.get(_cam("type")) == "external"
    if not external:
        check_io(report, el)
    check_error_variables(report, el)
    check_retry_cycle(report, el)


def check_retry_cycle(report: Any, el: Any) -> None:
    """camunda:failedJobRetryTimeCycle must parse (engine.spiff.async_retry honours it)."""
    from engine.spiff.async_retry import parse_retry_cycle

    for cycle in _ext(el, _cam("failedJobRetryTimeCycle")):
        try:
            parse_retry_cycle(cycle.text or "")
        except ValueError as exc:
            report.error(el.get("id"), f"camunda:failedJobRetryTimeCycle: {exc}")
