"""What an operator does to a job (engine.jobs): read its stack trace, give a failed job new
retries, run a job now, move a timer. Through the services the beat and the incident retry use:
a timer runs by `runtime.fire_timers`, a failed job by `incidents.retry_incident` (administrators).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from engine import spiff_adapter as spiff
from engine.incidents import retry_incident
from engine.jobs import INCIDENT, Job, JobFilter, list_jobs
from engine.models import InstanceEvent
from engine.runtime import fire_timers, flush_or_conflict, run_instance
from engine.spiff import job_due
from engine.states import InstanceStatus
from errors import Conflict, NotFound
from extensions import db
from org import audit
from org.actors import Actor, actor_user
from org.models import utcnow


def get_job(job_id: str, *, actor: Actor) -> Job:
    """One job by its id (timer-12, incident-7); 404 when there is none (administrators)."""
    jobs = list_jobs(JobFilter(job_id=job_id), actor=actor, limit=1)
    if not jobs:
        raise NotFound(f"Job with id {job_id} does not exist")
    return jobs[0]


def job_stacktrace(job_id: str, *, actor: Actor) -> str:
    """The error a failed job stored: the traceback when the engine kept one, else its message."""
    job = get_job(job_id, actor=actor)
    if not job.failed:
        raise NotFound(f"Job {job_id} has not failed: it has no exception stacktrace")
    return job.details or job.message or ""


def set_job_retries(job_id: str, retries: int, *, actor: Actor) -> Job:
    """Retries above 0 on a failed job with none left resolve its incident as the incident's
    retry does, and the failed step runs again (a worker's step); 0 changes nothing."""
    job = get_job(job_id, actor=actor)
    if job.kind != INCIDENT:
        raise Conflict(f"Job {job_id} has retries left: only a failed job with no retries left "
                       "(an incident) takes new ones")
    if retries > 0:
        retry_incident(job.row.id, actor=actor)
    return job


def execute_job(job_id: str, *, actor: Actor) -> Job:
    """Run a job now, in the caller's transaction: a timer fires (and a failed step waiting for
    its next attempt runs) as the beat fires it; a failed job is retried as its incident is."""
    job = get_job(job_id, actor=actor)
    if job.kind == INCIDENT:
        retry_incident(job.row.id, actor=actor)
        run_instance(job.instance.id)  # what the worker the retry kicks would do, now
        return job
    if job.instance.status != InstanceStatus.WAITING:
        raise Conflict(f"The process instance is {job.instance.status}: its timers do not fire")
    _move(job, utcnow() - timedelta(milliseconds=1), actor)  # due: the beat's service fires it
    audit.record("job.execute", f"job {job.id}", {"instance": job.instance.id,
                                                   "element": job.element_id}, actor=actor)
    fire_timers(job.instance.id)
    return job


def set_job_due(job_id: str, due: datetime, *, actor: Actor) -> Job:
    """Move a timer (or a failed step's next attempt) to `due` (naive UTC); a time past fires
    at the beat's next round."""
    job = get_job(job_id, actor=actor)
    if job.kind == INCIDENT:
        raise Conflict(f"Job {job_id} failed with no retries left: it has no due date to move "
                       "(set its retries)")
    _move(job, due, actor)
    audit.record("job.duedate", f"job {job.id}", {"instance": job.instance.id, "element": job.element_id,
                                                   "due": due.isoformat() + "Z"}, actor=actor)
    return job


def _move(job: Job, due: datetime, actor: Actor) -> None:
    """The timer's new due time in the workflow and in its engine_timer row, one change."""
    instance = job.instance
    wf = spiff.load(instance)
    try:
        job_due.move_due(wf, job.task_uuid, due)
    except job_due.NotAJob:
        raise Conflict("The process moved on meanwhile; reload and try again") from None
    instance.state = spiff.dump(wf)
    job.row.due_at = due
    job.due_at = due
    user = actor_user(actor)
    db.session.add(InstanceEvent(instance_id=instance.id, kind="timer", element_id=job.element_id,
                                 actor_id=user.id, on_behalf_of_id=user.id,
                                 message=f"{user.full_name} set {job.element_id} due at "
                                         f"{due:%Y-%m-%d %H:%M:%S} UTC"))
    flush_or_conflict()
