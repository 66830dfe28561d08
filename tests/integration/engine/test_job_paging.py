"""The job list (engine.jobs) sorts, filters and pages in SQL: the same pages and counts as the
old algorithm (tests/support/jobs_reference.py: every job loaded, sorted and sliced in Python)
over a mixed set of jobs, and a page of 10 reads 10 timers, not all of them."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from engine import jobs as engine_jobs
from engine import spiff_adapter
from engine.history_models import ElementActivation
from engine.jobs import SORTS, JobFilter
from engine.models import EngineTimer, Incident, InstanceEvent, ProcessInstance
from engine.spiff import job_due
from extensions import db
from org.models import utcnow
from tests.support import jobs_reference
from tests.support.engine_rows import make_instance

WAITS: dict[int, dict[str, int]] = {}  # instance id -> {task uuid: retries left}: the "workflow states"


@pytest.fixture
def fake_states(monkeypatch):
    """Workflow states without diagrams: an instance's retry waits are what WAITS says."""
    WAITS.clear()
    monkeypatch.setattr(spiff_adapter, "load", lambda instance: instance.id)
    monkeypatch.setattr(job_due, "retry_waits", lambda instance_id: dict(WAITS.get(instance_id, {})))
    yield WAITS
    WAITS.clear()


def _timer(instance: ProcessInstance, element: str, due, *, fired: bool = False, started=None) -> EngineTimer:
    row = EngineTimer(instance_id=instance.id, element_id=element, task_uuid=str(uuid.uuid4()), due_at=due,
                      fired_at=utcnow() if fired else None)
    db.session.add(row)
    if started is not None:
        db.session.add(ElementActivation(instance_id=instance.id, version_id=instance.version_id,
                                         task_uuid=row.task_uuid, element_id=element, started_at=started))
    return row


def _retry_wait(instance: ProcessInstance, due, retries: int, *, waiting: bool = True) -> EngineTimer:
    """A failed step's timer (waiting=False: a timer at an element that failed before, not a retry)."""
    db.session.add(InstanceEvent(instance_id=instance.id, kind="retrying", element_id="Compute",
                                 message=f"boom {instance.id} ({retries} retries left, next soon)"))
    row = _timer(instance, "Compute", due)
    db.session.flush()
    if waiting:
        WAITS.setdefault(instance.id, {})[row.task_uuid] = retries
    return row


def _incident(instance: ProcessInstance, *, retries: int = 0, status: str = "open", kind: str = "failedJob"):
    db.session.add(Incident(instance_id=instance.id,
                            definition_id=instance.version.definition_id, element_id="Compute", kind=kind,
                            message=f"failed {instance.id}", retries_left=retries, status=status))


def _mixed_jobs() -> dict:
    """Plain timers (equal due dates among them), retry waits, failed jobs, on two process keys,
    some instances suspended; fired timers and resolved or other incidents that are no jobs."""
    now = utcnow().replace(microsecond=0)
    alpha = [make_instance(key="alpha") for _ in range(6)]
    beta = [make_instance(key="beta") for _ in range(5)]
    for instance in (alpha[1], beta[2]):
        instance.status = "suspended"
    for n, instance in enumerate(alpha + beta):
        for k in range(3):
            due = now + timedelta(hours=(n * 3 + k) % 7 - 2)  # some past (executable), ties
            _timer(instance, "Wait" if k else "Escalate", due, started=now - timedelta(minutes=n + k))
        _timer(instance, "Wait", now, fired=True)
    _retry_wait(alpha[0], now - timedelta(minutes=5), 2)
    _retry_wait(alpha[1], now + timedelta(hours=1), 1)
    _retry_wait(beta[0], now - timedelta(minutes=1), 0)
    _retry_wait(beta[3], now - timedelta(hours=1), 1, waiting=False)
    for instance in (alpha[2], alpha[1], beta[1], beta[2], alpha[4]):
        _incident(instance)
    _incident(beta[4], retries=1)
    _incident(alpha[3], status="resolved")
    _incident(alpha[3], kind="failedExternalTask")
    db.session.commit()
    timer = db.session.query(EngineTimer).filter_by(fired_at=None).order_by(EngineTimer.id.desc()).first()
    incident = db.session.query(Incident).filter_by(status="open").first()
    return {"now": now, "alpha": alpha, "timer": timer, "incident": incident}


def _filters(world: dict) -> list[JobFilter]:
    now, instance = world["now"], world["alpha"][0]
    return [JobFilter(), JobFilter(timers=True), JobFilter(messages=True), JobFilter(with_exception=True),
            JobFilter(no_retries_left=True), JobFilter(executable=True), JobFilter(key="beta"),
            JobFilter(key="alpha", messages=True), JobFilter(suspended=True), JobFilter(suspended=False),
            JobFilter(element_id="Compute"), JobFilter(element_id="Compute", timers=True),
            JobFilter(due_after=now), JobFilter(due_before=now + timedelta(hours=1), messages=True),
            JobFilter(instance_id=instance.id), JobFilter(version_id=instance.version_id, executable=True),
            JobFilter(job_id=f"timer-{world['timer'].id}"),
            JobFilter(job_id=f"incident-{world['incident'].id}"),
            JobFilter(job_id=f"incident-{world['incident'].id}", timers=True), JobFilter(job_id="bogus")]


