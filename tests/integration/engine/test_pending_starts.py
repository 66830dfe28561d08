"""Pending starts (engine.spiff_states): a message start is built by the instance's first load,
not built and serialized in the relay; the first start of a version and message is built there
in full, so that the start's checks keep their place."""
from __future__ import annotations

import json

import pytest

from crm.events import relay_pending
from engine import runtime
from engine.spiff import runner, starting
from engine.spiff_states import forget_specs
from tests.integration.engine.diagrams import review_lead
from tests.integration.engine.runtime_support import create_lead, deploy, drive, instances, open_tasks

pytestmark = pytest.mark.usefixtures("steps_in_a_worker")


def test_later_message_starts_are_pending_and_built_by_their_first_step(api, monkeypatch):
    forget_specs()
    deploy(api, review_lead())
    first = create_lead(api, title="First")
    relay_pending()
    (built,) = instances()
    assert not starting.is_pending(built.state)  # the first start of the version: built in full
    assert "serializer_version" in json.loads(built.state)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the relay built a workflow")

    monkeypatch.setattr(runner, "new_workflow", refuse)
    second = create_lead(api, title="Second")
    relay_pending()
    pending = instances()[1]
    assert starting.is_pending(pending.state)
    body = json.loads(pending.state)[starting.PENDING_KEY]
    assert body["message"] == "lead.created" and body["variables"]["record"]["id"] == second["id"]
    assert body["payload"]["type"] == "lead.created"
    monkeypatch.undo()

    runtime.run_instance(pending.id)
    drive()
    (done_first, done_second) = instances()
    assert not starting.is_pending(done_second.state)
    assert json.loads(done_second.state)["serializer_version"]
    tasks = {t.instance_id: t for t in open_tasks()}
    assert set(tasks) == {done_first.id, done_second.id}
    assert (tasks[done_second.id].element_id, tasks[done_second.id].name) == ("Review", "Review lead")
    assert first["id"] != second["id"]


def test_a_pending_start_loads_as_the_workflow_it_stands_for(api):
    forget_specs()
    deploy(api, review_lead())
    create_lead(api, title="First")
    create_lead(api, title="Second")
    relay_pending()
    eager, pending = instances()
    assert starting.is_pending(pending.state) and not starting.is_pending(eager.state)
    from engine import spiff_adapter as spiff

    built, loaded = spiff.load(pending), spiff.load(eager)
    assert spiff.task_states(built) == spiff.task_states(loaded)
    assert spiff.variables(built)["record"]["title"] == "Second"
    assert spiff.variables(loaded)["record"]["title"] == "First"
    others = [{k: v for k, v in spiff.variables(wf).items() if k != "record"} for wf in (built, loaded)]
    assert others[0] == others[1] and "initiator" in others[0]
