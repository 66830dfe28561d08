"""engine.spiff.runner with inline diagrams: service tasks, errors, scripts, assignment, state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from engine.spiff.forms import FormDataError
from engine.spiff.runner import (
    RunnerError,
    SerializationError,
    advance,
    cached_spec,
    complete_user_task,
    deserialize_state,
    get_task_states,
    load_spec,
    new_workflow,
    retry_errored,
    serialize_full,
    serialize_state,
    workflow_data,
)
from tests.unit.engine.spiff_diagrams import chain, document, end, flow, message, service, start, user_task
from tests.unit.engine.spiff_support import BOUNDARY, Recorder, begin, build, reload

ERRORS = [
    start("Begin"),
    '<bpmn:scriptTask id="Prepare" name="Prepare"><bpmn:script>counter = record.id * 2\nnote = "kept"'
    "</bpmn:script></bpmn:scriptTask>",
    service("Call", "crm.create_task", {"title": "Task ${counter}"}, name="Create task"),
    user_task("Check"),
    end("Done"),
    chain("Begin", "Prepare", "Call", "Check", "Done"),
]


def test_a_failing_handler_errors_the_task_and_retry_continues_without_losing_data() -> None:
    blob = build(ERRORS)
    workflow = begin(blob)
    result = advance(workflow, Recorder(fail=ConnectionError("CRM is down")))
    assert result.status == "error"
    [error] = result.errors
    assert error["element_id"] == "Call" and error["name"] == "Create task"
    assert "'Create task' (Call)" in error["message"] and "ConnectionError: CRM is down" in error["message"]
    assert result.data["counter"] == 10 and result.data["note"] == "kept"
    workflow = reload(workflow, blob)
    assert get_task_states(workflow)["Call"] == "error"
    assert advance(workflow, Recorder({"task_id": 1})).status == "error", "no retry without retry_errored"
    assert retry_errored(workflow) == ["Call"]
    handler = Recorder({"task_id": 77})
    result = advance(workflow, handler)
    assert result.status == "waiting" and result.errors == []
    assert handler.calls[0][1] == {"title": "Task 10"}
    assert result.data["task_id"] == 77 and result.data["counter"] == 10 and result.data["note"] == "kept"
    assert [t["element_id"] for t in result.user_tasks] == ["Check"]


def test_handler_context_and_result_conventions() -> None:
    body = [
        start("Begin"),
        service("Merge", "crm.create_task", {"title": "A"}),
        service("Named", "crm.create_task", {"title": "B"}, extra_attrs='camunda:resultVariable="second"'),
        '<bpmn:serviceTask id="Mapped" camunda:type="external" camunda:topic="crm.create_task">'
        "<bpmn:extensionElements><camunda:inputOutput>"
        '<camunda:inputParameter name="title">C</camunda:inputParameter>'
        '<camunda:outputParameter name="third_id">${task_id * 10}</camunda:outputParameter>'
        '<camunda:outputParameter name="third"></camunda:outputParameter>'
        "</camunda:inputOutput></bpmn:extensionElements></bpmn:serviceTask>",
        end("Done"),
        chain("Begin", "Merge", "Named", "Mapped", "Done"),
    ]
    handler = Recorder({"task_id": 4})
    result = advance(begin(build(body)), handler)
    assert result.status == "completed"
    assert result.data["task_id"] == 4
    assert result.data["second"] == {"task_id": 4}
    assert result.data["third_id"] == 40 and result.data["third"] == {"task_id": 4}
    context = handler.calls[0][2]
    assert (context.element_id, context.topic, context.name) == ("Merge", "crm.create_task", "Merge")
    assert context.data["record"] == {"id": 5}
    assert len(context.task_id) == 36


def test_bad_handler_results_and_missing_handler_are_task_errors() -> None:
    body = [
        start("Begin"),
        service("Call", "crm.create_task", {"title": "A"}),
        end("Done"),
        chain("Begin", "Call", "Done"),
    ]
    blob = build(body)
    result = advance(begin(blob), Recorder({"bad": {1, 2}, "when": datetime(2024, 1, 1)}))
    assert result.status == "completed" and result.data["bad"] == [1, 2]
    assert result.data["when"] == "2024-01-01T00:00:00"
    assert "reserved" in advance(begin(blob), Recorder({"typename": "x"})).errors[0]["message"]
    assert "non-dict" in advance(begin(blob), lambda *args: 5).errors[0]["message"]
    assert "no service handler" in advance(begin(blob), None).errors[0]["message"]


def test_condition_and_script_errors_name_the_element() -> None:
    body = [
        start("Begin"),
        '<bpmn:exclusiveGateway id="Choice" name="Which way?" default="Flow_other" />',
        '<bpmn:scriptTask id="Bad"><bpmn:script>x = 1\ny = x / 0</bpmn:script></bpmn:scriptTask>',
        end("Done"),
        end("Other"),
        chain("Begin", "Choice"),
        flow("Flow_bad", "Choice", "Bad", "${missing > 1}"),
        flow("Flow_other", "Choice", "Other"),
        chain("Bad", "Done"),
    ]
    blob = build(body)
    result = advance(begin(blob), Recorder())
    [error] = result.errors
    assert error["element_id"] == "Choice"
    assert "'Which way?' (Choice)" in error["message"]
    assert "Unknown property used in expression" in error["message"]
    assert "Cannot resolve identifier 'missing'" in error["message"]
    result = advance(begin(blob, {"missing": 5}), Recorder())
    [error] = result.errors
    assert error["element_id"] == "Bad" and "Line 2: ZeroDivisionError" in error["message"]


def test_scripts_run_in_the_sandbox() -> None:
    body = [
        start("Begin"),
        '<bpmn:scriptTask id="Evil"><bpmn:script>x = ().__class__</bpmn:script></bpmn:scriptTask>',
        '<bpmn:scriptTask id="Loop"><bpmn:script>while True: pass</bpmn:script></bpmn:scriptTask>',
        end("Done"),
        chain("Begin", "Evil", "Loop", "Done"),
    ]
    spec, subprocess_specs = load_spec(document("\n".join(body)), "test_process")
    workflow = new_workflow(spec, subprocess_specs, {}, timeout=0.1)
    result = advance(workflow, Recorder())
    assert "__class__" in result.errors[0]["message"]
    workflow.get_task_from_id(__import__("uuid").UUID(result.errors[0]["task_id"])).task_spec.script = "x = 1"
    retry_errored(workflow)
    result = advance(workflow, Recorder())
    assert (
        result.errors[0]["element_id"] == "Loop"
        and "time limit of 0.1 s exceeded" in result.errors[0]["message"]
    )


ASSIGNED = [
    '<bpmn:laneSet id="Lanes"><bpmn:lane id="Lane_sales" '
    'name="Sales"><bpmn:flowNodeRef>Begin</bpmn:flowNodeRef>'
    "<bpmn:flowNodeRef>Review</bpmn:flowNodeRef><bpmn:flowNodeRef>Done</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>",
    start("Begin"),
    user_task(
        "Review",
        "Review",
        attrs='camunda:assignee="${record.responsible_id}" '
        'camunda:candidateUsers="1, ${record.responsible_id}" '
        'camunda:candidateGroups="${[\'sales\', \'board\']}" camunda:dueDate="P2D" camunda:priority="${5}"',
        fields='<camunda:formField id="amount" type="long" label="Amount" defaultValue="${record.amount}">'
        '<camunda:validation><camunda:constraint name="min" '
        'config="0" /></camunda:validation></camunda:formField>'
        '<camunda:formField id="when" type="date" defaultValue="2024-02-03" />'
        '<camunda:formField id="ok" type="boolean" defaultValue="true" />',
    ),
    end("Done"),
    chain("Begin", "Review", "Done"),
]


def test_user_task_assignment_lane_and_form_defaults() -> None:
    blob = build(ASSIGNED)
    workflow = begin(blob, {"record": {"id": 5, "responsible_id": 8, "amount": 12}})
    [task] = advance(workflow, Recorder()).user_tasks
    assert task["lane"] == "Sales"
    assert task["assignee"] == 8 and task["candidate_users"] == ["1", 8]
    assert task["candidate_groups"] == ["sales", "board"] and task["priority"] == 5
    assert task["candidate_users_expression"] == "1, ${record.responsible_id}"
    due = datetime.fromisoformat(task["due_date"])
    assert timedelta(days=1, hours=23) < due - datetime.now(UTC) <= timedelta(days=2)
    assert task["assignment_errors"] == []
    assert {f["id"]: f["default"] for f in task["form"]} == {"amount": 12, "when": "2024-02-03", "ok": True}
    assert task["form"][0]["min"] == "0"
    workflow = reload(workflow, blob)
    [again] = advance(workflow, Recorder()).user_tasks
    assert again["due_date"] == task["due_date"], "assignment is evaluated once, when the task opens"
    assert complete_user_task(workflow, task["task_id"], {"amount": "40", "ok": "false"}) == {
        "amount": 40,
        "when": "2024-02-03",
        "ok": False,
    }
    result = advance(workflow, Recorder())
    assert result.status == "completed" and result.data["amount"] == 40
    with pytest.raises(RunnerError):
        complete_user_task(workflow, task["task_id"], {"amount": 1})
    with pytest.raises(RunnerError):
        complete_user_task(workflow, "not-a-uuid", {})


def test_assignment_errors_are_reported_not_raised() -> None:
    body = [
        start("Begin"),
        user_task("Review", attrs='camunda:assignee="${nobody}"'),
        end("Done"),
        chain("Begin", "Review", "Done"),
    ]
    [task] = advance(begin(build(body)), Recorder()).user_tasks
    assert task["assignee"] is None and "identifier 'nobody'" in task["assignment_errors"][0]


def test_state_is_stored_without_the_spec() -> None:
    blob = build(BOUNDARY, extra=message("Created", "deal.created"))
    workflow = begin(blob, message_name="deal.created", payload={"type": "deal.created"})
    advance(workflow, Recorder())
    state, full = serialize_state(workflow), serialize_full(workflow)
    stored = json.loads(state)
    assert "spec" not in stored and "subprocess_specs" not in stored
    assert len(state) * 2 < len(full)
    assert json.loads(full)["spec"]["name"] == "test_process"
    with pytest.raises(SerializationError):
        deserialize_state(json.dumps({**stored, "serializer_version": "0.1"}), blob)


def test_start_message_must_match_and_seeds_variables() -> None:
    blob = build(BOUNDARY, extra=message("Created", "deal.created"))
    with pytest.raises(RunnerError):
        begin(blob, message_name="lead.created", payload={})
    workflow = begin(blob, {"record": {"id": 5}, "initiator": 2}, "deal.created", {"type": "deal.created"})
    data = advance(workflow, Recorder()).data
    assert data == {"record": {"id": 5}, "initiator": 2, "event": {"type": "deal.created"}}
    assert workflow_data(workflow) == data


def test_instances_share_a_cached_spec_without_interfering() -> None:
    blob = build(ERRORS)
    first, second = begin(blob, {"record": {"id": 1}}), begin(blob, {"record": {"id": 2}})
    assert first.spec is second.spec
    cached_spec.cache_clear()
    assert begin(blob).spec is not first.spec
    one, two = Recorder({"task_id": 1}), Recorder({"task_id": 2})
    advance(first, one)
    advance(second, two)
    assert (one.calls[0][1], two.calls[0][1]) == ({"title": "Task 2"}, {"title": "Task 4"})


def test_free_user_task_data_must_be_json_clean() -> None:
    body = [start("Begin"), user_task("Confirm"), end("Done"), chain("Begin", "Confirm", "Done")]
    workflow = begin(build(body))
    [task] = advance(workflow, Recorder()).user_tasks
    with pytest.raises(FormDataError):
        complete_user_task(workflow, task["task_id"], {"typename": "BpmnWorkflow"})
    assert complete_user_task(workflow, task["task_id"], {"note": "ok", "tags": {"b", "a"}}) == {
        "note": "ok",
        "tags": ["a", "b"],
    }
    assert advance(workflow, Recorder()).data["tags"] == ["a", "b"]


def test_workers_in_threads_do_not_share_serializer_state() -> None:
    import threading

    blob = build(ERRORS)
    failures: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for number in range(15):
                workflow = begin(blob, {"record": {"id": offset * 100 + number}})
                advance(workflow, Recorder({"task_id": number}))
                state = serialize_state(workflow)
                serialize_full(workflow)
                reloaded = deserialize_state(state, blob)
                assert workflow_data(reloaded)["counter"] == (offset * 100 + number) * 2
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
