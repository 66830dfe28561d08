"""/engine-rest/job: the engine's timers and failed steps as Camunda's JobDto (administrators,
as /incident); ids `timer-<n>` and `incident-<n>` (engine.jobs)."""
from __future__ import annotations

from flask import Response, g, jsonify, request

from engine import job_actions
from engine.jobs import SORTS, Job, JobFilter, count_jobs, list_jobs
from engine.states import InstanceStatus
from errors import ValidationError
from org.models import utcnow
from web.engine_rest import body, camunda_time, engine_rest, int_field
from web.engine_rest.deployment import definition_id
from web.engine_rest.query import arg_bool, arg_id, arg_version_id, paging, parse_time, sorting

_EMPTY = ("", 204)


def job_dict(job: Job) -> dict:
    """A job in Camunda's JobDto shape."""
    instance = job.instance
    return {
        "id": job.id, "jobDefinitionId": None, "dueDate": camunda_time(job.due_at),
        "processInstanceId": str(instance.id), "executionId": job.task_uuid,
        "processDefinitionId": definition_id(instance.version),
        "processDefinitionKey": instance.version.definition.key,
        "retries": job.retries, "exceptionMessage": job.message,
        "failedActivityId": job.element_id if job.failed else None,
        "suspended": instance.status == InstanceStatus.SUSPENDED, "priority": 0, "tenantId": None,
        "createTime": camunda_time(job.created_at), "batchId": None,
    }


def _due_dates() -> dict:
    """`dueDates=gt_<time>,lt_<time>` as (due_after, due_before); 400 naming dueDates."""
    raw = request.args.get("dueDates")
    found: dict = {}
    for part in (raw or "").split(","):
        if not part:
            continue
        operator, _, value = part.partition("_")
        name = {"gt": "due_after", "lt": "due_before"}.get(operator)
        if name is None or not value:
            raise ValidationError.from_fields({"dueDates": "Expected gt_<time>,lt_<time> (either or both)"})
        found[name] = parse_time(value, "dueDates")
    return found


def _filter() -> JobFilter:
    args = request.args
    flags = {name: arg_bool(name) for name in ("timers", "messages", "withException", "noRetriesLeft",
                                               "executable", "suspended", "active")}
    if flags["timers"] and flags["messages"]:
        raise ValidationError.from_fields({"messages": "timers and messages exclude each other"})
    if flags["suspended"] and flags["active"]:
        raise ValidationError.from_fields({"active": "suspended and active exclude each other"})
    version_id = arg_version_id()
    return JobFilter(
        job_id=args.get("jobId") or None, instance_id=arg_id("processInstanceId"), version_id=version_id,
        key=args.get("processDefinitionKey") or None, element_id=args.get("activityId") or None,
        timers=bool(flags["timers"]), messages=bool(flags["messages"]),
        with_exception=bool(flags["withException"]), no_retries_left=bool(flags["noRetriesLeft"]),
        executable=bool(flags["executable"]),
        suspended=True if flags["suspended"] else False if flags["active"] else None, **_due_dates())


@engine_rest.get("/job")
def list_job():
    where = _filter()
    by, descending = sorting(SORTS, default="jobId")
    first, limit = paging()
    jobs = list_jobs(where, actor=g.actor, sort_by=by, descending=descending, first=first, limit=limit)
    return jsonify([job_dict(j) for j in jobs])


@engine_rest.get("/job/count")
def count_job():
    return jsonify({"count": count_jobs(_filter(), actor=g.actor)})


@engine_rest.get("/job/<job_id>")
def get_job(job_id: str):
    return jsonify(job_dict(job_actions.get_job(job_id, actor=g.actor)))


@engine_rest.get("/job/<job_id>/stacktrace")
def job_stacktrace(job_id: str):
    text = job_actions.job_stacktrace(job_id, actor=g.actor)
    return Response(text, mimetype="text/plain")


@engine_rest.put("/job/<job_id>/retries")
def set_job_retries(job_id: str):
    """Retries above 0 on a failed job with none left: its incident is resolved, it runs again."""
    job_actions.set_job_retries(job_id, int_field(body(), "retries", None, high=1_000_000), actor=g.actor)
    return _EMPTY


@engine_rest.post("/job/<job_id>/execute")
def execute_job(job_id: str):
    job_actions.execute_job(job_id, actor=g.actor)
    return _EMPTY


@engine_rest.put("/job/<job_id>/duedate")
def set_job_duedate(job_id: str):
    """`{"duedate": <time>}` moves a timer; null: due now (the beat fires it at its next round)."""
    data = body()
    raw = data.get("duedate")
    if "duedate" not in data or raw is not None and not isinstance(raw, str):
        raise ValidationError.from_fields({"duedate": "Expected a time like 2026-12-04T17:48:00.000+0000"})
    due = parse_time(raw, "duedate") if raw is not None else utcnow()
    job_actions.set_job_due(job_id, due, actor=g.actor)
    return _EMPTY
