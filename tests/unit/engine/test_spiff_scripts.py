"""Scripts in JavaScript and Python with Camunda's `execution` object, through the runner."""

from __future__ import annotations

import time

from engine.spiff.runner import advance, complete_user_task
from tests.unit.engine.spiff_diagrams import chain, end, start, user_task
from tests.unit.engine.spiff_support import begin, build, reload


def script_task(task_id: str, source: str, script_format: str = "javascript") -> str:
    """A script task in the given format."""
    return (
        f'<bpmn:scriptTask id="{task_id}" name="{task_id}" scriptFormat="{script_format}">'
        f"<bpmn:script><![CDATA[{source}]]></bpmn:script></bpmn:scriptTask>"
    )


def run_script(source: str, script_format: str = "javascript", variables: dict | None = None) -> tuple:
    """Run one script task between a start and an end event; return the result and workflow."""
    blob = build(
        [
            start("Begin"),
            script_task("Calc", source, script_format),
            end("Done"),
            chain("Begin", "Calc", "Done"),
        ]
    )
    workflow = begin(blob, variables or {"record": {"id": 5, "amount": 120.5}, "tags": ["a"]})
    return advance(workflow, None), workflow


def test_a_javascript_script_reads_variables_and_sets_them_through_execution() -> None:
    source = (
        "var total = record.amount * 2;\n"
        'execution.setVariable("total", total);\n'
        'execution.setVariable("tags", execution.getVariable("tags").concat(["b"]));\n'
        'execution.setVariable("seen", Object.keys(execution.getVariables()).sort());\n'
        'execution.setVariable("element", execution.getActivityId());\n'
        "var ignored = 1;"
    )
    result, _ = run_script(source)
    assert result.status == "completed", result.errors
    assert result.data["total"] == 241.0
    assert result.data["tags"] == ["a", "b"]
    assert result.data["seen"] == ["record", "tags", "total"]
    assert result.data["element"] == "Calc"
    assert "ignored" not in result.data and "total" in result.data


def test_js_and_ecmascript_are_the_same_language() -> None:
    for script_format in ("js", "ECMAScript"):
        result, _ = run_script('execution.setVariable("ok", record.id === 5)', script_format)
        assert result.data["ok"] is True, result.errors


def test_an_endless_javascript_loop_stops_at_the_time_limit_naming_the_element() -> None:
    began = time.monotonic()
    result, _ = run_script("while (true) {}")
    assert time.monotonic() - began < 10  # a CPU-time limit: wall time grows with the load
    assert result.status == "error"
    message = result.errors[0]["message"]
    assert "Calc" in message and "time limit of 1 s exceeded" in message


def test_a_javascript_memory_bomb_stops_at_the_memory_limit() -> None:
    result, _ = run_script('var a = []; while (true) { a.push("xxxxxxxxxxxxxxxx" + a.length); }')
    assert result.status == "error"
    assert "memory limit of 32 MB exceeded" in result.errors[0]["message"]


def test_a_javascript_script_has_no_host_access() -> None:
    source = 'execution.setVariable("kinds", [typeof require, typeof process, typeof std, typeof os].join())'
    result, _ = run_script(source)
    assert result.data["kinds"] == "undefined,undefined,undefined,undefined"


def test_a_javascript_error_names_the_element_and_the_reason() -> None:
    result, _ = run_script("null.x")
    assert result.status == "error"
    assert "Calc" in result.errors[0]["message"] and "TypeError" in result.errors[0]["message"]


def test_a_python_script_sets_variables_through_execution() -> None:
    source = (
        'execution.setVariable("doubled", execution.getVariable("record")["id"] * 2)\n'
        'execution.setVariable("where", execution.getActivityId())\n'
        "plain = 3"
    )
    result, _ = run_script(source, "python")
    assert result.status == "completed", result.errors
    assert (result.data["doubled"], result.data["where"], result.data["plain"]) == (10, "Calc", 3)
    assert "execution" not in result.data


def test_a_python_script_cannot_reach_underscore_attributes_of_execution() -> None:
    result, _ = run_script("x = execution.getVariable.__globals__", "python")
    assert result.status == "error"


def test_a_javascript_task_survives_a_save_and_reload_before_it_runs() -> None:
    blob = build(
        [
            start("Begin"),
            user_task("Wait"),
            script_task("Calc", 'execution.setVariable("n", execution.getVariable("n") + 1)'),
            end("Done"),
            chain("Begin", "Wait", "Calc", "Done"),
        ]
    )
    workflow = begin(blob, {"n": 1})
    first = advance(workflow, None)
    workflow = reload(workflow, blob)
    complete_user_task(workflow, first.user_tasks[0]["task_id"], {})
    assert advance(workflow, None).data["n"] == 2
