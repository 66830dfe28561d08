"""CRM task and comment activities."""
from __future__ import annotations

from crm.services import tasks as task_service
from crm.services.timeline import add_comment as add_comment_service
from engine.activities.base import (
    ActivityContext,
    Param,
    Topic,
    deadline_text,
    fail,
    from_service_error,
    given,
)
from engine.activities.crm_records import RECORD_ENTITIES, RECORD_PARAMS, default_responsible, record_ref
from engine.assignment import find_active_user
from errors import ServiceError
from extensions import db

TASK_RENAME = {"responsible_id": "responsible", "links": "record_id"}


def create_task(params: dict, ctx: ActivityContext) -> dict:
    """A CRM task about the named record (default: the process's record)."""
    topic = "crm.create_task"
    data: dict = {"title": params.get("title")}
    if given(params, "description"):
        data["description"] = str(params["description"])
    if given(params, "deadline"):
        data["deadline"] = deadline_text(topic, "deadline", params["deadline"])
    data["responsible_id"] = _responsible(topic, params, ctx)
    link = _link(topic, params, ctx)
    if link:
        data["links"] = [{"entity": link[0], "id": link[1]}]
    try:
        tasks = task_service.create_task(data, actor=ctx.actor)
    except ServiceError as exc:
        raise from_service_error(topic, exc, rename=TASK_RENAME) from exc
    return {"task_id": tasks[0].id}


def _responsible(topic: str, params: dict, ctx: ActivityContext) -> int | None:
    if not given(params, "responsible"):
        return default_responsible(ctx)
    user = find_active_user(params["responsible"])
    if user is None:
        raise fail(topic, "responsible", f"No active user {params['responsible']!r}")
    return user.id


def _link(topic: str, params: dict, ctx: ActivityContext) -> tuple[str, int] | None:
    """The record the task is about; none when neither given nor the process has one."""
    own = ctx.entity in RECORD_ENTITIES and ctx.entity_id is not None
    if not given(params, "entity") and not given(params, "record_id") and not own:
        return None
    return record_ref(topic, params, ctx, id_param="record_id")


def add_comment(params: dict, ctx: ActivityContext) -> dict:
    """A comment on a record's timeline, written by the process."""
    topic = "crm.add_comment"
    entity, record_id = record_ref(topic, params, ctx)
    try:
        entry = add_comment_service(entity, record_id, str(params.get("text") or ""), actor=ctx.actor)
    except ServiceError as exc:
        if exc.fields:
            raise from_service_error(topic, exc) from exc
        raise fail(topic, "id", exc.message) from exc
    db.session.flush()
    return {"comment_id": entry.id}


TOPICS: tuple[Topic, ...] = (
    Topic("crm.create_task", "Create a CRM task about a record (default: the process's record).", (
        Param("title", "Task title", required=True),
        Param("responsible", "User id or e-mail; defaults to the responsible of the process's record"),
        Param("description", "Task description"),
        Param("deadline", "ISO date or date-time, or a duration from now such as P1Y or P3D", type="date"),
        Param("entity", "Record type the task is about; defaults to the process's record"),
        Param("record_id", "Record id the task is about; defaults to the process's record", type="integer"),
    ), "task_id", create_task, result_description="The new task's id"),
    Topic("crm.add_comment", "Add a comment to a record's timeline.",
          RECORD_PARAMS + (Param("text", "The comment", required=True),),
          "comment_id", add_comment, result_description="The timeline entry's id"),
)
