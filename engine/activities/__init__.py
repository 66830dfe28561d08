"""Service-task activities: the registry of topics and the idempotent dispatcher.

One description per topic (parameters, required flags, result variable, descriptions) serves
upload validation (`topic_specs()`), the API docs (`topic_docs()`) and the modeler's element
templates. `dispatch` runs a handler inside the runtime's transaction (never committing),
stores its result in `activity_run` and, for a retried step, returns that stored result
instead of acting again.
"""
from __future__ import annotations

from sqlalchemy import select

from engine.activities import calendar, crm_records, crm_tasks, drive, http, mail
from engine.activities.base import ActivityContext, ActivityError, Param, Topic, given
from engine.models import ActivityRun
from engine.spiff.data import DataError, json_clean
from engine.spiff.topics import TopicSpec
from extensions import db

__all__ = ["ActivityContext", "ActivityError", "Param", "Topic", "dispatch", "make_context",
           "topic_docs", "topic_specs", "topics"]

_TOPICS: dict[str, Topic] = {
    t.name: t for t in crm_records.TOPICS + crm_tasks.TOPICS + mail.TOPICS + calendar.TOPICS
    + drive.TOPICS + http.TOPICS}


def topics() -> dict[str, Topic]:
    """Every activity by topic name."""
    return dict(_TOPICS)


def topic_specs() -> dict[str, TopicSpec]:
    """The topics as TopicSpec (parameter -> required, result key), for upload validation."""
    return {name: TopicSpec(name, {p.name: p.required for p in t.params}, t.result, t.description)
            for name, t in _TOPICS.items()}


def topic_docs() -> list[dict]:
    """The documentation of every topic: description, parameters and result variable."""
    return [{
        "topic": t.name, "description": t.description,
        "parameters": [{"name": p.name, "type": p.type, "required": p.required,
                        "description": p.description} for p in t.params],
        "result": {"variable": t.result, "description": t.result_description} if t.result else None,
    } for t in sorted(_TOPICS.values(), key=lambda t: t.name)]


def make_context(instance: object, task_uuid: str, element_id: str) -> ActivityContext:
    """The context of a service task of `instance`: it acts as the system user one level deeper."""
    from org.actors import ProcessActor
    from org.services.users import system_user

    actor = ProcessActor(system_user(), instance.id, on_behalf_of_id=instance.on_behalf_of_id,
                         depth=(instance.depth or 0) + 1)
    return ActivityContext(instance.id, str(task_uuid), element_id, actor,
                           entity=instance.entity, entity_id=instance.entity_id)


def dispatch(topic: str, params: dict, ctx: ActivityContext) -> dict | None:
    """Run `topic` once per (instance, task); returns the variables to merge into the task data."""
    done = db.session.scalar(select(ActivityRun).where(
        ActivityRun.instance_id == ctx.instance_id, ActivityRun.task_uuid == ctx.task_uuid))
    if done is not None:
        return done.result
    spec = _TOPICS.get(topic)
    if spec is None:
        raise ActivityError(f"Unknown activity topic {topic!r}")
    params = dict(params or {})
    _check_params(spec, params)
    if not spec.writes:  # only calls out: no savepoint, so no transaction is opened before the call
        return _note_run(ctx, topic, spec.handler(params, ctx))
    with db.session.begin_nested():  # a failing handler leaves nothing behind
        result = _note_run(ctx, topic, spec.handler(params, ctx))
        db.session.flush()
    return result


def _note_run(ctx: ActivityContext, topic: str, result: object) -> dict | None:
    """The handler's clean result, stored in `activity_run` (written with the step)."""
    result = _clean(topic, result)
    db.session.add(ActivityRun(instance_id=ctx.instance_id, task_uuid=ctx.task_uuid, topic=topic,
                               result=result))
    return result


def _clean(topic: str, result: object) -> dict | None:
    try:
        return json_clean(result) if result is not None else None
    except DataError as exc:
        raise ActivityError(f"{topic}: result: {exc}") from exc


def _check_params(spec: Topic, params: dict) -> None:
    unknown = sorted(set(params) - {p.name for p in spec.params})
    if unknown:
        known = ", ".join(p.name for p in spec.params)
        raise ActivityError(f"{spec.name}: parameter '{unknown[0]}': Unknown parameter (known: {known})")
    for p in spec.params:
        if p.required and not given(params, p.name):
            raise ActivityError(f"{spec.name}: parameter '{p.name}': This parameter is required")

