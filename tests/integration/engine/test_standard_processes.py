"""The shipped processes: installed once and active; "Process lead" and "Perform in stages"
end to end from records created through the API, decisions made in the inbox."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from crm.models import CrmTask
from engine.install import install_standard_processes
from engine.models import ProcessDefinition, ProcessVersion
from extensions import db
from tests.integration.engine.runtime_support import count, create_lead, drive, instances, only_instance


def _inbox(client) -> list[dict]:
    resp = client.get("/inbox")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["items"]


def _decide(client, name: str, data: dict) -> None:
    """Complete the single open inbox item called `name`, then let the engine run."""
    items = [i for i in _inbox(client) if i["name"] == name]
    assert len(items) == 1, [i["name"] for i in _inbox(client)]
    resp = client.post(f"/inbox/{items[0]['id']}/complete", {"data": data})
    assert resp.status_code == 200, resp.get_json()
    drive()


def test_install_is_idempotent_active_and_keeps_a_deactivation(api):
    assert sorted(install_standard_processes()) == ["perform_in_stages", "process_lead"]
    assert install_standard_processes() == []
    assert count(ProcessVersion) == 2
    items = {p["key"]: p for p in api.get("/processes").get_json()["items"]}
    assert items["process_lead"]["name"] == "Process lead" and items["process_lead"]["active"]
    assert items["perform_in_stages"]["name"] == "Perform in stages"
    assert items["process_lead"]["triggers"][0]["message"] == "lead.created"
    assert items["perform_in_stages"]["triggers"][0]["message"] == "deal.created"
    versions = db.session.scalars(select(ProcessVersion)).all()
    assert all(v.created_by_id is not None for v in versions)  # the system user

    api.post("/processes/process_lead/deactivate")
    assert install_standard_processes() == []  # a restart keeps the administrator's choice
    db.session.expire_all()
    lead_def = db.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == "process_lead"))
    assert lead_def.active is False


def test_process_lead_keep_then_convert(api, api_for, make_user):
    install_standard_processes()
    owner = make_user()
    as_owner = api_for(owner)
    lead = create_lead(api, "Acme order", responsible_id=owner.id, company_name="Acme Ltd",
                       last_name="Smith")
    drive()
    instance = only_instance(entity="lead")
    assert instance.status == "waiting"
    # one to-do per step: the inbox task, no CRM task beside it
    assert count(CrmTask) == 0

    (item,) = _inbox(as_owner)
    assert item["name"] == "Qualify lead" and item["record"]["id"] == lead["id"]
    decision = next(f for f in item["form"] if f["id"] == "decision")
    assert [o["id"] for o in decision["options"]] == ["convert", "keep", "junk"]

    _decide(as_owner, "Qualify lead", {"decision": "keep", "comment": "Call back next week"})
    assert api.get(f"/leads/{lead['id']}").get_json()["status"] == "IN_PROCESS"
    timeline = api.get(f"/leads/{lead['id']}/timeline").get_json()["items"]
    assert any("Call back next week" in str(e) for e in timeline)
    assert only_instance(entity="lead").status == "waiting"

    _decide(as_owner, "Qualify lead", {"decision": "convert"})
    assert api.get(f"/leads/{lead['id']}").get_json()["status"] == "CONVERTED"
    assert only_instance(entity="lead").status == "completed"
    deals = api.get("/deals").get_json()["items"]
    assert [d["lead_id"] for d in deals] == [lead["id"]]
    # the new deal starts "Perform in stages", one level deeper
    deal_instance = only_instance(entity="deal")
    assert deal_instance.status == "waiting" and deal_instance.depth == 1


def test_process_lead_junk(api, api_for, make_user):
    install_standard_processes()
    owner = make_user()
    lead = create_lead(api, "Spam", responsible_id=owner.id)
    drive()
    _decide(api_for(owner), "Qualify lead", {"decision": "junk"})
    assert api.get(f"/leads/{lead['id']}").get_json()["status"] == "JUNK"
    assert only_instance().status == "completed"


def _stage(api, deal_id: int) -> str:
    return api.get(f"/deals/{deal_id}").get_json()["stage"]


def test_perform_in_stages_lost_reopened_then_won_with_follow_up(api, api_for, make_user):
    install_standard_processes()
    owner = make_user()
    as_owner = api_for(owner)
    resp = api.post("/deals", {"title": "Fleet renewal", "responsible_id": owner.id})
    assert resp.status_code == 201
    deal = resp.get_json()
    drive()
    assert only_instance().status == "waiting"

    _decide(as_owner, "Review new deal", {"decision": "offer"})
    assert _stage(api, deal["id"]) == "PROPOSAL"
    _decide(as_owner, "Send offer", {"decision": "lose"})
    assert _stage(api, deal["id"]) == "LOST"
    _decide(as_owner, "Deal lost", {"decision": "reopen"})
    assert _stage(api, deal["id"]) == "PROPOSAL"
    _decide(as_owner, "Send offer", {"decision": "invoice"})
    assert _stage(api, deal["id"]) == "NEGOTIATION"
    _decide(as_owner, "Send invoice", {"decision": "won"})
    assert _stage(api, deal["id"]) == "WON"
    assert only_instance().status == "completed"
    assert _inbox(as_owner) == []

    follow_up = db.session.scalar(select(CrmTask).where(CrmTask.title.like("Follow up%")))
    assert follow_up.title == "Follow up with the customer: Fleet renewal"
    assert follow_up.responsible_id == owner.id
    assert timedelta(days=360) < follow_up.deadline - datetime.now() < timedelta(days=370)
    assert len(instances()) == 1  # the process's own stage changes started nothing


def test_perform_in_stages_closed_as_lost(api, api_for, make_user):
    install_standard_processes()
    owner = make_user()
    as_owner = api_for(owner)
    deal = api.post("/deals", {"title": "Small", "responsible_id": owner.id}).get_json()
    drive()
    _decide(as_owner, "Review new deal", {"decision": "lose"})
    _decide(as_owner, "Deal lost", {"decision": "close"})
    assert _stage(api, deal["id"]) == "LOST"
    assert only_instance().status == "completed"
