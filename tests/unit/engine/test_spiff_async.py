"""camunda:asyncBefore / asyncAfter are step boundaries: the work before them commits on its own."""

from __future__ import annotations

from engine.spiff.runner import advance
from tests.unit.engine.spiff_diagrams import end, flow, start
from tests.unit.engine.spiff_support import begin, build, reload


def script(element_id: str, text: str, attributes: str = "") -> str:
    return (f'<bpmn:scriptTask id="{element_id}" scriptFormat="python" {attributes}>'
            f"<bpmn:script>{text}</bpmn:script></bpmn:scriptTask>")


def chain_of_three(attributes: str) -> str:
    return build([start("S"), script("A", "a = 1"), script("B", "b = a + 1", attributes),
                  script("C", "c = b + 1"), end("E"),
                  flow("F1", "S", "A"), flow("F2", "A", "B"), flow("F3", "B", "C"), flow("F4", "C", "E")])


def steps(blob: str) -> list[dict]:
    """Each step's variables, saving and loading between steps as the platform does."""
    workflow, seen = begin(blob, {}), []
    for _ in range(20):
        result = advance(workflow, None)
        seen.append({key: result.data.get(key) for key in ("a", "b", "c")} | {"status": result.status})
        workflow = reload(workflow, blob)
        if not result.more:
            return seen
    raise AssertionError("never ended")


def test_async_before_ends_the_step_before_the_element() -> None:
    seen = steps(chain_of_three('camunda:asyncBefore="true"'))
    assert seen[0] == {"a": 1, "b": None, "c": None, "status": "waiting"}
    assert seen[-1] == {"a": 1, "b": 2, "c": 3, "status": "completed"}
    assert len(seen) == 2


def test_async_after_ends_the_step_after_the_element() -> None:
    seen = steps(chain_of_three('camunda:asyncAfter="true"'))
    assert seen[0] == {"a": 1, "b": 2, "c": None, "status": "waiting"}
    assert seen[-1]["c"] == 3 and seen[-1]["status"] == "completed" and len(seen) == 2


def test_both_make_three_steps_and_without_them_one() -> None:
    assert len(steps(chain_of_three('camunda:asyncBefore="true" camunda:asyncAfter="true"'))) == 3
    assert len(steps(chain_of_three(""))) == 1