def _shown(jobs: list) -> list[tuple]:
    return [(j.id, j.instance.id, j.element_id, j.task_uuid, j.due_at, j.retries, j.message, j.details,
             j.created_at, j.instance.version.definition.key) for j in jobs]


PAGES = ((0, 100), (0, 3), (4, 5), (7, 4), (60, 10))  # 5 failed jobs first: (4, 5) crosses to the timers


def test_pages_and_counts_are_the_old_algorithms(app, fake_states):
    world = _mixed_jobs()
    assert len(WAITS) == 3
    for where in _filters(world):
        assert engine_jobs.count_jobs(where, actor=None) == jobs_reference.count_jobs(where), where
        for sort_by in SORTS:
            for descending in (False, True):
                expected = _shown(jobs_reference.list_jobs(where, sort_by=sort_by, descending=descending,
                                                           limit=10_000))
                for first, limit in PAGES:
                    got = engine_jobs.list_jobs(where, actor=None, sort_by=sort_by, descending=descending,
                                                first=first, limit=limit)
                    assert _shown(got) == expected[first:first + limit], (where, sort_by, descending, first)


def test_the_mixed_set_has_every_kind(app, fake_states):
    """The comparison above is over what it says: retry waits with and without retries, failed jobs."""
    _mixed_jobs()
    everything = engine_jobs.list_jobs(JobFilter(), actor=None, limit=1000)
    assert len(everything) == 11 * 3 + 4 + 6
    assert sorted(j.retries for j in everything if j.failed and j.kind == "timer") == [0, 1, 2]
    assert [j.id.split("-")[0] for j in everything[:6]] == ["incident"] * 6
    assert sum(j.instance.status == "suspended" for j in everything) == 3 + 3 + 1 + 2  # timers, retry, failed


def _waiting_timers(count: int) -> None:
    """`count` timer events waiting, each on its own instance (rows inserted directly)."""
    version_id = make_instance(key="many").version_id
    due = utcnow() + timedelta(hours=1)
    rows = insert(ProcessInstance).returning(ProcessInstance.id, sort_by_parameter_order=True)
    ids = db.session.scalars(rows, [{"version_id": version_id, "status": "waiting"}] * count).all()
    db.session.execute(insert(EngineTimer), [
        {"instance_id": i, "element_id": "Wait", "task_uuid": f"t{n}", "due_at": due + timedelta(seconds=n)}
        for n, i in enumerate(ids)])
    db.session.commit()


@pytest.fixture
def loaded():
    """How many rows of each mapped class the session builds meanwhile."""
    seen: dict[str, int] = {}

    def note(target, _context) -> None:
        seen[type(target).__name__] = seen.get(type(target).__name__, 0) + 1

    for cls in (ProcessInstance, EngineTimer):
        event.listen(cls, "load", note)
    yield seen
    for cls in (ProcessInstance, EngineTimer):
        event.remove(cls, "load", note)


@pytest.mark.parametrize("sort_by", ["jobId", "jobDueDate", "processDefinitionKey"])
def test_a_page_of_ten_reads_ten_timers_not_all(app, fake_states, loaded, sort_by):
    _waiting_timers(300)
    db.session.expunge_all()
    page = engine_jobs.list_jobs(JobFilter(), actor=None, sort_by=sort_by, descending=True, limit=10)
    assert len(page) == 10
    assert loaded.get("EngineTimer", 0) == 10 and loaded.get("ProcessInstance", 0) <= 10, loaded
    loaded.clear()
    assert engine_jobs.count_jobs(JobFilter(), actor=None) == 300
    assert engine_jobs.count_jobs(JobFilter(timers=True), actor=None) == 300
    assert loaded == {}


def test_retry_waits_read_only_the_candidates_states(app, fake_states, loaded):
    _waiting_timers(300)
    instance = make_instance(key="many")
    _retry_wait(instance, utcnow(), 2)
    db.session.commit()
    db.session.expunge_all()
    [job] = engine_jobs.list_jobs(JobFilter(messages=True), actor=None, limit=10)
    assert job.retries == 2 and job.message.startswith("boom")
    assert loaded.get("EngineTimer", 0) <= 2 and loaded.get("ProcessInstance", 0) <= 2, loaded
    loaded.clear()
    page = engine_jobs.list_jobs(JobFilter(timers=True), actor=None, sort_by="jobRetries", limit=10)
    assert len(page) == 10 and not any(j.failed for j in page)
    assert loaded.get("EngineTimer", 0) <= 11 and loaded.get("ProcessInstance", 0) <= 11, loaded
