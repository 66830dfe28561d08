"""The shipped diagrams run end to end with a fake service handler, saved and reloaded at every wait."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.spiff.forms import FormDataError
from engine.spiff.runner import (
    StepResult,
    advance,
    complete_user_task,
    deserialize_state,
    get_task_states,
    new_workflow,
    serialize_full,
    serialize_state,
)
from engine.spiff.specs import TaskContext
from engine.spiff.topics import STANDARD_TOPICS
from engine.spiff.validation import schema_errors, validate_bpmn

PROCESSES = Path(__file__).resolve().parents[3] / "processes"
RESULTS = {
    "crm.create_task": {"task_id": 501},
    "crm.add_comment": {"comment_id": 9},
    "crm.convert_lead": {"conversion": {"contact_id": 1, "company_id": 2, "deal_id": 3}},
}


class FakeHandler:
    """Records (topic, params, element) and answers like the CRM would."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any], str]] = []

    def __call__(self, topic: str, params: dict[str, Any], context: TaskContext) -> dict[str, Any] | None:
        assert topic in STANDARD_TOPICS
        assert STANDARD_TOPICS[topic].required <= set(params)
        self.calls.append((topic, params, context.element_id))
        return RESULTS.get(topic)

    def topics(self) -> list[str]:
        """The topics called, in order."""
        return [topic for topic, _, _ in self.calls]


def deploy(filename: str) -> str:
    """Validate a shipped diagram and return its spec blob, as the deployer stores it."""
    result = validate_bpmn((PROCESSES / filename).read_bytes(), STANDARD_TOPICS)
    assert result.errors == []
    return result.spec_blob


class Instance:
    """A process instance persisted as (spec blob, state) between every step, like the platform does."""

    def __init__(self, filename: str, message: str, record: dict[str, Any]) -> None:
        from engine.spiff.serializer import deserialize_spec

        self.blob = deploy(filename)
        self.handler = FakeHandler()
        spec, subprocess_specs = deserialize_spec(self.blob)
        event = {"type": message, "entity_id": record["id"], "actor_id": 1}
        workflow = new_workflow(spec, subprocess_specs, {"record": record, "initiator": 1}, message, event)
        self.result = advance(workflow, self.handler)
        self.state = serialize_state(workflow)
        self.full_size = len(serialize_full(workflow))

    def complete(self, decision: str, **extra: Any) -> StepResult:
        """Reload, complete the single open user task, advance and save."""
        workflow = deserialize_state(self.state, self.blob)
        [task] = self.result.user_tasks
        complete_user_task(workflow, task["task_id"], {"decision": decision, **extra})
        self.result = advance(workflow, self.handler)
        self.state = serialize_state(workflow)
        self.states = get_task_states(workflow)
        return self.result

    @property
    def open_task(self) -> dict[str, Any]:
        """The single open user task."""
        [task] = self.result.user_tasks
        return task


LEAD = {"id": 7, "title": "ACME", "responsible_id": 3, "status": "NEW"}
DEAL = {"id": 11, "title": "Big deal", "responsible_id": 4, "stage": "NEW"}


def test_process_lead_reaches_qualification_with_an_assigned_form() -> None:
    lead = Instance("process_lead.bpmn", "lead.created", LEAD)
    assert lead.result.status == "waiting"
    assert lead.handler.calls == []  # the inbox task is the to-do: no CRM task beside it
    task = lead.open_task
    assert (task["element_id"], task["name"], task["assignee"]) == ("Activity_Qualify", "Qualify lead", 3)
    assert task["assignee_expression"] == "${record.responsible_id}"
    decision, comment = task["form"]
    assert decision["id"] == "decision" and decision["type"] == "enum" and decision["required"] is True
    assert [o["id"] for o in decision["options"]] == ["convert", "keep", "junk"]
    assert comment == {**comment, "id": "comment", "type": "string", "required": False}
    assert lead.result.data["event"]["type"] == "lead.created"
    assert len(lead.state) * 2 < lead.full_size, "the stored state leaves the spec out"


def test_process_lead_convert_with_comment() -> None:
    lead = Instance("process_lead.bpmn", "lead.created", LEAD)
    result = lead.complete("convert", comment="Ready to buy")
    assert result.status == "completed"
    assert lead.handler.calls == [
        ("crm.add_comment", {"entity": "lead", "id": 7, "text": "Ready to buy"}, "Activity_AddComment"),
        (
            "crm.convert_lead",
            {"lead_id": 7, "contact": True, "company": True, "deal": True},
            "Activity_Convert",
        ),
    ]
    assert result.data["conversion"] == {"contact_id": 1, "company_id": 2, "deal_id": 3}
    assert lead.states["EndEvent_Converted"] == "completed"


def test_process_lead_junk_without_comment() -> None:
    lead = Instance("process_lead.bpmn", "lead.created", LEAD)
    result = lead.complete("junk", comment="  ")
    assert result.status == "completed"
    assert lead.handler.calls == [
        ("crm.update_record", {"entity": "lead", "id": 7, "fields": {"status": "JUNK"}}, "Activity_Junk"),
    ]
    assert "Activity_AddComment" not in lead.states or lead.states["Activity_AddComment"] != "completed"


