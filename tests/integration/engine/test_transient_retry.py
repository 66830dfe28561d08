"""A transient database error inside a service task retries the step; a real failure is an incident.

The engine's Celery task runs eagerly (`apply`): its retries run inline, with the backoff
computed but not slept, through the same code a worker runs.
"""
from __future__ import annotations

import sqlite3

import pytest
from psycopg import errors as pg_errors
from sqlalchemy.exc import IntegrityError, OperationalError

from crm.models import TimelineEntry
from engine import runtime
from engine.models import ActivityRun, ProcessInstance
from engine.tasks import run_instance_task
from extensions import db
from tests.integration.engine.diagrams import chain, service_task
from tests.integration.engine.runtime_support import count, create_lead, deploy, log_kinds, only_instance

COMMENT_ONLY = chain(
    "transient_commenter",
    service_task("Comment", "crm.add_comment", entity="lead", id="${record.id}", text="Retried"),
    message="lead.created")


def _locked() -> OperationalError:
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))


def _serialization_failure() -> OperationalError:
    return OperationalError("UPDATE ...", {}, pg_errors.SerializationFailure("could not serialize access"))


def _patch_dispatch(monkeypatch, failures: list[BaseException]) -> list[str]:
    """The activity raises the given errors on its first calls, then runs for real."""
    import engine.activities as activities

    original, calls = activities.dispatch, []

    def flaky(topic, params, ctx):
        calls.append(topic)
        if failures:
            raise failures.pop(0)
        return original(topic, params, ctx)

    monkeypatch.setattr(activities, "dispatch", flaky)
    return calls


def _started_instance(api) -> tuple[ProcessInstance, dict]:
    from crm.events import relay_pending

    deploy(api, COMMENT_ONLY)
    lead = create_lead(api)
    relay_pending()
    return only_instance(), lead


def _comments(lead_id: int) -> int:
    return count(TimelineEntry, TimelineEntry.entity == "lead", TimelineEntry.record_id == lead_id,
                 TimelineEntry.kind == "comment")


@pytest.mark.parametrize("error", [_locked, _serialization_failure])
def test_transient_error_in_an_activity_retries_the_step_and_completes(api, monkeypatch, error):
    instance, lead = _started_instance(api)
    calls = _patch_dispatch(monkeypatch, [error(), error()])

    run_instance_task.apply(args=[instance.id])

    db.session.expire_all()
    done = db.session.get(ProcessInstance, instance.id)
    print(f"activity calls: {len(calls)} (2 transient failures, then success)")
    assert len(calls) == 3
    assert (done.status, done.error_message) == ("completed", None)
    assert "error" not in log_kinds(instance.id)
    assert _comments(lead["id"]) == 1 and count(ActivityRun) == 1


def test_transient_error_propagates_out_of_the_step_with_nothing_kept(api, monkeypatch):
    instance, lead = _started_instance(api)
    state, lock = instance.state, instance.lock_version
    _patch_dispatch(monkeypatch, [_locked()])

    with pytest.raises(Exception) as caught:
        runtime.run_instance(instance.id)
    assert "database is locked" in str(caught.value.__cause__ or caught.value)

    db.session.expire_all()
    same = db.session.get(ProcessInstance, instance.id)
    assert (same.status, same.state, same.lock_version) == ("running", state, lock)
    assert "error" not in log_kinds(instance.id) and _comments(lead["id"]) == 0


@pytest.mark.parametrize("failure", [
    lambda: ValueError("bad input"),
    lambda: IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("UNIQUE constraint failed: x.y")),
])
def test_a_real_failure_in_an_activity_is_an_incident_not_retried(api, monkeypatch, failure):
    instance, _lead = _started_instance(api)
    calls = _patch_dispatch(monkeypatch, [failure() for _ in range(10)])

    run_instance_task.apply(args=[instance.id])

    db.session.expire_all()
    failed = db.session.get(ProcessInstance, instance.id)
    assert len(calls) == 1  # not retried
    assert failed.status == "error" and failed.error_element == "Comment"
    assert "error" in log_kinds(instance.id)


def test_retries_end_after_the_maximum_and_the_instance_stays_running(app, api, monkeypatch):
    instance, _lead = _started_instance(api)
    monkeypatch.setitem(app.config, "ENGINE_MAX_RETRIES", 2)
    calls = _patch_dispatch(monkeypatch, [_locked() for _ in range(10)])

    result = run_instance_task.apply(args=[instance.id])

    db.session.expire_all()
    assert len(calls) == 3 and result.failed()  # the first run and 2 retries
    assert db.session.get(ProcessInstance, instance.id).status == "running"  # the stale sweep's
