"""Possible duplicates (by e-mail, phone in any format, company name without legal form) and
merging records: nothing pointing at the merged records is lost, rights are checked on each."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from calendars.models import CalendarEvent
from crm.models import DedupeKey, TaskLink, TimelineEntry
from engine.models import HumanTask, ProcessInstance
from extensions import db
from mail.models import MailLink, MailMessage
from tests.support.access_world import assign, make_person
from tests.support.engine_rows import make_instance


def _count(model, ids, entity="contact", id_col="record_id", entity_col="entity") -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(
        getattr(model, entity_col) == entity, getattr(model, id_col).in_(ids)))


def _mail_link(contact_id: int, n: int) -> None:
    mail = MailMessage(status="logged", subject=f"Hello {n}", dedup_key=f"merge-{contact_id}-{n}")
    db.session.add(mail)
    db.session.flush()
    db.session.add(MailLink(mail_id=mail.id, entity="contact", record_id=contact_id))
    db.session.commit()


def _decorate(api, cid: int, company: int, n: int) -> None:
    """A comment, a task, a file, a deal, a mail link, a calendar event and a process on a contact."""
    assert api.post(f"/contacts/{cid}/comments", {"text": f"note {n}"}).status_code == 201
    task = {"title": f"Call {n}", "links": [{"entity": "contact", "id": cid}]}
    assert api.post("/tasks", task).status_code == 201
    r = api.post(f"/contacts/{cid}/attachments", data={"file": (io.BytesIO(b"scan"), f"scan{n}.txt")},
                 content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    deal = {"title": f"Deal {n}", "contact_id": cid, "company_id": company}
    assert api.post("/deals", deal).status_code == 201
    _mail_link(cid, n)
    instance = make_instance("contact", cid)
    db.session.add(HumanTask(instance_id=instance.id, task_uuid=f"t-{cid}", element_id="review",
                             entity="contact", entity_id=cid))
    db.session.commit()


def _totals(ids: list[int]) -> dict:
    from crm.models import Deal

    return {"timeline": _count(TimelineEntry, ids), "tasks": _count(TaskLink, ids),
            "mail": _count(MailLink, ids), "instances": _count(ProcessInstance, ids, id_col="entity_id"),
            "inbox": _count(HumanTask, ids, id_col="entity_id"),
            "files": db.session.scalar(select(func.count()).select_from(TimelineEntry).where(
                TimelineEntry.entity == "contact", TimelineEntry.record_id.in_(ids),
                TimelineEntry.kind == "file")),
            "deals": db.session.scalar(select(func.count(Deal.id)).where(Deal.contact_id.in_(ids))),
            "events": _count(CalendarEvent, ids, id_col="crm_record_id", entity_col="crm_entity")}


def test_phone_formats_and_legal_forms_find_duplicates_and_a_merge_loses_nothing(api):
    company = api.post("/companies", {"title": "Acme GmbH", "phones": ["+49 30 1234567"]}).json
    # Duplicates before saving: another spelling of the company, the phone written nationally.
    found = api.get("/companies/duplicates?title=ACME%20g.m.b.h.").json["items"]
    assert [c["id"] for c in found] == [company["id"]] and found[0]["matched"] == ["name"]
    found = api.get("/companies/duplicates?phone=030%2F123%204567&title=Other%20Ltd").json["items"]
    assert [(c["id"], c["matched"]) for c in found] == [(company["id"], ["phone"])]
    assert api.get("/companies/duplicates?title=Acme%20Steel%20Inc").json["items"] == []
    ids = [api.post("/contacts", {"last_name": "Lee", "first_name": f"Ann{n}", "emails": [f"ann{n}@x.org"],
                                  "phones": [phone]}).json["id"]
           for n, phone in enumerate(["+49 (30) 555-1234", "030 5551234", "0049 30 5551234"])]
    survivor, others = ids[0], ids[1:]
    dupes = api.get(f"/contacts/{survivor}/duplicates").json["items"]
    assert sorted(d["id"] for d in dupes) == others
    groups = api.get("/contacts/duplicate-groups").json["items"]
    assert {"kind": "phone", "key": "+49305551234"} in [{k: g[k] for k in ("kind", "key")} for g in groups]
    for n, cid in enumerate(ids):
        _decorate(api, cid, company["id"], n)
    before = _totals(ids)
    r = api.post("/contacts/merge", {"survivor_id": survivor, "ids": others,
                                     "fields": {"first_name": others[1]}})
    assert r.status_code == 200, r.json
    assert r.json["record"]["first_name"] == "Ann2"
    assert r.json["record"]["emails"] == ["ann0@x.org", "ann1@x.org", "ann2@x.org"]
    after = _totals([survivor])
    # every row moved; the timeline gained the merge entry and the survivor's change entry
    assert after == {**before, "timeline": before["timeline"] + 2}
    assert after["deals"] == 3 and after["instances"] == 3 and after["mail"] == 3
    for cid in others:
        assert api.get(f"/contacts/{cid}").status_code == 404
    merged = api.get(f"/contacts/{survivor}/timeline").json["items"][0]
    assert merged["summary"] == f"Merged from #{others[0]}, #{others[1]}"
    assert _count(DedupeKey, others) == 0
    # the deals moved with their keys: a deal title is looked up with its company
    found = api.get(f"/deals/duplicates?title=deal%201&company_id={company['id']}").json["items"]
    assert [d["contact_id"] for d in found] == [survivor]
    assert api.get(f"/contacts/{survivor}/duplicates").json["items"] == []


def test_merge_needs_edit_on_all_and_delete_on_those_that_go(api, api_for):
    role = api.post("/roles", {"name": "Editor", "matrix": {
        "lead": {"read": "all", "edit": "all", "delete": "own", "add": "own"}}}).json
    me, other = make_person("merger", None), make_person("owner", None)
    assign(api, role["id"], user_id=me.id)
    mine = api.post("/leads", {"title": "Mine", "emails": ["x@acme.com"], "responsible_id": me.id}).json["id"]
    theirs = api.post("/leads", {"title": "Theirs", "emails": ["X@Acme.com "],
                                 "responsible_id": other.id}).json["id"]
    client = api_for(me)
    r = client.post("/leads/merge", {"survivor_id": mine, "ids": [theirs]})
    assert r.status_code == 403 and r.json["error"] == f"Missing right: delete lead #{theirs}"
    assert client.get(f"/leads/{theirs}").status_code == 200  # nothing happened
    assert client.post("/leads/merge", {"survivor_id": mine, "ids": [mine]}).status_code == 422
    r = client.post("/leads/merge", {"survivor_id": theirs, "ids": [mine], "fields": {"title": mine}})
    assert r.status_code == 200, r.json
    assert r.json["record"]["title"] == "Mine" and r.json["record"]["id"] == theirs