def test_process_lead_keep_loops_back_to_qualification() -> None:
    lead = Instance("process_lead.bpmn", "lead.created", LEAD)
    first = lead.open_task["task_id"]
    result = lead.complete("keep")
    assert result.status == "waiting"
    assert lead.handler.calls[-1] == (
        "crm.update_record",
        {"entity": "lead", "id": 7, "fields": {"status": "IN_PROCESS"}},
        "Activity_InProcess",
    )
    assert lead.open_task["element_id"] == "Activity_Qualify" and lead.open_task["task_id"] != first
    result = lead.complete("junk")
    assert result.status == "completed"
    assert lead.handler.topics() == ["crm.update_record", "crm.update_record"]


@pytest.mark.parametrize(
    "data, field",
    [({"decision": "maybe"}, "decision"), ({}, "decision"), ({"decision": "junk", "other": 1}, "other")],
)
def test_process_lead_refuses_bad_form_data(data: dict[str, Any], field: str) -> None:
    lead = Instance("process_lead.bpmn", "lead.created", LEAD)
    workflow = deserialize_state(lead.state, lead.blob)
    with pytest.raises(FormDataError) as info:
        complete_user_task(workflow, lead.open_task["task_id"], data)
    assert field in info.value.errors


def stage_updates(instance: Instance) -> list[str]:
    """The stages set through crm.update_record, in order."""
    return [
        params["fields"]["stage"]
        for topic, params, _ in instance.handler.calls
        if topic == "crm.update_record"
    ]


def test_perform_in_stages_to_won_creates_a_follow_up_task() -> None:
    deal = Instance("perform_in_stages.bpmn", "deal.created", DEAL)
    assert deal.handler.calls == []
    assert (deal.open_task["element_id"], deal.open_task["assignee"]) == ("Activity_New", 4)
    assert deal.complete("offer").status == "waiting"
    assert deal.open_task["element_id"] == "Activity_Offer"
    assert deal.complete("invoice").status == "waiting"
    assert deal.open_task["element_id"] == "Activity_Invoice"
    result = deal.complete("won")
    assert result.status == "completed"
    assert stage_updates(deal) == ["PROPOSAL", "NEGOTIATION", "WON"]
    topic, params, element = deal.handler.calls[-1]
    assert (topic, element) == ("crm.create_task", "Activity_FollowUp")
    assert params["title"] == "Follow up with the customer: Big deal"
    assert params["responsible"] == 4 and params["entity"] == "deal" and params["record_id"] == 11
    assert date.fromisoformat(params["deadline"]) - date.today() in (timedelta(days=365), timedelta(days=364))
    assert all(
        p["entity"] == "deal" and p["id"] == 11 for t, p, _ in deal.handler.calls if t == "crm.update_record"
    )


def test_perform_in_stages_lost_can_be_reopened_then_closed() -> None:
    deal = Instance("perform_in_stages.bpmn", "deal.created", DEAL)
    deal.complete("lose")
    assert deal.open_task["element_id"] == "Activity_Lost"
    deal.complete("reopen")
    assert deal.open_task["element_id"] == "Activity_Offer"
    deal.complete("lose")
    assert deal.open_task["element_id"] == "Activity_Lost"
    result = deal.complete("close")
    assert result.status == "completed"
    assert stage_updates(deal) == ["LOST", "PROPOSAL", "LOST"]
    assert deal.states["EndEvent_Lost"] == "completed"
    assert "crm.create_task" not in deal.handler.topics()


def test_perform_in_stages_lost_from_invoice() -> None:
    deal = Instance("perform_in_stages.bpmn", "deal.created", DEAL)
    for decision in ("offer", "invoice", "lose", "close"):
        result = deal.complete(decision)
    assert result.status == "completed"
    assert stage_updates(deal) == ["PROPOSAL", "NEGOTIATION", "LOST"]


@pytest.mark.parametrize("filename", ["process_lead.bpmn", "perform_in_stages.bpmn"])
def test_shipped_diagrams_have_di_for_every_element(filename: str) -> None:
    from lxml import etree

    root = etree.parse(str(PROCESSES / filename)).getroot()
    ns = {
        "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
        "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    }
    elements = {el.get("id") for el in root.find("bpmn:process", ns) if el.get("id")}
    drawn = {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNShape", ns)}
    drawn |= {el.get("bpmnElement") for el in root.iterfind(".//bpmndi:BPMNEdge", ns)}
    assert elements == drawn
    for edge in root.iterfind(".//bpmndi:BPMNEdge", ns):
        assert len(edge.findall("{http://www.omg.org/spec/DD/20100524/DI}waypoint")) >= 2


@pytest.mark.parametrize("filename", ["process_lead.bpmn", "perform_in_stages.bpmn"])
def test_shipped_diagrams_match_the_bpmn_schema(filename: str) -> None:
    assert schema_errors((PROCESSES / filename).read_bytes()) == []
    assert (
        schema_errors(
            b"<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'><x/>"
            b"</bpmn:definitions>"
        )
        != []
    )
