"""engine.spiff.runner with inline diagrams: timers, message catches and event-based gateways."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from engine.spiff.runner import (
    advance,
    deliver_message,
    fire_due_timers,
    get_task_states,
    retry_errored,
)
from tests.unit.engine.spiff_diagrams import chain, end, flow, message, service, start
from tests.unit.engine.spiff_support import BOUNDARY, Recorder, begin, build, reload, timer


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
        ("timeDuration", "PT${record.minutes}M", True),
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
