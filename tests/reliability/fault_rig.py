"""Shared pieces of the fault tests: HTTP against a real server, and the census of the outcome.

The census is what every fault test proves at the end: each lead has exactly one process
instance, each instance waits with exactly one open inbox task, nothing is running or in
error. Nothing here asserts timing; the tests print durations.
"""
from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import Lead
from engine.models import HumanTask, ProcessInstance
from extensions import db
from tests.support.services import wait_until

SETTLE_DEADLINE = 300.0  # generous for a shared 2-core machine; the tests print the real time


@dataclass
class Answer:
    status: int
    headers: dict
    body: object
    seconds: float


def call(base: str, method: str, path: str, token: str, data: dict | None = None) -> Answer:
    """One JSON request; connection failures come back as status 0."""
    body = json.dumps(data).encode() if data is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            status, answer_headers, text = resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        try:
            status, answer_headers, text = exc.code, dict(exc.headers), exc.read()
        except (OSError, http.client.HTTPException) as cut:
            return Answer(0, {}, str(cut), time.monotonic() - started)
    except (OSError, http.client.HTTPException) as exc:  # refused, reset, or cut mid-answer by the kill
        return Answer(0, {}, str(exc), time.monotonic() - started)
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = text.decode(errors="replace")
    return Answer(status, answer_headers, parsed, time.monotonic() - started)


def create_lead(base: str, token: str, title: str, attempts: int = 1) -> Answer:
    """POST a lead; with `attempts`, a 503 is retried after its Retry-After (as a client should)."""
    for _ in range(attempts - 1):
        answer = call(base, "POST", "/api/v1/leads", token, {"title": title})
        if answer.status != 503:
            return answer
        time.sleep(min(2.0, float(answer.headers.get("Retry-After", 1))))
    return call(base, "POST", "/api/v1/leads", token, {"title": title})


@dataclass
class Census:
    leads: int = 0
    instances_per_lead: Counter = field(default_factory=Counter)  # n instances -> leads
    statuses: Counter = field(default_factory=Counter)
    open_tasks_per_instance: Counter = field(default_factory=Counter)  # n open tasks -> instances

    @property
    def settled(self) -> bool:
        """One instance per lead, all waiting, each with exactly one open task."""
        return (self.leads > 0 and self.instances_per_lead == Counter({1: self.leads})
                and self.statuses == Counter({"waiting": self.leads})
                and self.open_tasks_per_instance == Counter({1: self.leads}))

    def line(self) -> str:
        return (f"leads={self.leads} instances_per_lead={dict(self.instances_per_lead)} "
                f"statuses={dict(self.statuses)} "
                f"open_tasks_per_instance={dict(self.open_tasks_per_instance)}")


def census(session: Session | None = None) -> Census:
    """Count leads, their instances and the instances' open tasks (a fresh snapshot)."""
    session = session or db.session
    session.rollback()
    result = Census(leads=session.scalar(select(func.count()).select_from(Lead)))
    per_lead = dict(session.execute(
        select(ProcessInstance.entity_id, func.count()).where(ProcessInstance.entity == "lead")
        .group_by(ProcessInstance.entity_id)).all())
    lead_ids = session.scalars(select(Lead.id)).all()
    result.instances_per_lead = Counter(per_lead.get(lead_id, 0) for lead_id in lead_ids)
    instances = session.execute(select(ProcessInstance.id, ProcessInstance.status)).all()
    result.statuses = Counter(status for _id, status in instances)
    open_counts = dict(session.execute(
        select(HumanTask.instance_id, func.count()).where(HumanTask.state == "open")
        .group_by(HumanTask.instance_id)).all())
    result.open_tasks_per_instance = Counter(open_counts.get(i, 0) for i, _status in instances)
    return result


def wait_settled(what: str, deadline: float = SETTLE_DEADLINE, session: Session | None = None) -> Census:
    """Wait until the census is settled; fail with the last census if it never is."""
    started = time.monotonic()
    last: list[Census] = []

    def check() -> Census | None:
        last[:] = [census(session)]
        return last[0] if last[0].settled else None

    try:
        found = wait_until(check, deadline, 0.5, what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last census: {last[0].line() if last else 'none'}") from None
    print(f"settled in {time.monotonic() - started:.1f} s: {found.line()}")
    return found
