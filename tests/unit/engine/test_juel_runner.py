"""JUEL through the runner: gateway conditions, assignment, timers, parameters, `execution`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.spiff.runner import advance, deliver_message
from engine.spiff.topics import STANDARD_TOPICS
from engine.spiff.validation import validate_bpmn
from engine.triggers import condition_holds
from tests.unit.engine.spiff_diagrams import chain, document, end, flow, message, service, start, user_task
from tests.unit.engine.spiff_support import Recorder, begin, build, timer


def gateway(condition: str, language: str = "") -> list[str]:
    """Begin -> Choice -> (condition) Yes | (default) No, each a service task naming its branch."""
    lang = f' language="{language}"' if language else ""
    return [
        start("Begin"),
        '<bpmn:exclusiveGateway id="Choice" default="Flow_no" />',
        service("Yes", "crm.add_comment", {"text": "yes"}),
        service("No", "crm.add_comment", {"text": "no"}),
        end("EndYes"),
        end("EndNo"),
        chain("Begin", "Choice"),
        f'<bpmn:sequenceFlow id="Flow_yes" sourceRef="Choice" targetRef="Yes">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"{lang}>{condition}'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>",
        flow("Flow_no", "Choice", "No"),
        chain("Yes", "EndYes"),
        chain("No", "EndNo"),
    ]


def branch(condition: str, variables: dict[str, Any], language: str = "") -> str:
    """Run the gateway diagram and return the branch taken."""
    recorder = Recorder({})
    result = advance(begin(build(gateway(condition, language)), variables), recorder)
    assert result.errors == [] and result.status == "completed", result.errors
    [(_, params, _)] = recorder.calls
    return str(params["text"])


@pytest.mark.parametrize(
    "condition, variables, expected",
    [
        ("${approved == true}", {"approved": True}, "yes"),
        ("${approved == true}", {"approved": False}, "no"),
        ("#{!approved}", {"approved": False}, "yes"),
        ("#{!approved}", {"approved": True}, "no"),
        ("${amount gt 1000 and region eq 'EU'}", {"amount": 1500, "region": "EU"}, "yes"),
        ("${amount gt 1000 and region eq 'EU'}", {"amount": 1500, "region": "US"}, "no"),
        ("${amount gt 1000 and region eq 'EU'}", {"amount": "999", "region": "EU"}, "no"),
        ("${not empty comment &amp;&amp; comment.trim().length() &gt; 2}", {"comment": " ok! "}, "yes"),
        ("${execution.getVariable('approved')}", {"approved": True}, "yes"),
        ("${record.stage == 'WON' ? true : false}", {"record": {"stage": "WON"}}, "yes"),
    ],
)
def test_gateway_conditions_are_juel(condition: str, variables: dict[str, Any], expected: str) -> None:
    assert branch(condition, variables) == expected


def test_python_conditions_need_language_python_or_no_juel_wrapper() -> None:
    python = 'len(items) == 2 and items[0].startswith("a")'
    assert branch(python, {"items": ["ab", "c"]}, language="python") == "yes"
    assert branch("${" + python + "}", {"items": ["ab", "c"]}, language="python") == "yes"
    assert branch(python, {"items": ["ab", "c"]}) == "yes"  # bare text: Python (Camunda refuses it)
    assert branch("${items is not None}", {"items": []}) == "yes"  # not JUEL, compiles as Python


def test_a_failing_juel_condition_is_an_element_error() -> None:
    result = advance(begin(build(gateway("${approved}")), {"approved": "yes"}), Recorder({}))
    [error] = result.errors
    assert error["element_id"] == "Choice" and "returns non-Boolean: 'yes' (String)" in error["message"]
    result = advance(begin(build(gateway("${approvd == true}")), {"approved": True}), Recorder({}))
    assert "Cannot resolve identifier 'approvd'" in result.errors[0]["message"]


def test_execution_set_variable_in_an_expression_changes_the_data() -> None:
    body = gateway("${execution.setVariable('seen', amount * 2) == null}")
    recorder = Recorder({})
    result = advance(begin(build(body), {"amount": 21}), recorder)
    assert recorder.calls[0][1] == {"text": "yes"} and result.data["seen"] == 42


def test_assignee_and_candidates_from_juel() -> None:
    body = [
        start("Begin"),
        user_task(
            "Review",
            attrs='camunda:assignee="${initiator}" camunda:candidateGroups="sales, #{team.toLowerCase()}" '
            'camunda:priority="${amount gt 1000 ? 80 : 50}"',
        ),
        end("Done"),
        chain("Begin", "Review", "Done"),
    ]
    variables = {"initiator": 7, "team": "BOARD", "amount": 2000}
    [task] = advance(begin(build(body), variables), Recorder()).user_tasks
    assert task["assignee"] == 7 and task["candidate_groups"] == ["sales", "board"]
    assert task["priority"] == 80 and task["assignment_errors"] == []


@pytest.mark.parametrize("text", ["${duration}", "#{duration}", "PT${minutes}M"])
def test_timer_durations_from_juel(text: str) -> None:
    body = [start("Begin"), timer("Wait", "timeDuration", text), end("Done"), chain("Begin", "Wait", "Done")]
    result = advance(begin(build(body), {"duration": "PT30M", "minutes": 30}), Recorder())
    [due] = result.timers
    delta = datetime.fromisoformat(due["due"]) - datetime.now(UTC)
    assert timedelta(minutes=29) < delta <= timedelta(minutes=30)


def test_service_parameters_are_juel_values_or_text() -> None:
    body = [
        start("Begin"),
        service("Call", "crm.add_comment", {
            "entity": "lead", "id": "${record.id}",
            "text": "Lead ${record.title} (${record.tags.size()} tags)",
            "fields": '${{"status": "JUNK"}}',
        }),
        end("Done"),
        chain("Begin", "Call", "Done"),
    ]
    recorder = Recorder({})
    advance(begin(build(body), {"record": {"id": 5, "title": "Acme", "tags": ["a"]}}), recorder)
    assert recorder.calls[0][1] == {
        "entity": "lead", "id": 5, "text": "Lead Acme (1 tags)", "fields": {"status": "JUNK"},
    }


def test_deployment_refuses_unparsable_juel_naming_the_element() -> None:
    body = "\n".join(gateway("${amount gt}")) + user_task("U", attrs='camunda:assignee="${a.}"')
    result = validate_bpmn(document(body), STANDARD_TOPICS)
    found = {(e["element"], e["message"]) for e in result.errors}
    end_of = "but found the end of the expression"
    assert ("Flow_yes", f"condition: expected a value {end_of} (at column 12)") in found
    assert ("U", f"camunda:assignee: expected a property name {end_of} (at column 5)") in found
    other = validate_bpmn(document("\n".join(gateway("${x}", language="javascript"))), STANDARD_TOPICS)
    assert any("condition language 'javascript' is not supported" in e["message"] for e in other.errors)


def test_message_and_trigger_conditions_are_juel() -> None:
    body = [
        start("Begin"),
        '<bpmn:intermediateCatchEvent id="WaitWon"><bpmn:extensionElements><camunda:properties>'
        "<camunda:property name=\"condition\" value=\"#{event.changes.stage[1] eq 'WON' and not empty "
        'event.changes.stage[0]}" /></camunda:properties></bpmn:extensionElements>'
        '<bpmn:messageEventDefinition id="Md" messageRef="Updated" /></bpmn:intermediateCatchEvent>',
        end("Done"),
        chain("Begin", "WaitWon", "Done"),
    ]
    workflow = begin(build(body, extra=message("Updated", "deal.updated")), {"record": {"id": 5}})
    advance(workflow, Recorder())
    assert deliver_message(workflow, "deal.updated", {"changes": {"stage": [None, "WON"]}}) == []
    assert deliver_message(workflow, "deal.updated", {"changes": {"stage": ["NEW", "WON"]}}) == ["WaitWon"]
    assert condition_holds("${record.amount gt 1000 && record.title.startsWith('A')}",
                           {"amount": "1500.00", "title": "Acme"})
    assert not condition_holds("${record.amount gt 1000}", {"amount": 999})
    assert not condition_holds("${record.nope.size() gt 1}", {"amount": 999})  # an error counts as false
