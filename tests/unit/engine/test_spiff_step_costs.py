"""Cuts in SpiffWorkflow's part of a step: pending starts, the script worker's copy, json_clean."""
from __future__ import annotations

import copy
import json
from enum import IntEnum

import pytest

from engine.spiff import runner, starting, wire
from engine.spiff.data import DataError, json_clean
from engine.spiff.script_worker import run_job
from tests.unit.engine.spiff_diagrams import chain, document, end, message, start, user_task

SCORE = (
    '<bpmn:scriptTask id="Score" scriptFormat="python">'
    "<bpmn:script>score = record['id'] * 2</bpmn:script></bpmn:scriptTask>"
)
MESSAGE_START = document(
    start("Start", "M") + SCORE + user_task("Review") + end("End") + chain("Start", "Score", "Review", "End"),
    process_id="p",
    extra=message("M", "lead.created"),
)


def test_a_pending_start_builds_the_workflow_new_workflow_builds():
    spec, subs = runner.load_spec(MESSAGE_START, "p")
    variables, payload = {"record": {"id": 21}, "initiator": 3}, {"type": "lead.created"}
    state = starting.pending_state(variables, "lead.created", payload)
    assert starting.is_pending(state) and len(state) < 200
    assert not starting.is_pending(runner.serialize_state(runner.new_workflow(spec, subs, variables)))
    results = []
    for wf in (starting.build_pending(state, spec, subs), runner.new_workflow(spec, subs, variables,
                                                                              "lead.created", payload)):
        result = runner.advance(wf, None)
        results.append((result.status, [t["element_id"] for t in result.user_tasks], result.data))
        assert "serializer_version" in json.loads(runner.serialize_state(wf))
    assert results[0] == results[1]
    assert results[0][2]["score"] == 42 and results[0][2]["event"] == payload


def test_a_pending_start_is_cleaned_when_it_is_made():
    with pytest.raises(DataError):
        starting.pending_state({"typename": 1}, "lead.created", {})
    with pytest.raises(DataError):
        starting.pending_state({}, "lead.created", {"x": float("nan")})


def test_the_script_worker_copies_the_variables_without_deepcopy(monkeypatch):
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("deepcopy")

    monkeypatch.setattr(copy, "deepcopy", refuse)
    variables = {"items": [1, 2], "record": {"id": 1}}
    job = {"op": "execute", "timeout": 1.0, "variables": wire.encode_variables(variables),
           "source": "items.append(3)\nseen = execution.getVariable('items')\nrecord['id'] = 2",
           "delegates": {"context": {"event": "run"}, "task": None}}
    reply = run_job(job)
    result = wire.decode(reply["result"])
    # the script's own copy changed; `execution` still reads the variables as they came in
    assert result["items"] == [1, 2, 3] and result["seen"] == [1, 2] and result["record"] == {"id": 2}


def test_json_clean_keeps_its_types_on_the_inline_path():
    class Level(IntEnum):
        HIGH = 2

    class Name(str):
        pass

    cleaned = json_clean({"a": [Level.HIGH, Name("x"), True, None, 1.5, {"s": {3, 1}}], 4: "four"})
    assert cleaned == {"a": [2, "x", True, None, 1.5, {"s": [1, 3]}], "4": "four"}
    assert type(cleaned["a"][0]) is int and type(cleaned["a"][1]) is str
    for bad in ({"typename": 1}, {"a": {"typename": 1}}, {"a": [float("inf")]}, {(1,): 2}):
        with pytest.raises(DataError):
            json_clean(bad)
