"""Camunda 7 multi-instance through the runner: collection, elementVariable, loopCardinality,
completionCondition, loop variables, parallel and sequential, on every activity type."""

from __future__ import annotations

import json
import time

from engine.spiff.runner import advance, complete_user_task, serialize_state, workflow_data
from engine.spiff.topics import STANDARD_TOPICS
from engine.spiff.validation import validate_bpmn
from tests.unit.engine.spiff_diagrams import chain, document, end, service, start
from tests.unit.engine.spiff_support import Recorder, begin, build, reload


def loop(sequential: bool = False, collection: str | None = None, element: str | None = None,
         cardinality: str | None = None, condition: str | None = None) -> str:
    """A multiInstanceLoopCharacteristics element."""
    attrs = ' isSequential="true"' if sequential else ""
    attrs += f' camunda:collection="{collection}"' if collection else ""
    attrs += f' camunda:elementVariable="{element}"' if element else ""
    inner = f"<bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality>" if cardinality else ""
    inner += f"<bpmn:completionCondition>{condition}</bpmn:completionCondition>" if condition else ""
    return f"<bpmn:multiInstanceLoopCharacteristics{attrs}>{inner}</bpmn:multiInstanceLoopCharacteristics>"


def script(task_id: str, code: str, characteristics: str) -> str:
    """A Python script task with loop characteristics."""
    return (f'<bpmn:scriptTask id="{task_id}" scriptFormat="python">{characteristics}'
            f"<bpmn:script>{code}</bpmn:script></bpmn:scriptTask>")


def around(activity: str) -> list[str]:
    """Begin -> the activity (id Work) -> Done."""
    return [start("Begin"), activity, end("Done"), chain("Begin", "Work", "Done")]


def test_sequential_collection_expression_sees_element_and_loop_variables() -> None:
    code = "total = total + item\nseen = seen + [[loopCounter, nrOfInstances, nrOfCompletedInstances]]"
    blob = build(around(script("Work", code, loop(True, "${items}", "item"))))
    wf = begin(blob, {"items": [1, 2, 3], "total": 0, "seen": []})
    result = advance(wf, None)
    assert result.status == "completed", result.errors
    data = workflow_data(wf)
    assert data["total"] == 6
    assert data["seen"] == [[0, 3, 0], [1, 3, 1], [2, 3, 2]]
    assert not {"item", "loopCounter", "nrOfInstances"} & set(data), "loop variables stay local"


def test_loop_cardinality_deploys_and_runs_sequential_and_parallel() -> None:
    for sequential in (True, False):
        xml = document("\n".join(around(script("Work", "n = n + 1", loop(sequential, cardinality="${k}")))))
        result = validate_bpmn(xml, STANDARD_TOPICS)
        assert result.errors == [] and result.spec_blob, "loopCardinality deploys"
        wf = begin(result.spec_blob, {"k": 4, "n": 0})
        assert advance(wf, None).status == "completed"
        assert workflow_data(wf)["n"] == (4 if sequential else 1), "parallel instances all start from n=0"


def test_parallel_user_tasks_one_per_item_with_assignee_and_completion_condition() -> None:
    task = ('<bpmn:userTask id="Work" camunda:assignee="${who}">'
            + loop(False, "people", "who", condition="${nrOfCompletedInstances >= 2}") + "</bpmn:userTask>")
    blob = build(around(task))
    wf = begin(blob, {"people": ["ann", "bob", "cid"]})
    result = advance(wf, None)
    assert result.status == "waiting"
    assert [t["assignee"] for t in result.user_tasks] == ["ann", "bob", "cid"]
    ids = [t["task_id"] for t in result.user_tasks]
    wf = reload(wf, blob)
    complete_user_task(wf, ids[0], {"verdict": "yes"})
    assert len(advance(wf, None).user_tasks) == 2
    wf = reload(wf, blob)
    complete_user_task(wf, ids[2], {"verdict": "no"})
    result = advance(wf, None)
    assert result.status == "completed" and result.user_tasks == [], "the third was cancelled"
    assert workflow_data(wf)["verdict"] == "no"


