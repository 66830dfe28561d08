"""camunda:failedJobRetryTimeCycle: a failing job is retried after each delay of its cycle (an
engine_timer row the beat fires), and the incident opens only when no retries are left; a bad
cycle is refused at upload naming the element. (The real worker and beat: test_retry_cycle_celery.)"""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from engine.models import EngineTimer, InstanceEvent
from extensions import db
from org.models import utcnow
from tests.integration.engine.diagrams import chain, script_task, upload, user_task
from tests.integration.engine.runtime_support import create_lead, deploy, instances


def retried(process_id: str, cycle: str, attrs: str = "", script: str = "total = amount * 2") -> bytes:
    """lead.created -> a script task with the retry cycle -> Check."""
    body = (f"<bpmn:extensionElements><camunda:failedJobRetryTimeCycle>{cycle}"
            f"</camunda:failedJobRetryTimeCycle></bpmn:extensionElements><bpmn:script>{script}</bpmn:script>")
    return chain(process_id, ("scriptTask", "Compute", f'scriptFormat="python" {attrs}', body),
                 user_task("Check", "Check"))


def _retrying(instance_id: int) -> list[InstanceEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(InstanceEvent).where(
        InstanceEvent.instance_id == instance_id, InstanceEvent.kind == "retrying")
        .order_by(InstanceEvent.id)))


def _timers(instance_id: int) -> list[EngineTimer]:
    return list(db.session.scalars(select(EngineTimer).where(
        EngineTimer.instance_id == instance_id, EngineTimer.fired_at.is_(None))))


def _drive_at(now) -> None:
    from engine.runtime import run_pending

    run_pending(now=now)


def test_a_failing_job_waits_for_each_delay_of_its_cycle_then_opens_an_incident(api, app, admin):
    from tests.support.browser import session_client

    deploy(api, retried("flaky_list", "PT1M,PT10M"))
    create_lead(api)
    start = utcnow()
    _drive_at(start)
    (instance,) = instances()
    assert instance.status == "waiting"  # not an incident: a retry timer waits
    (timer,) = _timers(instance.id)
    assert timer.element_id == "Compute"
    assert timedelta(seconds=50) < timer.due_at - start < timedelta(minutes=2)  # the first delay
    (first,) = _retrying(instance.id)
    assert first.data["retries_left"] == 2 and "2 retries left, next attempt at" in first.message
    (shown,) = api.get(f"/process-instances/{instance.id}").get_json()["retries"]
    assert shown["element_id"] == "Compute" and shown["retries_left"] == 2
    page = session_client(app, admin).get(f"/processes/instances/{instance.id}").data.decode()
    assert 'data-retry="Compute"' in page and "2 retries left" in page
    _drive_at(start + timedelta(seconds=30))  # not due yet: nothing runs
    assert len(_retrying(instance.id)) == 1 and instances()[0].status == "waiting"
    _drive_at(timer.due_at + timedelta(seconds=1))
    second = _retrying(instance.id)[1]
    assert second.data["retries_left"] == 1
    (timer,) = _timers(instance.id)
    assert timedelta(minutes=9) < timer.due_at - start < timedelta(minutes=12)  # the second delay
    _drive_at(timer.due_at + timedelta(seconds=1))
    (instance,) = instances()
    assert instance.status == "error" and "failed 3 times, no retries left" in instance.error_message
    assert not _timers(instance.id) and not api.get(f"/process-instances/{instance.id}").get_json()["retries"]
    (incident,) = api.get("/incidents", query_string={"key": "flaky_list"}).get_json()["items"]
    assert incident["element_id"] == "Compute" and incident["retries_left"] == 0


def test_a_job_that_succeeds_on_a_retry_runs_on_and_r0_fails_at_once(api):
    deploy(api, retried("flaky_once", "R2/PT1S", 'camunda:asyncBefore="true"',
                        "total = amount * 2"))
    deploy(api, retried("no_retries", "R0/PT1S", "", "total = amount * 2"))
    create_lead(api)
    _drive_at(utcnow())
    flaky, none = sorted(instances(), key=lambda i: i.version.definition.key)
    assert none.status == "error" and not _retrying(none.id)  # R0: no retries, an incident at once
    assert flaky.status == "waiting" and len(_retrying(flaky.id)) == 1
    # an operator sets the missing variable meanwhile; the next attempt succeeds
    from engine import spiff_adapter as spiff
    from engine.spiff import modify

    wf = spiff.load(flaky)
    modify.set_variables(wf, {"amount": 21})
    flaky.state = spiff.dump(wf)
    db.session.commit()
    _drive_at(utcnow() + timedelta(seconds=5))
    db.session.expire_all()
    assert flaky.status == "waiting", flaky.error_message
    assert [t.element_id for t in _open(flaky.id)] == ["Check"]


def _open(instance_id: int) -> list:
    from engine.models import HumanTask

    return list(db.session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                           HumanTask.state == "open")))


def test_a_bad_retry_cycle_is_refused_naming_the_element_and_a_good_one_is_no_warning(api):
    for bad in ("R3/5M", "every minute", "R/PT5M", "PT1M,,PT2M", "${cycle}"):
        resp = upload(api, retried("bad_cycle", bad))
        assert resp.status_code == 422, bad
        errors = resp.get_json()["errors"]
        assert any(e["element"] == "Compute" and "failedJobRetryTimeCycle" in e["message"]
                   for e in errors), errors
    answer = deploy(api, retried("good_cycle", "R3/PT5M"))
    assert not [w for w in answer.get("warnings", []) if "failedJobRetryTimeCycle" in w["message"]]


def test_a_timer_events_cycle_retries_the_failing_step_it_began(api):
    cycle = ("<bpmn:extensionElements><camunda:failedJobRetryTimeCycle>R2/PT1M"
             "</camunda:failedJobRetryTimeCycle></bpmn:extensionElements>")
    wait = ("intermediateCatchEvent", "Wait", "", cycle + '<bpmn:timerEventDefinition><bpmn:timeDuration>'
            "PT1S</bpmn:timeDuration></bpmn:timerEventDefinition>")
    compute = script_task("Compute", "total = amount * 2")
    deploy(api, chain("timed", wait, compute, user_task("Check", "Check")))
    create_lead(api)
    start = utcnow()
    _drive_at(start)
    (instance,) = instances()
    assert instance.status == "waiting" and not _retrying(instance.id)
    # SpiffWorkflow checks a timer against the real clock, whatever `now` the driver is given:
    # let the PT1S timer's real due time pass first (the test passed only on a slow machine)
    (timer,) = _timers(instance.id)
    time.sleep(max(0.0, (timer.due_at - utcnow()).total_seconds()) + 0.05)
    _drive_at(start + timedelta(seconds=5))  # the timer fires; Compute fails: the timer's job is retried
    (retry,) = _retrying(instance.id)
    assert retry.element_id == "Compute" and retry.data["retries_left"] == 2
    _drive_at(start + timedelta(minutes=2))  # the second attempt keeps the timer's cycle
    assert [r.data["retries_left"] for r in _retrying(instance.id)] == [2, 1]
    _drive_at(start + timedelta(minutes=4))
    (instance,) = instances()
    assert instance.status == "error" and "failed 3 times, no retries left" in instance.error_message
