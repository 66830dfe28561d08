"""Helpers for the runtime's integration tests: deploy, drive the engine, read rows."""
from __future__ import annotations

from sqlalchemy import func, select

from engine.models import HumanTask, InstanceEvent, ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import upload


def deploy(api, xml: bytes) -> dict:
    """Upload a diagram through the API; it must be accepted."""
    resp = upload(api, xml)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def drive() -> int:
    """Relay events and run instances and due timers until nothing moves (no worker in tests)."""
    from engine.runtime import run_pending

    return run_pending()


def instances(**filters: object) -> list[ProcessInstance]:
    db.session.expire_all()
    query = select(ProcessInstance).order_by(ProcessInstance.id)
    for name, value in filters.items():
        query = query.where(getattr(ProcessInstance, name) == value)
    return list(db.session.scalars(query))


def only_instance(**filters: object) -> ProcessInstance:
    found = instances(**filters)
    assert len(found) == 1, [(i.id, i.status, i.entity, i.entity_id) for i in found]
    return found[0]


def open_tasks(instance_id: int | None = None) -> list[HumanTask]:
    db.session.expire_all()
    query = select(HumanTask).where(HumanTask.state == "open").order_by(HumanTask.id)
    if instance_id is not None:
        query = query.where(HumanTask.instance_id == instance_id)
    return list(db.session.scalars(query))


def log_kinds(instance_id: int) -> list[str]:
    return list(db.session.scalars(select(InstanceEvent.kind).where(
        InstanceEvent.instance_id == instance_id).order_by(InstanceEvent.id)))


def count(model: type, *where: object) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def create_lead(api, title: str = "Acme order", **fields: object) -> dict:
    resp = api.post("/leads", {"title": title, **fields})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()
