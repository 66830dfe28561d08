"""The statements of the two API calls every process instance costs the web: creating a record
(POST /api/v1/leads) and completing a user task (POST /api/v1/inbox/<id>/complete, whose request
runs the step that follows). Counted, so a statement added to either fails here."""
from __future__ import annotations

from sqlalchemy import select

from crm.events import relay_pending
from engine import runtime
from engine.models import HumanTask, HumanTaskCandidate, ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import review_lead
from tests.integration.engine.runtime_support import create_lead, deploy
from tests.support.statements import deferring, inserts_into, statements


def _reads(seen: list[str]) -> list[str]:
    """The table of each SELECT's first column (a subquery's FROM may come first in the text)."""
    return [s.split()[1].split(".")[0] for s in seen if s.startswith("SELECT")]


def _deletes(seen: list[str], table: str) -> list[str]:
    return [s for s in seen if s.startswith(f"DELETE FROM {table} ")]


def test_creating_a_lead_sends_the_token_read_and_four_inserts(api, admin):
    create_lead(api, "Warm-up")  # the first request of a process loads more (settings, caches)
    with statements() as seen:
        create_lead(api, "Acme")
    reads = _reads(seen)
    writes = sorted(inserts_into(seen))
    # the token (with its user and the rights epoch); the rights are those the warm-up loaded
    # under the same epoch (crm.rights.cache), so no UNION ALL of departments, roles...
    assert reads == ["api_token"], seen
    assert writes == ["lead", "outbox_event", "stage_history", "timeline_entry"], seen
    # on PostgreSQL the three rows nobody reads back go in one statement (deferred_rows)
    assert len(seen) == (3 if deferring() else 5), seen
    # the creation's timeline entry is a Core INSERT: no ORM object, no id read back
    entry = [s for s in seen if "INSERT INTO timeline_entry" in s]
    assert "RETURNING" not in entry[0], entry


def _waiting_task(api) -> HumanTask:
    deploy(api, review_lead())
    create_lead(api)
    relay_pending()
    instance_id = db.session.scalar(select(ProcessInstance.id))
    db.session.rollback()
    assert runtime.run_instance(instance_id) == "waiting"
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance_id))
    db.session.rollback()
    return task


def test_completing_an_assigned_task_sends_no_candidate_delete_and_no_user_read(api, admin):
    task = _waiting_task(api)
    assert task.assignee_id == admin.id  # the lead's responsible, no candidate rows
    with statements() as seen:
        resp = api.post(f"/inbox/{task.id}/complete", {"data": {"verdict": "good"}})
    assert resp.status_code == 200, resp.get_json()
    assert not _deletes(seen, "human_task_candidate"), seen
    reads = _reads(seen)
    assert "user_account" not in reads, seen  # the caller's row came with the token
    assert reads.count("human_task") == 2, seen  # locked to complete; the step's sync
    assert reads.count("api_token") == 1, seen
    assert len(seen) <= 12, "\n".join(seen)  # 13 while each request read the rights
    body = resp.get_json()
    assert (body["state"], body["completed_by"]["id"], body["assignee"]["name"]) == (
        "completed", admin.id, "Ada Admin")
    assert body["process"]["key"] == "lead_review" and body["record"]["entity"] == "lead"


def test_completing_a_group_task_still_deletes_its_candidate_rows(api, admin):
    task = _waiting_task(api)
    with db.session.begin_nested():  # make it a group task: unassigned, with candidate rows
        db.session.get(HumanTask, task.id).assignee_id = None
        db.session.add(HumanTaskCandidate(human_task_id=task.id, user_id=admin.id))
    db.session.commit()
    with statements() as seen:
        resp = api.post(f"/inbox/{task.id}/complete", {"data": {"verdict": "good"}})
    assert resp.status_code == 200, resp.get_json()
    assert len(_deletes(seen, "human_task_candidate")) == 1, seen
    db.session.expire_all()
    assert db.session.scalars(select(HumanTaskCandidate).where(
        HumanTaskCandidate.human_task_id == task.id)).all() == []
