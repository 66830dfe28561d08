"""Lead conversion: contact, company and deal pre-filled from the lead, linked, logged, once only."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.models import Company, Contact, Deal
from extensions import db

LEAD = {
    "title": "Website relaunch",
    "first_name": "Ann",
    "last_name": "Lee",
    "company_name": "Acme",
    "emails": ["Ann@Acme.com"],
    "phones": ["+49 30 1"],
    "amount": 5000,
    "currency": "EUR",
    "status": "IN_PROCESS",
}


def _counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count(m.id))) for m in (Contact, Company, Deal))


def test_convert_into_all_three(api, make_user):
    owner = make_user()
    lead = api.post("/leads", {**LEAD, "responsible_id": owner.id}).json
    r = api.post(f"/leads/{lead['id']}/convert", {"contact": True, "company": True, "deal": True})
    assert r.status_code == 200, r.json
    contact, company, deal = r.json["contact"], r.json["company"], r.json["deal"]
    assert (contact["first_name"], contact["last_name"], contact["emails"], contact["phones"]) == (
        "Ann",
        "Lee",
        ["ann@acme.com"],
        ["+49 30 1"],
    )
    assert company["title"] == "Acme" and company["phones"] == ["+49 30 1"]
    assert (deal["title"], deal["amount"], deal["currency"], deal["stage"]) == (
        "Website relaunch",
        5000.0,
        "EUR",
        "NEW",
    )
    assert {contact["responsible_id"], company["responsible_id"], deal["responsible_id"]} == {owner.id}
    # linked to each other and back to the lead, also when read again
    contact = api.get(f"/contacts/{contact['id']}").json
    deal = api.get(f"/deals/{deal['id']}").json
    assert contact["company_id"] == company["id"]
    assert (deal["contact_id"], deal["company_id"], deal["lead_id"]) == (
        contact["id"],
        company["id"],
        lead["id"],
    )
    assert (
        contact["lead_id"] == lead["id"]
        and api.get(f"/companies/{company['id']}").json["lead_id"] == lead["id"]
    )
    assert api.get(f"/leads/{lead['id']}").json["status"] == "CONVERTED"


def test_each_timeline_says_so(api):
    lead = api.post("/leads", LEAD).json
    made = api.post(f"/leads/{lead['id']}/convert", {"contact": True, "company": True, "deal": True}).json
    top = api.get(f"/leads/{lead['id']}/timeline").json["items"][0]
    assert top["kind"] == "converted"
    assert top["data"] == {k: made[k]["id"] for k in ("contact", "company", "deal")}
    for key in ("contact", "company", "deal"):
        assert f"{key} #{made[key]['id']}" in top["summary"]
        entries = api.get(
            f"/{'companies' if key == 'company' else key + 's'}/{made[key]['id']}/timeline"
        ).json
        kinds = {e["kind"]: e for e in entries["items"]}
        assert kinds["converted"]["summary"] == f"Created from lead #{lead['id']}"
        assert kinds["converted"]["data"]["lead_id"] == lead["id"]


def test_convert_only_some(api):
    lead = api.post("/leads", {"title": "Solo", "emails": ["x@y.org"]}).json
    r = api.post(f"/leads/{lead['id']}/convert", {"deal": True})
    assert r.status_code == 200
    assert r.json["contact"] is None and r.json["company"] is None
    assert r.json["deal"]["lead_id"] == lead["id"] and r.json["deal"]["contact_id"] is None
    lead2 = api.post("/leads", {"title": "Only a name"}).json
    made = api.post(f"/leads/{lead2['id']}/convert", {"contact": True, "company": True}).json
    assert made["company"]["title"] == "Only a name"  # no company name: the lead's title
    assert made["contact"]["last_name"] == "Only a name"


def test_converting_twice_is_refused_with_a_message(api):
    lead = api.post("/leads", LEAD).json
    assert api.post(f"/leads/{lead['id']}/convert", {"contact": True}).status_code == 200
    before = _counts()
    r = api.post(f"/leads/{lead['id']}/convert", {"contact": True, "deal": True})
    assert r.status_code == 409
    assert "already converted" in r.json["error"]
    assert _counts() == before


def test_bad_conversions(api):
    lead = api.post("/leads", LEAD).json
    r = api.post(f"/leads/{lead['id']}/convert", {})
    assert r.status_code == 422 and r.json["fields"]
    assert api.post("/leads/999999/convert", {"deal": True}).status_code == 404
    assert _counts() == (0, 0, 0)
    assert api.get(f"/leads/{lead['id']}").json["status"] == "IN_PROCESS"


def test_a_long_lead_title_still_converts(api):
    lead = api.post("/leads", {"title": "T" * 200}).json
    r = api.post(f"/leads/{lead['id']}/convert", {"contact": True, "company": True, "deal": True})
    assert r.status_code == 200, r.json
    assert r.json["contact"]["last_name"] == "T" * 100


def test_the_contact_is_named_after_the_person_not_the_lead(api):
    def contact_of(**fields: object) -> dict:
        lead = api.post("/leads", {"title": "Ben's lead: Initech", **fields}).json
        made = api.post(f"/leads/{lead['id']}/convert", {"contact": True, "company": True}).json
        return made["contact"]

    named = contact_of(first_name="Ben", last_name="Ortiz", company_name="Initech")
    assert (named["first_name"], named["last_name"]) == ("Ben", "Ortiz")
    from_mail = contact_of(emails=["ann.lee@initech.example"])
    assert (from_mail["first_name"], from_mail["last_name"]) == ("Ann", "Lee")
    assert contact_of()["last_name"] == "Ben's lead: Initech"  # nothing better to go on