def test_service_task_and_subprocess_multi_instance() -> None:
    service_mi = service("Work", "crm.add_comment", {"entity": "lead", "id": "${lead}", "text": "hi"})
    extensions = "<bpmn:extensionElements>"
    service_mi = service_mi.replace(extensions, loop(False, "leads", "lead") + extensions)
    recorder = Recorder({})
    wf = begin(build(around(service_mi)), {"leads": [4, 5]})
    assert advance(wf, recorder).status == "completed"
    assert sorted(params["id"] for _, params, _ in recorder.calls) == [4, 5]
    sub = ('<bpmn:subProcess id="Work">' + loop(True, "${words}", "word")
           + start("SubBegin") + script("Inner", "text = text + word", "") + end("SubEnd")
           + chain("SubBegin", "Inner", "SubEnd") + "</bpmn:subProcess>")
    wf = begin(build(around(sub)), {"words": ["a", "b", "c"], "text": ""})
    assert advance(wf, None).status == "completed"
    assert workflow_data(wf)["text"] == "abc"


def test_bad_collection_is_an_error_naming_the_element() -> None:
    blob = build(around(script("Work", "x = 1", loop(False, "items", "item"))))
    result = advance(begin(blob, {"items": {"a": 1}}), None)
    assert result.status == "error" and "not a list" in result.errors[0]["message"]
    result = advance(begin(blob, {}), None)
    assert result.status == "error" and "'items' is not set" in result.errors[0]["message"]
    assert result.errors[0]["element_id"] == "Work"


def test_parallel_thousand_items_completes_with_small_state() -> None:
    blob = build(around(script("Work", "out = item * 2", loop(False, "items", "item"))))
    wf = begin(blob, {"items": list(range(1000))})
    started = time.perf_counter()
    result = advance(wf, None)
    while result.more:  # a step runs at most 1,000 engine tasks: the platform runs it again
        result = advance(wf, None)
    elapsed = time.perf_counter() - started
    assert result.status == "completed", result.errors
    state = serialize_state(wf)
    assert len(state) < 40_000, "finished instances are pruned from the state"
    assert len(json.loads(state)["tasks"]) < 10
    print(f"1,000 items: {elapsed:.2f} s")  # printed, not asserted: no timing limits in tests


def bpmn_loop(sequential: bool) -> str:
    """BPMN's own data form: loopDataInputRef/inputDataItem and loopDataOutputRef/outputDataItem."""
    attrs = ' isSequential="true"' if sequential else ""
    return (f"<bpmn:multiInstanceLoopCharacteristics{attrs}>"
            "<bpmn:loopDataInputRef>numbers</bpmn:loopDataInputRef>"
            "<bpmn:loopDataOutputRef>squares</bpmn:loopDataOutputRef>"
            '<bpmn:inputDataItem id="number" name="number" />'
            '<bpmn:outputDataItem id="square_item" name="square item" />'  # not a name: its id
            "</bpmn:multiInstanceLoopCharacteristics>")


def test_loop_data_input_and_output_refs_collect_each_instance_in_order() -> None:
    for sequential in (True, False):
        work = script("Work", "square_item = number * number", bpmn_loop(sequential))
        xml = document("\n".join(around(work)))
        result = validate_bpmn(xml, STANDARD_TOPICS)
        assert result.errors == [], result.errors
        wf = begin(result.spec_blob, {"numbers": [3, 1, 2]})
        assert advance(wf, None).status == "completed"
        data = workflow_data(wf)
        assert data["squares"] == [9, 1, 4]
        assert not {"number", "square_item"} & set(data), "the items stay with their instance"


def test_a_loop_data_ref_that_is_not_a_variable_name_is_refused() -> None:
    bad = bpmn_loop(False).replace(">numbers<", ">not a name<")
    result = validate_bpmn(document("\n".join(around(script("Work", "x = 1", bad)))), STANDARD_TOPICS)
    assert {e["element"] for e in result.errors} == {"Work"}
    assert any("loopDataInputRef 'not a name' is not a variable name" in e["message"] for e in result.errors)
