"""What a step writes and reads: its log and activations in one INSERT each, and no query of a
kind of wait row the instance cannot hold (engine.spiff.wait_kinds); a state without that note
still syncs every kind."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from crm.events import relay_pending
from engine import runtime
from engine.history_models import ElementActivation
from engine.models import MessageWait, ProcessInstance
from engine.spiff.wait_kinds import KEY
from extensions import db
from tests.integration.engine.diagrams import review_lead
from tests.integration.engine.runtime_support import count, create_lead, deploy, log_kinds, open_tasks
from tests.support.statements import deferring, inserts_into, statements

WAIT_TABLES = ("human_task", "external_task", "engine_timer", "message_wait")
# bench.profile_step's phases, pinned: the relay of lead.created (claim, consumers, instance
# start, search document, delivered; a cheap read of whether anything is pending, then one
# claiming statement for the batch, which also tells that the new lead has no message waits, no
# comments and no e-mails: none is read, and returns the active versions' fingerprint: they are
# not read while unchanged) and the first step to the user task.
RELAY_CREATED_STATEMENTS = 7
# On PostgreSQL: no cheap read before the claim (crm.relay_batch), and the start's log row and
# the search document go with the delivered mark (deferred_rows): claim, record, instance, mark.
RELAY_CREATED_STATEMENTS_PG = 4
FIRST_STEP_STATEMENTS = 7
# On PostgreSQL the step's activation and log rows, which nothing reads back, go in one
# statement (deferred_rows) before the read of the task's assignee: one statement less.
FIRST_STEP_DEFERRED = 1


pytestmark = pytest.mark.usefixtures("steps_in_a_worker")


def _touching(seen: list[str], verb: str, table: str) -> list[str]:
    return [s for s in seen if s.startswith(verb) and f" {table} " in f" {s.split(' WHERE')[0]} "]


def _started(api) -> int:
    deploy(api, review_lead())
    create_lead(api)
    relay_pending()
    instance_id = db.session.scalar(select(ProcessInstance.id))
    db.session.rollback()
    return instance_id


def test_a_first_step_queries_no_wait_rows_and_batches_its_inserts(api, admin):
    instance_id = _started(api)
    with statements() as seen:
        assert runtime.run_instance(instance_id) == "waiting"
    for table in WAIT_TABLES:
        assert not _touching(seen, "SELECT", table) and not _touching(seen, "DELETE", table), table
    assert len(inserts_into(seen, "instance_event")) == 1
    assert len(inserts_into(seen, "element_activation")) == 1
    (task,) = open_tasks(instance_id)
    assert count(ElementActivation, ElementActivation.instance_id == instance_id,
                 ElementActivation.state == "active") == 1

    with statements() as seen:
        resp = api.post(f"/inbox/{task.id}/complete", {"data": {"verdict": "good"}})
    assert resp.status_code == 200, resp.get_json()
    for table in ("external_task", "engine_timer", "message_wait"):  # the process has none of these
        assert not _touching(seen, "SELECT", table) and not _touching(seen, "DELETE", table), table
    assert len(inserts_into(seen, "instance_event")) == 1
    assert len(_touching(seen, "UPDATE", "human_task")) == 1
    if deferring():  # the closed activation's UPDATE goes with the new rows (deferred_rows)
        (closing,) = [s for s in seen if "UPDATE element_activation" in s]
        assert closing.startswith("WITH dr0 AS (UPDATE element_activation") and "INSERT INTO" in closing
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance_id).status == "completed"
    kinds = log_kinds(instance_id)
    assert kinds.index("task_completed") < kinds.index("completed") == len(kinds) - 1
    review = db.session.scalar(select(ElementActivation).where(
        ElementActivation.instance_id == instance_id, ElementActivation.element_id == "Review"))
    assert (review.state, review.variables) == ("completed", ["verdict"])


def test_a_state_without_the_note_syncs_every_kind(api, admin):
    instance_id = _started(api)
    runtime.run_instance(instance_id)
    instance = db.session.get(ProcessInstance, instance_id)
    state = json.loads(instance.state)
    assert KEY in json.dumps(state)
    instance.state = json.dumps(state).replace(f'"{KEY}"', '"flowdesk_unknown"')  # as made before the note
    db.session.add(MessageWait(instance_id=instance_id, element_id="Gone", message_name="lead.updated",
                               kind="message"))
    db.session.commit()
    (task,) = open_tasks(instance_id)
    resp = api.post(f"/inbox/{task.id}/complete", {"data": {"verdict": "bad"}})
    assert resp.status_code == 200, resp.get_json()
    assert count(MessageWait, MessageWait.instance_id == instance_id) == 0


def test_a_start_takes_no_savepoint_and_the_first_step_reads_the_assignee_with_the_record(api, admin):
    """The instance row goes in by INSERT ... ON CONFLICT DO NOTHING (no savepoint round trips);
    the step reads the record's responsible in the record's SELECT, not in one of its own."""
    deploy(api, review_lead())
    create_lead(api, "Warm-up")  # the version's spec read and cached once per process
    relay_pending()
    create_lead(api)
    db.session.rollback()
    with statements() as seen:
        assert relay_pending() == 1
    assert not [s for s in seen if "SAVEPOINT" in s]
    assert len(_touching(seen, "INSERT INTO", "process_instance")) == 1
    assert not _touching(seen, "SELECT", "message_wait") and not _touching(seen, "SELECT", "timeline_entry")
    assert not _touching(seen, "SELECT", "record_email") and not _touching(seen, "SELECT", "process_version")
    assert len(seen) == (RELAY_CREATED_STATEMENTS_PG if deferring() else RELAY_CREATED_STATEMENTS), seen
    instance = db.session.scalar(select(ProcessInstance).order_by(ProcessInstance.id.desc()).limit(1))
    assert (instance.status, instance.lock_version) == ("running", 1) and instance.created_at is not None
    instance_id = instance.id
    db.session.rollback()

    with statements() as seen:
        assert runtime.run_instance(instance_id) == "waiting"
    assert not [s for s in seen if " FROM user_account" in s], seen
    assert len([s for s in seen if s.startswith("SELECT") and " FROM lead" in s]) == 1
    assert len(seen) == FIRST_STEP_STATEMENTS - (FIRST_STEP_DEFERRED if deferring() else 0), seen
    (task,) = open_tasks(instance_id)
    assert task.assignee_id == admin.id  # the lead's responsible: its creator
    assert db.session.get(ProcessInstance, instance_id).lock_version == 2
