"""Send jobs: start one for records (only those the sender may read), show progress, retry failures."""
from __future__ import annotations

from sqlalchemy import func, select, update

from crm import access
from crm.entities import ENTITIES
from crm.serialize import json_value
from errors import Forbidden, NotFound, ValidationError
from extensions import db
from mail.config import setting
from mail.models import Job, JobItem
from mail.services.common import Checker, is_admin
from mail.services.recipients import MAIL_ENTITIES
from mail.services.templates import get_template
from mail.states import OPEN_JOB_STATUSES, ItemStatus, JobStatus
from org.actors import Actor, actor_user
from org.models import utcnow, valid_id
from transactions import enqueue_after_commit

SEND_TASK = "mail.send_job"
BULK_KIND = "mail.bulk"
PROCESS_KIND = "mail.process"
NOT_FOUND = "record not found"
OPEN_STATUSES = OPEN_JOB_STATUSES
ITEM_RESULTS = tuple(ItemStatus)


def _ids(check: Checker, raw: object) -> list[int]:
    if not isinstance(raw, list) or not raw:
        check.errors["ids"] = "Expected a non-empty list of record ids"
        return []
    limit = int(setting("MAIL_MAX_RECIPIENTS"))
    if len(raw) > limit:
        check.errors["ids"] = f"At most {limit} records per send"
        return []
    bad = [str(i) for i in raw if not valid_id(i)]
    if bad:
        check.errors["ids"] = f"Not record ids: {', '.join(bad[:5])}"
        return []
    return list(dict.fromkeys(int(i) for i in raw))


def readable_ids(entity: str, ids: list[int], actor: Actor) -> set[int]:
    """The ids among `ids` of records the actor may read (in chunks of 500)."""
    model = ENTITIES[entity].model
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        stmt = access.scope(select(model.id).where(model.id.in_(chunk)), entity, "read", actor)
        found.update(db.session.scalars(stmt))
    return found


def start_send(data: dict, *, actor: Actor) -> Job:
    """A job sending a template to each record in `ids`; records the actor cannot read are skipped
    as not found. The job runs after the commit (Celery task mail.send_job)."""
    check = Checker(data)
    check.unknown({"template_id", "entity", "ids"})
    entity = check.choice("entity", MAIL_ENTITIES, "contact")
    ids = _ids(check, data.get("ids"))
    template_id = data.get("template_id")
    if not valid_id(template_id):
        check.errors["template_id"] = "Expected a template id"
    check.raise_if_any()
    try:
        template = get_template(template_id)
    except NotFound as exc:
        raise ValidationError.from_fields({"template_id": exc.message}) from None
    access.require(actor, entity, "read")
    job = new_job(BULK_KIND, entity, ids, readable_ids(entity, ids, actor), template.id, template.name,
                  actor=actor)
    db.session.flush()
    return job


def new_job(kind: str, entity: str, ids: list[int], allowed: set[int], template_id: int, template_name: str,
            *, actor: Actor, params: dict | None = None) -> Job:
    """Add a job and its items to the session (the caller commits); queue its run after the commit."""
    user = actor_user(actor)
    job = Job(kind=kind, status=JobStatus.QUEUED, total=len(ids), created_by_id=user.id,
              params={"template_id": template_id, "template": template_name, "entity": entity,
                      **(params or {})})
    db.session.add(job)
    db.session.flush()
    skipped = 0
    for record_id in ids:
        ok = record_id in allowed
        skipped += not ok
        db.session.add(JobItem(job_id=job.id, entity=entity, record_id=record_id,
                               status=ItemStatus.PENDING if ok else ItemStatus.SKIPPED,
                               reason="" if ok else NOT_FOUND))
    job.skipped = skipped
    if skipped == len(ids):
        job.status = JobStatus.DONE
        job.finished_at = utcnow()
    else:
        enqueue_after_commit(SEND_TASK, job.id)
    return job


def get_job(job_id: int, *, actor: Actor) -> Job:
    """A job its creator (or an administrator) may see; 404 for anyone else."""
    job = db.session.get(Job, job_id) if valid_id(job_id) else None
    if job is None or not (is_admin(actor) or job.created_by_id == actor_user(actor).id):
        raise NotFound(f"No job {job_id}")
    return job


def job_items(job: Job, *, status: str | None = None, limit: int = 200,
              after_id: int | None = None) -> list[JobItem]:
    """A job's items in order, optionally one status only, after an item id."""
    query = select(JobItem).where(JobItem.job_id == job.id)
    if status:
        if status not in ITEM_RESULTS:
            raise ValidationError.from_fields({"status": f"One of {', '.join(ITEM_RESULTS)}"})
        query = query.where(JobItem.status == status)
    if after_id:
        query = query.where(JobItem.id > after_id)
    return list(db.session.scalars(query.order_by(JobItem.id).limit(limit)))


def recount(job: Job) -> None:
    """Set the job's counters from its items (after a retry or a recovered run)."""
    counts = dict(db.session.execute(select(JobItem.status, func.count(JobItem.id))
                                     .where(JobItem.job_id == job.id).group_by(JobItem.status)).all())
    job.total = sum(counts.values())
    job.done, job.failed = counts.get(ItemStatus.SENT, 0), counts.get(ItemStatus.FAILED, 0)
    job.skipped = counts.get(ItemStatus.SKIPPED, 0)


def retry_failed(job_id: int, *, actor: Actor) -> Job:
    """Send the failed items again (each keeps its Message-ID, so a receiver can drop a copy)."""
    job = get_job(job_id, actor=actor)
    if job.kind not in (BULK_KIND, PROCESS_KIND):
        raise Forbidden("This job cannot be retried")
    failed = update(JobItem).where(JobItem.job_id == job.id, JobItem.status == ItemStatus.FAILED)
    changed = db.session.execute(failed.values(status=ItemStatus.PENDING, reason=""))
    if changed.rowcount:
        recount(job)
        job.status, job.finished_at, job.next_run_at = JobStatus.QUEUED, None, None
        enqueue_after_commit(SEND_TASK, job.id)
    db.session.flush()
    return job


def job_to_dict(job: Job) -> dict:
    """The job as GET /jobs/<id> shows it (progress = processed / total)."""
    processed = job.done + job.failed + job.skipped
    return {"id": job.id, "kind": job.kind, "status": job.status, "total": job.total, "done": job.done,
            "failed": job.failed, "skipped": job.skipped, "processed": processed,
            "progress": round(processed / job.total, 4) if job.total else 1.0,
            "params": job.params or {}, "created_by_id": job.created_by_id,
            "created_at": json_value(job.created_at), "finished_at": json_value(job.finished_at),
            "next_run_at": json_value(job.next_run_at)}


def item_to_dict(item: JobItem) -> dict:
    """One recipient's result as the API shows it."""
    return {"id": item.id, "entity": item.entity, "record_id": item.record_id, "email": item.email,
            "status": item.status, "reason": item.reason, "message_id": item.message_id,
            "attempts": item.attempts, "subject": item.subject, "entry_id": item.entry_id,
            "sent_at": json_value(item.sent_at)}
