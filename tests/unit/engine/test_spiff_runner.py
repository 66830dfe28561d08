"""engine.spiff.runner with inline diagrams: timers, messages, errors and retries, state storage."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.spiff.forms import FormDataError
from engine.spiff.runner import (
    RunnerError,
    SerializationError,
    advance,
    cached_spec,
    complete_user_task,
    deliver_message,
    deserialize_state,
    fire_due_timers,
    get_task_states,
    load_spec,
    new_workflow,
    retry_errored,
    serialize_full,
    serialize_spec,
    serialize_state,
    workflow_data,
)
from engine.spiff.specs import TaskContext
from tests.unit.engine.spiff_diagrams import chain, document, end, flow, message, service, start, user_task


def build(body: list[str], extra: str = "") -> str:
    """Parse an inline diagram and return its spec blob."""
    spec, subprocess_specs = load_spec(document("\n".join(body), extra=extra), "test_process")
    return serialize_spec(spec, subprocess_specs)


def begin(
    blob: str,
    variables: dict[str, Any] | None = None,
    message_name: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Any:
    """A new workflow from a spec blob."""
    spec, subprocess_specs = cached_spec(blob)
    return new_workflow(spec, subprocess_specs, variables or {"record": {"id": 5}}, message_name, payload)


def reload(workflow: Any, blob: str) -> Any:
    """Save and load a workflow the way the platform does."""
    return deserialize_state(serialize_state(workflow), blob)


def timer(event_id: str, kind: str, text: str, attached_to: str | None = None) -> str:
    """A timer catch (or boundary) event."""
    tag = "boundaryEvent" if attached_to else "intermediateCatchEvent"
    attached = f' attachedToRef="{attached_to}"' if attached_to else ""
    return (
        f'<bpmn:{tag} id="{event_id}"{attached}><bpmn:timerEventDefinition><bpmn:{kind}>{text}</bpmn:{kind}>'
        f"</bpmn:timerEventDefinition></bpmn:{tag}>"
    )


class Recorder:
    """A service handler recording its calls; optionally failing."""

    def __init__(self, result: dict[str, Any] | None = None, fail: Exception | None = None) -> None:
        self.result, self.fail = result, fail
        self.calls: list[tuple[str, dict[str, Any], TaskContext]] = []

    def __call__(self, topic: str, params: dict[str, Any], context: TaskContext) -> dict[str, Any] | None:
        self.calls.append((topic, params, context))
        if self.fail is not None:
            raise self.fail
        return self.result


BOUNDARY = [
    start("Begin", "Created"),
    user_task("Work", "Do the work"),
    timer("Timeout", "timeDuration", "PT0.1S", attached_to="Work"),
    service("Escalate", "crm.add_comment", {"entity": "deal", "id": "${record.id}", "text": "Late"}),
    end("Done"),
    end("Escalated"),
    chain("Begin", "Work", "Done"),
    chain("Timeout", "Escalate", "Escalated"),
]


def test_boundary_timer_fires_after_its_due_time_also_after_reload() -> None:
    blob = build(BOUNDARY, extra=message("Created", "deal.created"))
    workflow = begin(blob, message_name="deal.created", payload={"type": "deal.created"})
    handler = Recorder({"comment_id": 1})
    result = advance(workflow, handler)
    assert [t["element_id"] for t in result.user_tasks] == ["Work"]
    [due] = result.timers
    assert due["element_id"] == "Timeout" and due["kind"] == "DurationTimerEventDefinition"
    assert datetime.fromisoformat(due["due"]) - datetime.now(UTC) < timedelta(seconds=1)
    assert fire_due_timers(workflow) == []
    time.sleep(0.15)
    workflow = reload(workflow, blob)
    assert fire_due_timers(workflow) == ["Timeout"]
    result = advance(workflow, handler)
    assert result.status == "completed" and result.user_tasks == [] and result.timers == []
    assert [(topic, params) for topic, params, _ in handler.calls] == [
        ("crm.add_comment", {"entity": "deal", "id": 5, "text": "Late"})
    ]
    states = get_task_states(workflow)
    assert states["Work"] == "cancelled" and states["Escalated"] == "completed"


def test_timer_due_time_can_be_moved_by_the_platform() -> None:
    body = [start("Begin"), timer("Wait", "timeDuration", "P1D"), end("Done"), chain("Begin", "Wait", "Done")]
    blob = build(body)
    workflow = begin(blob)
    result = advance(workflow, Recorder())
    [due] = result.timers
    assert datetime.fromisoformat(due["due"]) > datetime.now(UTC) + timedelta(hours=23)
    assert fire_due_timers(workflow) == []
    task = workflow.get_task_from_id(__import__("uuid").UUID(due["task_id"]))
    task.internal_data["event_value"] = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    workflow = reload(workflow, blob)
    assert fire_due_timers(workflow) == ["Wait"]
    assert advance(workflow, Recorder()).status == "completed"


@pytest.mark.parametrize(
    "kind, text, in_future",
    [
        ("timeDate", "2000-01-01T00:00:00Z", False),
        ("timeDate", "${record.follow_up}", True),
        ("timeDuration", '${"PT" + str(record.minutes) + "M"}', True),
        ("timeCycle", "R2/PT10M", True),
    ],
)
def test_timer_kinds(kind: str, text: str, in_future: bool) -> None:
    body = [start("Begin"), timer("Wait", kind, text), end("Done"), chain("Begin", "Wait", "Done")]
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    workflow = begin(build(body), {"record": {"id": 5, "minutes": 30, "follow_up": later}})
    result = advance(workflow, Recorder())
    if in_future:
        [due] = result.timers
        assert datetime.fromisoformat(due["due"]) > datetime.now(UTC) + timedelta(minutes=5)
    else:
        assert result.status == "completed"


WAIT_FOR_UPDATE = [
    start("Begin"),
    '<bpmn:intermediateCatchEvent id="WaitWon" name="Deal won?"><bpmn:extensionElements><camunda:properties>'
    '<camunda:property name="condition" value="${event.changes.stage[1] == \'WON\'}" />'
    "</camunda:properties></bpmn:extensionElements>"
    '<bpmn:messageEventDefinition id="Md" messageRef="Updated" /></bpmn:intermediateCatchEvent>',
    service("Thank", "mail.send", {"template": "thanks", "entity": "deal", "id": "${record.id}"}),
    end("Done"),
    chain("Begin", "WaitWon", "Thank", "Done"),
]


def test_message_catch_event_receives_deal_updated() -> None:
    blob = build(WAIT_FOR_UPDATE, extra=message("Updated", "deal.updated"))
    workflow = begin(blob, {"record": {"id": 5, "stage": "NEW"}})
    result = advance(workflow, Recorder())
    assert result.messages == [
        {
            "task_id": result.messages[0]["task_id"],
            "element_id": "WaitWon",
            "name": "Deal won?",
            "message": "deal.updated",
            "condition": "${event.changes.stage[1] == 'WON'}",
            "result_variable": None,
        }
    ]
    workflow = reload(workflow, blob)
    assert deliver_message(workflow, "deal.created", {"changes": {}}) == []
    assert deliver_message(workflow, "deal.updated", {"changes": {"stage": ["NEW", "OFFER"]}}) == []
    fresh = {"record": {"id": 5, "stage": "WON"}}
    assert deliver_message(workflow, "deal.updated", {"changes": {}}, fresh) == [], (
        "the condition reads event"
    )
    assert advance(workflow, Recorder()).status == "waiting"
    caught = deliver_message(
        workflow,
        "deal.updated",
        {"changes": {"stage": ["OFFER", "WON"]}},
        {"record": {"id": 5, "stage": "WON"}},
    )
    assert caught == ["WaitWon"]
    handler = Recorder({"mail_id": 3})
    result = advance(workflow, handler)
    assert result.status == "completed"
    assert handler.calls[0][:2] == ("mail.send", {"template": "thanks", "entity": "deal", "id": 5})
    assert result.data["event"] == {"changes": {"stage": ["OFFER", "WON"]}}
    assert result.data["record"]["stage"] == "WON" and result.data["mail_id"] == 3


ERRORS = [
    start("Begin"),
    '<bpmn:scriptTask id="Prepare" name="Prepare"><bpmn:script>counter = record.id * 2\nnote = "kept"'
    "</bpmn:script></bpmn:scriptTask>",
    service("Call", "crm.create_task", {"title": '${"Task " + str(counter)}'}, name="Create task"),
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
    assert "'Which way?' (Choice)" in error["message"] and "NameError" in error["message"]
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
        user_task("Review", attrs='camunda:assignee="${record.nobody}"'),
        end("Done"),
        chain("Begin", "Review", "Done"),
    ]
    [task] = advance(begin(build(body)), Recorder()).user_tasks
    assert task["assignee"] is None and "no field 'nobody'" in task["assignment_errors"][0]


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


def test_event_based_gateway_reports_its_target_events() -> None:
    body = [
        start("Begin"),
        '<bpmn:eventBasedGateway id="Race" />',
        '<bpmn:intermediateCatchEvent id="Updated" name="Updated"><bpmn:extensionElements>'
        '<camunda:properties><camunda:property name="condition" value="${event.ok}" /></camunda:properties>'
        "</bpmn:extensionElements>"
        '<bpmn:messageEventDefinition id="Md" messageRef="Msg" /></bpmn:intermediateCatchEvent>',
        timer("Later", "timeDuration", "PT1H"),
        end("ByMessage"),
        end("ByTimer"),
        chain("Begin", "Race"),
        flow("Flow_message", "Race", "Updated"),
        flow("Flow_timer", "Race", "Later"),
        chain("Updated", "ByMessage"),
        chain("Later", "ByTimer"),
    ]
    blob = build(body, extra=message("Msg", "deal.updated"))
    workflow = begin(blob)
    result = advance(workflow, Recorder())
    assert [t["element_id"] for t in result.timers] == ["Later"]
    assert [(m["element_id"], m["condition"]) for m in result.messages] == [("Updated", "${event.ok}")]
    workflow = reload(workflow, blob)
    assert deliver_message(workflow, "deal.updated", {"ok": False}) == []
    assert deliver_message(workflow, "deal.updated", {"ok": True}) == ["Updated"]
    assert advance(workflow, Recorder()).status == "completed"
    assert get_task_states(workflow)["ByMessage"] == "completed"


def test_message_condition_sees_the_delivered_variables() -> None:
    body = [
        start("Begin"),
        '<bpmn:intermediateCatchEvent id="WaitWon"><bpmn:extensionElements><camunda:properties>'
        '<camunda:property name="condition" value="record.stage == \'WON\'" /></camunda:properties>'
        '</bpmn:extensionElements><bpmn:messageEventDefinition id="Md" messageRef="Msg" />'
        "</bpmn:intermediateCatchEvent>",
        end("Done"),
        chain("Begin", "WaitWon", "Done"),
    ]
    workflow = begin(build(body, extra=message("Msg", "deal.updated")), {"record": {"id": 5, "stage": "NEW"}})
    advance(workflow, Recorder())
    assert deliver_message(workflow, "deal.updated", {}, {"record": {"id": 5, "stage": "OFFER"}}) == []
    assert deliver_message(workflow, "deal.updated", {}, {"record": {"id": 5, "stage": "WON"}}) == ["WaitWon"]
    assert advance(workflow, Recorder()).data["record"]["stage"] == "WON"


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
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []


@pytest.mark.parametrize("delay", ["5 minutes", 5, None])
def test_a_timer_expression_with_a_bad_value_is_an_element_error(delay: object) -> None:
    body = [
        start("Begin"),
        timer("Wait", "timeDuration", "${delay}"),
        end("Done"),
        chain("Begin", "Wait", "Done"),
    ]
    blob = build(body)
    workflow = begin(blob, {"delay": delay})
    result = advance(workflow, Recorder())
    [error] = result.errors
    assert error["element_id"] == "Wait" and "did not give an ISO 8601" in error["message"]
    workflow = reload(workflow, blob)
    assert advance(workflow, Recorder()).status == "error"
    assert retry_errored(workflow) == ["Wait"]
    assert advance(workflow, Recorder()).errors[0]["element_id"] == "Wait"
