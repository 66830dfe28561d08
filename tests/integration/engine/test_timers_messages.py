"""Timers kept in the database and fired by beat (also after a restart); message waits on record events."""
from __future__ import annotations

import time

from sqlalchemy import select

from engine.models import EngineTimer, HumanTask, MessageWait, ProcessInstance
from extensions import celery, db
from org.models import utcnow
from tests.integration.engine.diagrams import (
    chain,
    message_catch,
    service_task,
    timer_catch,
    user_task,
)
from tests.integration.engine.runtime_support import (
    create_lead,
    deploy,
    drive,
    log_kinds,
    only_instance,
    open_tasks,
)

DELAYED = chain("delayed", timer_catch("Wait", "PT2S"), user_task("After", "After the wait"))

ESCALATION = chain(
    "escalation", user_task("Review", "Review lead"),
    extra=('<bpmn:boundaryEvent id="Late" attachedToRef="Review" cancelActivity="true">'
           '<bpmn:timerEventDefinition><bpmn:timeDuration>PT2S</bpmn:timeDuration>'
           '</bpmn:timerEventDefinition></bpmn:boundaryEvent>'
           '<bpmn:userTask id="Escalate" name="Escalate to the head" />'
           '<bpmn:endEvent id="EscalatedEnd" />'
           '<bpmn:sequenceFlow id="Flow_L1" sourceRef="Late" targetRef="Escalate" />'
           '<bpmn:sequenceFlow id="Flow_L2" sourceRef="Escalate" targetRef="EscalatedEnd" />'))


def _timers(instance_id: int) -> list[EngineTimer]:
    db.session.expire_all()
    return list(db.session.scalars(select(EngineTimer).where(EngineTimer.instance_id == instance_id)))


def _sleep_until(moment) -> None:
    time.sleep(max(0.0, (moment - utcnow()).total_seconds()) + 0.3)


def _beat_tick() -> int:
    """What beat runs every few seconds, with the dispatched tasks run in-process."""
    from engine.tasks import fire_due_timers

    celery.conf.task_always_eager = True
    try:
        return fire_due_timers.run()
    finally:
        celery.conf.task_always_eager = False


def test_timer_is_a_database_row_fired_by_beat_after_a_restart(api):
    from engine.spiff.serializer import cached_spec
    from engine.spiff_adapter import forget_specs

    deploy(api, DELAYED)
    create_lead(api)
    drive()
    instance = only_instance()
    instance_id = instance.id
    assert instance.status == "waiting" and open_tasks() == []
    (timer,) = _timers(instance_id)
    due_at = timer.due_at
    assert timer.element_id == "Wait" and timer.fired_at is None
    assert 0 < (timer.due_at - utcnow()).total_seconds() <= 2.5
    assert _beat_tick() == 0  # not due yet

    # Every process restarts: caches and connections are gone, the database remains.
    cached_spec.cache_clear()
    forget_specs()
    db.session.remove()
    db.engine.dispose()
    _sleep_until(due_at)

    assert _beat_tick() == 1
    drive()
    assert [t.element_id for t in open_tasks(instance_id)] == ["After"]
    (timer,) = _timers(instance_id)
    assert timer.fired_at is not None
    assert "timer" in log_kinds(instance_id)
    assert _beat_tick() == 0  # fired once


def test_boundary_timer_escalates_an_unfinished_user_task(api):
    deploy(api, ESCALATION)
    create_lead(api)
    drive()
    instance = only_instance()
    (review,) = open_tasks(instance.id)
    (timer,) = _timers(instance.id)
    assert timer.element_id == "Late"
    _sleep_until(timer.due_at)
    drive()
    assert db.session.get(HumanTask, review.id).state == "cancelled"
    assert [t.element_id for t in open_tasks(instance.id)] == ["Escalate"]
    assert _timers(instance.id)[0].fired_at is not None


def test_boundary_timer_is_dropped_when_the_task_is_done_in_time(api):
    deploy(api, ESCALATION)
    create_lead(api)
    drive()
    instance = only_instance()
    (review,) = open_tasks(instance.id)
    assert api.post(f"/inbox/{review.id}/complete", {"data": {}}).status_code == 200
    assert db.session.get(ProcessInstance, instance.id).status == "completed"
    assert _timers(instance.id) == []


WAIT_FOR_WON = chain(
    "wait_for_won", message_catch("WaitWon", "deal.updated", condition="record.stage == 'WON'"),
    user_task("Celebrate", "Celebrate"), message="deal.created")


def test_message_wait_on_the_same_record_with_a_condition(api):
    deploy(api, WAIT_FOR_WON)
    deal = api.post("/deals", {"title": "Big deal"}).get_json()
    other = api.post("/deals", {"title": "Other deal"}).get_json()
    drive()
    instance = only_instance(entity_id=deal["id"])
    assert instance.status == "waiting"
    waits = db.session.scalars(select(MessageWait).where(MessageWait.instance_id == instance.id)).all()
    assert [(w.message_name, w.entity, w.entity_id) for w in waits] == [("deal.updated", "deal", deal["id"])]

    api.patch(f"/deals/{deal['id']}", {"title": "Big deal, renamed"})  # condition false
    api.patch(f"/deals/{other['id']}", {"stage": "WON"})  # another record
    drive()
    assert open_tasks(instance.id) == []
    api.patch(f"/deals/{deal['id']}", {"stage": "WON"})
    drive()
    assert [t.element_id for t in open_tasks(instance.id)] == ["Celebrate"]
    assert db.session.scalars(select(MessageWait).where(MessageWait.instance_id == instance.id)).all() == []
    assert "message" in log_kinds(instance.id)


SELF_TOUCH = chain(
    "self_touch",
    service_task("Touch", "crm.update_record", entity="deal", id="${record.id}",
                 fields='${{"currency": "EUR"}}'),
    message_catch("WaitChange", "deal.updated"), user_task("Changed", "Changed"), message="deal.created")


def test_own_change_does_not_satisfy_its_own_wait(api):
    deploy(api, SELF_TOUCH)
    deal = api.post("/deals", {"title": "Deal"}).get_json()
    drive()
    instance = only_instance()
    assert instance.status == "waiting" and open_tasks() == []
    api.patch(f"/deals/{deal['id']}", {"title": "A person changed it"})
    drive()
    assert [t.element_id for t in open_tasks(instance.id)] == ["Changed"]
