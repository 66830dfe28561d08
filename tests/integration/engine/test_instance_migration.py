"""Instance migration on the shipped "Process lead": version 2 renames the waiting user task;
without a mapping the migration is refused naming the element and the instances, a dry run
lists the moves, the batch moves the instances and they complete on version 2."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from engine.install import install_standard_processes
from engine.instance_migration import run_migration
from engine.models import HumanTask, ProcessVersion
from extensions import db
from org.audit import AuditEntry
from tests.integration.engine.runtime_support import create_lead, deploy, drive, instances, open_tasks

LEAD = (Path(__file__).resolve().parents[3] / "processes" / "process_lead.bpmn").read_bytes()
RENAMED = LEAD.replace(b'"Activity_Qualify"', b'"Activity_QualifyLead"').replace(
    b">Qualify lead<", b">Qualify the lead<").replace(b'name="Qualify lead"', b'name="Qualify the lead"')


def test_migrate_running_lead_instances_to_a_version_with_a_renamed_task(api, api_for, make_user):
    install_standard_processes()
    owner = make_user()
    for n in range(3):
        create_lead(api, f"Order {n}", responsible_id=owner.id, last_name="Smith", company_name=f"Co {n}")
    drive()
    ids = [i.id for i in instances(entity="lead")]
    assert len(ids) == 3 and {t.element_id for t in open_tasks()} == {"Activity_Qualify"}
    assert b"Activity_QualifyLead" in RENAMED and deploy(api, RENAMED)["version"] == 2
    url = "/processes/process_lead/migrations"

    refused = api.post(url, {"from_version": 1, "to_version": 2})
    assert refused.status_code == 422, refused.get_json()
    body = refused.get_json()
    assert "Activity_Qualify" in body["error"] and all(str(i) in body["error"] for i in ids)
    assert "mapping.Activity_Qualify" in body["fields"]
    unknown = api.post(url, {"from_version": 1, "to_version": 2, "mapping": {"Activity_Qualify": "Nope"}})
    assert unknown.status_code == 422 and "Nope" in str(unknown.get_json()["fields"])
    assert api.post(url, {"from_version": 1, "to_version": 9}).status_code == 422

    mapping = {"Activity_Qualify": "Activity_QualifyLead"}
    dry = api.post(url, {"from_version": 1, "to_version": 2, "mapping": mapping, "dry_run": True})
    assert dry.status_code == 202, dry.get_json()
    plan = dry.get_json()
    assert plan["state"] == "done" and plan["total"] == 3 and plan["migrated"] == 0
    assert all(p["moves"]["Activity_Qualify"] == "Activity_QualifyLead" for p in plan["plan"])
    assert {i.version.number for i in instances(entity="lead")} == {1}  # a dry run moves nothing

    resp = api.post(url, {"from_version": 1, "to_version": 2, "mapping": mapping, "instance_ids": ids[:2]})
    assert resp.status_code == 202, resp.get_json()
    migration_id = resp.get_json()["id"]
    assert api.get(f"{url}/{migration_id}").get_json()["state"] == "pending"
    assert run_migration(migration_id) == "done"
    assert run_migration(migration_id) == "done"  # idempotent: nothing moves twice
    status = api.get(f"{url}/{migration_id}").get_json()
    assert (status["state"], status["total"], status["migrated"], status["failed"]) == ("done", 2, 2, 0)
    assert status["errors"] == []
    drive()
    v2 = db.session.scalar(select(ProcessVersion).where(ProcessVersion.number == 2))
    moved = [i for i in instances(entity="lead") if i.id in ids[:2]]
    assert {i.version_id for i in moved} == {v2.id} and {i.status for i in moved} == {"waiting"}
    rows = [t for t in open_tasks() if t.instance_id in ids[:2]]
    assert {(t.element_id, t.name) for t in rows} == {("Activity_QualifyLead", "Qualify the lead")}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "process.migrate")) is not None

    # they go on and complete on version 2 (the inbox task, the gateway, the conversion)
    as_owner = api_for(owner)
    for row in rows:
        item = next(i for i in as_owner.get("/inbox").get_json()["items"] if i["id"] == row.id)
        done = as_owner.post(f"/inbox/{item['id']}/complete", {"data": {"decision": "convert"}})
        assert done.status_code == 200, done.get_json()
    drive()
    assert {i.status for i in instances(entity="lead") if i.id in ids[:2]} == {"completed"}
    assert db.session.scalar(select(HumanTask).where(HumanTask.instance_id == ids[2])).element_id == (
        "Activity_Qualify")  # not selected: still on version 1
