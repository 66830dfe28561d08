"""A deleted record's id is never given to a new one (SQLite reuses max(rowid) + 1 unless the
table says AUTOINCREMENT): rows pointing at records by (entity, record_id) outlive them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from calendars.models import CalendarEvent
from crm.entities import REGISTRY, STATUS_FIELDS
from crm.models import StageHistory, TimelineEntry
from crm.services.records import delete_record
from crm.services.tasks import delete_task
from crm.services.timeline import add_entry
from drive.models import DriveItem
from engine.models import ProcessInstance
from extensions import db
from org.models import Department
from org.services.workgroups import create_workgroup, delete_workgroup
from org.workgroups import Workgroup
from transactions import unit_of_work

# Rows outliving them name these by id too (timeline entries, process variables, outbox events).
OTHER_MODELS = (DriveItem, CalendarEvent, ProcessInstance, Workgroup, Department)


def _create(name: str, admin: object) -> object:
    spec = REGISTRY[name]
    data = {f.name: f"Test {name}" for f in spec.fields if f.required}
    with unit_of_work():
        return spec.hook("create")(data, actor=admin)


def _delete(name: str, record_id: int, admin: object) -> None:
    with unit_of_work():
        if REGISTRY[name].record:
            delete_record(name, record_id, actor=admin)
        else:  # an entity with its own services (tasks)
            delete_task(record_id, actor=admin)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_a_new_record_never_inherits_a_deleted_ones_rows(app, admin, name):
    old_id = _create(name, admin).id
    with unit_of_work():
        add_entry(name, old_id, "comment", actor=admin, summary="the old record's secret")
        db.session.add(StageHistory(entity=name, record_id=old_id, to_status="OLD"))
    _delete(name, old_id, admin)

    new_id = _create(name, admin).id
    assert new_id != old_id
    summaries = db.session.scalars(select(TimelineEntry.summary).where(
        TimelineEntry.entity == name, TimelineEntry.record_id == new_id)).all()
    assert "the old record's secret" not in summaries
    stages = db.session.scalars(select(StageHistory.to_status).where(
        StageHistory.entity == name, StageHistory.record_id == new_id)).all()
    assert "OLD" not in stages


def test_a_new_workgroup_never_gets_a_deleted_ones_id(app, admin):
    """A deleted workgroup's drive (drive_kind "workgroup", drive_ref its id) stays."""
    with unit_of_work():
        old_id = create_workgroup({"name": "Old"}, actor=admin).id
    with unit_of_work():
        delete_workgroup(old_id, actor=admin)
    with unit_of_work():
        assert create_workgroup({"name": "New"}, actor=admin).id != old_id


def test_deleting_a_record_leaves_its_open_stage(app, admin):
    for name in STATUS_FIELDS:
        record_id = _create(name, admin).id
        _delete(name, record_id, admin)
        rows = db.session.scalars(select(StageHistory).where(
            StageHistory.entity == name, StageHistory.record_id == record_id)).all()
        assert rows and all(r.left_at is not None for r in rows), name  # kept, and closed


def test_tables_named_by_outliving_rows_say_autoincrement_on_sqlite(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL sequences never reuse an id")
    tables = [e.model.__table__.name for e in REGISTRY.values()] + [m.__table__.name for m in OTHER_MODELS]
    with db.engine.connect() as conn:
        sql = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all())
    assert [t for t in tables if "AUTOINCREMENT" not in sql[t]] == []
