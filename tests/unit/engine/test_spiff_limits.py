"""Engine limits: bounded steps, the instance limit, pruned loops, never a false "completed"."""

from __future__ import annotations

import json

import pytest

from engine.spiff import stepping
from engine.spiff.runner import advance, serialize_state, step_result
from engine.spiff.stepping import Limits
from tests.unit.engine.spiff_diagrams import end, flow, start, user_task
from tests.unit.engine.spiff_support import begin, build, reload

BIG = Limits(step_tasks=10**7, step_seconds=10**6, instance_tasks=10**8)


def script(element_id: str, text: str, inner: str = "") -> str:
    return (f'<bpmn:scriptTask id="{element_id}" scriptFormat="python">{inner}'
            f"<bpmn:script>{text}</bpmn:script></bpmn:scriptTask>")


def gateway_loop(n: int | None) -> str:
    """count = 0; Inc (count + 1) back through a gateway while count < n (forever with None)."""
    condition = f"${{count >= {n}}}" if n is not None else "${count == -1}"
    return build([
        start("S"), script("Init", "count = 0"), script("Inc", "count = count + 1"),
        '<bpmn:exclusiveGateway id="More" name="More?" default="Back" />', user_task("After"), end("E"),
        flow("F1", "S", "Init"), flow("F2", "Init", "Inc"), flow("F3", "Inc", "More"),
        flow("Out", "More", "After", condition), flow("Back", "More", "Inc"), flow("F4", "After", "E")])


def standard_loop(n: int) -> str:
    loop = (f"<bpmn:standardLoopCharacteristics><bpmn:loopCondition>${{count &lt; {n}}}"
            "</bpmn:loopCondition></bpmn:standardLoopCharacteristics>")
    return build([start("S"), script("Init", "count = 0"), script("Inc", "count = count + 1", loop),
                  user_task("After"), end("E"), flow("F1", "S", "Init"), flow("F2", "Init", "Inc"),
                  flow("F3", "Inc", "After"), flow("F4", "After", "E")])


def run_in_steps(blob: str, limits: Limits | None = None, max_steps: int = 10_000) -> tuple[object, list]:
    """Advance step after step, saving and loading between steps as the platform does."""
    workflow, sizes = begin(blob, {}), []
    for _ in range(max_steps):
        result = advance(workflow, None, limits)
        state = serialize_state(workflow)
        sizes.append(len(state))
        workflow = reload(workflow, blob)
        if not result.more:
            return result, sizes
    raise AssertionError("the loop never ended")


@pytest.mark.parametrize("make", [gateway_loop, standard_loop], ids=["gateway", "standard"])
def test_a_loop_of_10000_iterations_completes_with_flat_state(make) -> None:
    # steps end by their task budget only: a time budget on a loaded machine ends them at other
    # points of an iteration, whose states differ by more than the tolerance below
    by_tasks = Limits(step_seconds=10**6)
    small, small_sizes = run_in_steps(make(1_000), by_tasks)
    result, sizes = run_in_steps(make(10_000), by_tasks)
    assert result.status == "waiting" and [t["element_id"] for t in result.user_tasks] == ["After"]
    assert result.data["count"] == 10_000
    assert small.data["count"] == 1_000
    assert max(sizes) < max(small_sizes) + 100, (max(small_sizes), max(sizes))  # flat, not 10x
    assert sizes[-1] < small_sizes[-1] + 100


def test_stock_spiffworkflow_stops_a_long_loop_silently_which_is_now_an_error() -> None:
    """Without pruning, tasks 1,000 levels down are never run and the workflow looks completed."""
    workflow = begin(gateway_loop(600), {})
    workflow.do_engine_steps()  # SpiffWorkflow's own unbounded run, no pruning
    assert workflow.is_completed() and workflow.last_task.data["count"] < 600
    result = step_result(workflow)
    assert result.status == "error"
    assert stepping.TREE_LIMIT_MESSAGE in result.errors[0]["message"]


def test_a_step_stops_at_its_task_budget_and_the_next_step_continues() -> None:
    workflow = begin(gateway_loop(300), {})
    first = advance(workflow, None, Limits(step_tasks=100))
    assert first.more and first.status == "waiting" and len(first.ran) == 100
    assert stepping.engine_tasks(workflow) == 100
    result = first
    while result.more:
        result = advance(workflow, None, Limits(step_tasks=100))
    assert result.data["count"] == 300 and [t["element_id"] for t in result.user_tasks] == ["After"]


def test_a_step_stops_at_its_time_budget() -> None:
    workflow = begin(gateway_loop(None), {})
    result = advance(workflow, None, Limits(step_seconds=0.05))
    assert result.more and result.status == "waiting" and 0 < len(result.ran) < 1000


def test_an_endless_loop_ends_in_an_incident_naming_the_element_and_the_limit() -> None:
    blob = gateway_loop(None)
    result, _sizes = run_in_steps(blob, Limits(step_tasks=40, instance_tasks=500))
    assert result.status == "error" and not result.more
    [error] = result.errors
    assert error["element_id"] in {"Inc", "More"}
    assert "FLOWDESK_ENGINE_INSTANCE_TASKS=500" in error["message"] and "500 engine tasks" in error["message"]


def test_request_stop_ends_steps_at_the_next_task_boundary() -> None:
    workflow = begin(gateway_loop(50), {})
    stepping.request_stop()
    try:
        result = advance(workflow, None)
        assert result.more and result.ran == []
    finally:
        stepping.clear_stop()
    result = advance(workflow, None)
    assert not result.more and result.data["count"] == 50


def test_a_thousand_item_parallel_multi_instance_runs_in_bounded_steps() -> None:
    inner = ('<bpmn:multiInstanceLoopCharacteristics camunda:collection="items" '
             'camunda:elementVariable="item" />')
    blob = build([start("S"), script("Work", "out = item * 2", inner), end("E"),
                  flow("F1", "S", "Work"), flow("F2", "Work", "E")])
    workflow = begin(blob, {"items": list(range(1000))})
    steps, result = 0, None
    while result is None or result.more:
        result = advance(workflow, None)
        steps += 1
    assert result.status == "completed" and steps > 1
    assert len(json.loads(serialize_state(workflow))["tasks"]) < 10
