"""The relay's cached active versions (engine/trigger_versions.py): revalidated by every claim, so
a change made by another process (the web uploading, deactivating, editing triggers) is seen by
the next event, never a stale list."""
from __future__ import annotations

from sqlalchemy import event as sa_event
from sqlalchemy import inspect, select

from engine import trigger_versions
from engine.models import ProcessVersion
from extensions import db
from tests.integration.engine.diagrams import review_lead
from tests.integration.engine.runtime_support import create_lead, deploy, drive, instances


def _elsewhere(app, api, method: str, path: str, body: object = None) -> None:
    """A request in its own app context: its own session and connection, as the web process."""
    db.session.rollback()  # this "worker" holds no transaction while the other one writes
    with app.app_context():
        resp = getattr(api, method)(path, body) if body is not None else getattr(api, method)(path)
        assert resp.status_code < 300, resp.get_json()


def _started_on(lead: dict) -> list[int]:
    """The version numbers of the instances started on this lead."""
    return [i.version_id for i in instances(entity="lead", entity_id=lead["id"])]


def test_cached_versions_follow_changes_made_by_another_session(app, api):
    trigger_versions.forget()
    deploy(api, review_lead())
    first = create_lead(api, "one")
    drive()
    (v1,) = _started_on(first)

    _elsewhere(app, api, "post", "/processes/lead_review/deactivate")
    off = create_lead(api, "while off")
    drive()
    assert _started_on(off) == []  # the cached list (with v1) is not used

    _elsewhere(app, api, "post", "/processes/lead_review/activate")  # the first fingerprint again
    back = create_lead(api, "back on")
    drive()
    assert _started_on(back) == [v1]

    db.session.rollback()
    with app.app_context():
        deploy(api, review_lead(name="Second"))  # a new version of the same process
    second = create_lead(api, "two")
    drive()
    (v2,) = _started_on(second)
    assert v2 != v1

    _elsewhere(app, api, "put", "/processes/lead_review/triggers",
               {"triggers": [{"element_id": "StartEvent_1", "condition": "record.amount > 100"}]})
    small = create_lead(api, "small", amount=5)
    drive()
    assert _started_on(small) == []  # the edited condition holds, not the cached trigger


def test_unchanged_versions_are_read_once(app, api):
    trigger_versions.forget()
    deploy(api, review_lead())
    create_lead(api, "one")
    drive()
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    create_lead(api, "two")
    sa_event.listen(db.engine, "before_cursor_execute", note)
    try:
        drive()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", note)
    assert len(instances()) == 2
    # process_version appears only in the claim (its fingerprint) and the step's own reads
    assert not [s for s in seen if s.lstrip().startswith("SELECT process_version.id, process_version.number")]


def test_a_cached_version_loads_as_its_stored_row(app, api):
    deploy(api, review_lead())
    (row,) = db.session.execute(trigger_versions._load_query()).all()
    db.session.expunge_all()
    version = trigger_versions.CachedVersion(row).as_loaded()
    columns = {c.key: c for c in ProcessVersion.__mapper__.column_attrs}
    # every column but the two deferred ones is set from the cache, none is left to load
    assert inspect(version).unloaded & columns.keys() == {"bpmn", "spec_blob"}
    stored = db.session.execute(select(ProcessVersion.__table__).where(ProcessVersion.id == version.id)).one()
    keys = [key for key, column in columns.items() if not column.deferred]
    assert {key: getattr(version, key) for key in keys} == {key: stored._mapping[key] for key in keys}
    assert version.bpmn == stored.bpmn  # the deferred ones load when read
