"""Leads, contacts, companies and deals through /api/v1: CRUD, filters, paging, timeline."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from crm.models import RecordEmail, StatusValue
from extensions import db

# (collection, a full create payload, a change)
CASES = {
    "leads": (
        {
            "title": "Big order",
            "first_name": "Ann",
            "last_name": "Lee",
            "company_name": "Acme",
            "emails": ["Ann@Acme.COM"],
            "phones": ["+49 30 1234567"],
            "status": "IN_PROCESS",
            "source": "web",
            "amount": "1500.50",
            "currency": "eur",
            "comments": "Called twice",
        },
        {"title": "Bigger order", "amount": 2000},
    ),
    "contacts": (
        {
            "first_name": "Bob",
            "last_name": "Stone",
            "emails": ["bob@example.com"],
            "phones": ["030 555"],
            "position": "CTO",
        },
        {"position": "CEO"},
    ),
    "companies": (
        {"title": "Acme GmbH", "emails": ["info@acme.com"], "phones": [], "industry": "Steel"},
        {"industry": "Metal"},
    ),
    "deals": (
        {"title": "Acme rollout", "stage": "PROPOSAL", "amount": 99.99, "currency": "USD"},
        {"stage": "NEGOTIATION"},
    ),
}


@pytest.mark.parametrize("plural", list(CASES))
def test_crud_of_every_record_type(api, admin, plural):
    payload, change = CASES[plural]
    r = api.post(f"/{plural}", payload)
    assert r.status_code == 201, r.json
    record = r.json
    assert record["id"] > 0 and record["responsible_id"] == admin.id and record["created_by_id"] == admin.id
    assert record["created_at"].endswith("Z") and record["updated_at"]
    got = api.get(f"/{plural}/{record['id']}").json
    assert got == record
    r = api.patch(f"/{plural}/{record['id']}", change)
    assert r.status_code == 200, r.json
    for key, value in change.items():
        assert r.json[key] == value
    listed = api.get(f"/{plural}").json
    assert [i["id"] for i in listed["items"]] == [record["id"]] and listed["next"] is None
    assert api.delete(f"/{plural}/{record['id']}").status_code == 204
    assert api.get(f"/{plural}/{record['id']}").status_code == 404
    assert api.patch(f"/{plural}/{record['id']}", change).status_code == 404
    assert api.delete(f"/{plural}/{record['id']}").status_code == 404


def test_lead_fields_are_cleaned(api):
    lead = api.post("/leads", CASES["leads"][0]).json
    assert lead["currency"] == "EUR" and lead["amount"] == 1500.5 and lead["status"] == "IN_PROCESS"
    assert lead["emails"] == ["ann@acme.com"] and lead["phones"] == ["+49 30 1234567"]
    assert lead["display_title"] == "Big order"


def test_references_between_records(api):
    company = api.post("/companies", {"title": "Acme"}).json
    contact = api.post("/contacts", {"last_name": "Stone", "company_id": company["id"]}).json
    deal = api.post("/deals", {"title": "D", "contact_id": contact["id"], "company_id": company["id"]}).json
    assert contact["company_id"] == company["id"]
    assert (deal["contact_id"], deal["company_id"]) == (contact["id"], company["id"])
    r = api.post("/deals", {"title": "D", "contact_id": 999999, "responsible_id": 999999})
    assert r.status_code == 422 and set(r.json["fields"]) == {"contact_id", "responsible_id"}


def test_emails_are_normalised_and_stored_in_one_table(api):
    r = api.post(
        "/contacts", {"last_name": "Stone", "emails": ["  Bob@Example.COM ", "bob@example.com", "X@Y.org"]}
    )
    contact = r.json
    assert contact["emails"] == ["bob@example.com", "x@y.org"]
    company = api.post("/companies", {"title": "Acme", "emails": "Info@ACME.com; sales@acme.com"}).json
    assert company["emails"] == ["info@acme.com", "sales@acme.com"]

    def stored() -> set:
        return set(db.session.execute(select(RecordEmail.entity, RecordEmail.record_id, RecordEmail.email)))

    assert stored() == {
        ("contact", contact["id"], "bob@example.com"),
        ("contact", contact["id"], "x@y.org"),
        ("company", company["id"], "info@acme.com"),
        ("company", company["id"], "sales@acme.com"),
    }
    api.patch(f"/contacts/{contact['id']}", {"emails": ["NEW@example.com"]})
    api.delete(f"/companies/{company['id']}")
    assert stored() == {("contact", contact["id"], "new@example.com")}


def test_deal_is_closed_exactly_in_won_and_lost(api):
    deal = api.post("/deals", {"title": "D", "stage": "won"}).json
    assert deal["stage"] == "WON" and deal["closed"] is True
    assert api.patch(f"/deals/{deal['id']}", {"stage": "NEGOTIATION"}).json["closed"] is False
    assert api.patch(f"/deals/{deal['id']}", {"stage": "LOST"}).json["closed"] is True
    assert api.post("/deals", {"title": "E"}).json["closed"] is False
    changes = api.get(f"/deals/{deal['id']}/timeline").json["items"][0]["data"]["changes"]
    assert changes == {"stage": ["NEGOTIATION", "LOST"], "closed": [False, True]}


@pytest.fixture
def extra_statuses(app):
    """Status values added as data; crm_status survives the per-test wipe, so remove them after."""
    rows = [
        StatusValue(entity="lead", code="ON_HOLD", name="On hold", sort=25, semantic="open"),
        StatusValue(entity="deal", code="SIGNED", name="Signed", sort=35, semantic="won"),
    ]
    db.session.add_all(rows)
    db.session.commit()
    yield rows
    db.session.execute(delete(StatusValue).where(StatusValue.code.in_(["ON_HOLD", "SIGNED"])))
    db.session.commit()


def test_status_lists_are_data(api, extra_statuses):
    lead = api.post("/leads", {"title": "L", "status": "on_hold"})
    assert lead.status_code == 201 and lead.json["status"] == "ON_HOLD"
    deal = api.post("/deals", {"title": "D", "stage": "SIGNED"}).json
    assert deal["closed"] is True  # the semantic, not the code, decides
    r = api.post("/leads", {"title": "L", "status": "PAUSED"})
    assert r.status_code == 422 and "ON_HOLD" in r.json["fields"]["status"]


def test_list_filters(api, make_user):
    other = make_user()
    a = api.post("/leads", {"title": "Alpha deal", "status": "NEW", "emails": ["ann@acme.com"]}).json
    b = api.post("/leads", {"title": "Beta", "status": "JUNK", "responsible_id": other.id}).json
    c = api.post("/leads", {"title": "Gamma ALPHA", "status": "IN_PROCESS", "emails": ["x@y.org"]}).json

    def ids(query: str) -> list[int]:
        r = api.get(f"/leads?{query}")
        assert r.status_code == 200, r.json
        return sorted(i["id"] for i in r.json["items"])

    assert ids("status=JUNK") == [b["id"]]
    assert ids("status=new,in_process") == [a["id"], c["id"]]
    assert ids(f"responsible_id={other.id}") == [b["id"]]
    assert ids("email=ANN@acme.com") == [a["id"]]
    assert ids("q=alpha") == [a["id"], c["id"]]
    assert ids("q=alpha&status=NEW") == [a["id"]]
    assert ids("q=nothing") == []
    r = api.get("/leads?responsible_id=abc&comments=x")
    assert r.status_code == 422 and set(r.json["fields"]) == {"responsible_id", "comments"}


def _leads_for_paging(api) -> list[dict]:
    rows = [
        ("delta", 10),
        ("alpha", None),
        ("charlie", 5),
        ("alpha", 7),
        ("bravo", None),
        ("echo", 10),
        ("alpha", 1),
        ("foxtrot", 3),
        ("bravo", 10),
        ("golf", None),
        ("hotel", 2),
    ]
    return [api.post("/leads", {"title": t, "amount": a}).json for t, a in rows]


def _walk(api, query: str, limit: int) -> list[int]:
    seen, cursor, pages = [], None, 0
    while True:
        url = f"/leads?{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        r = api.get(url)
        assert r.status_code == 200, r.json
        assert len(r.json["items"]) <= limit
        seen += [i["id"] for i in r.json["items"]]
        cursor, pages = r.json["next"], pages + 1
        if cursor is None:
            return seen
        assert pages < 50


@pytest.mark.parametrize(
    "sort",
    [
        "-id",
        "id",
        "title",
        "-title",
        "amount",
        "-amount",
        "created_at",
        "-updated_at",
        "status",
        "responsible_id",
    ],
)
def test_keyset_pagination_visits_every_row_once(api, sort):
    leads = _leads_for_paging(api)
    everything = [i["id"] for i in api.get(f"/leads?sort={sort}&limit=200").json["items"]]
    assert sorted(everything) == sorted(lead["id"] for lead in leads)
    for limit in (1, 3, 4):
        assert _walk(api, f"sort={sort}", limit) == everything


def test_sort_order_is_value_then_id(api):
    leads = _leads_for_paging(api)
    by_title = sorted(leads, key=lambda r: (r["title"], r["id"]))
    assert _walk(api, "sort=title", 3) == [r["id"] for r in by_title]
    by_amount = sorted(leads, key=lambda r: (r["amount"] if r["amount"] is not None else -1e15, r["id"]))
    assert _walk(api, "sort=-amount", 2) == [r["id"] for r in reversed(by_amount)]


def test_pagination_combines_with_filters(api):
    for i in range(7):
        api.post("/leads", {"title": f"lead {i}", "status": "JUNK" if i % 2 else "NEW"})
    junk = _walk(api, "status=JUNK&sort=title", 2)
    assert len(junk) == 3 and len(set(junk)) == 3


@pytest.mark.parametrize(
    "query, field",
    [
        ("cursor=nonsense", "cursor"),
        ("cursor=WyJ4IiwgMV0", "cursor"),  # ["x", 1] for an id sort
        ("sort=title&cursor=WzEsICJ4Il0", "cursor"),  # [1, "x"]
        ("sort=created_at&cursor=WyJub3QgYSBkYXRlIiwgMV0", "cursor"),
        ("sort=comments", "sort"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("limit=x", "limit"),
    ],
)
def test_bad_paging_arguments_are_422(api, query, field):
    api.post("/leads", {"title": "x"})
    r = api.get(f"/leads?{query}")
    assert r.status_code == 422 and field in r.json["fields"], r.json


def test_timeline_newest_first_with_changes_who_and_when(api, api_for, admin, make_user):
    lead = api.post("/leads", {"title": "T", "amount": 10}).json
    api.patch(f"/leads/{lead['id']}", {"title": "T2", "amount": "12.5"})
    colleague = make_user(admin=True, first_name="Carl", last_name="Colleague")
    api_for(colleague).patch(f"/leads/{lead['id']}", {"status": "PROCESSED"})
    api.patch(f"/leads/{lead['id']}", {"title": "T2"})  # no change: no entry
    r = api.post(f"/leads/{lead['id']}/comments", {"text": "Called, will buy"})
    assert r.status_code == 201 and r.json["kind"] == "comment"
    items = api.get(f"/leads/{lead['id']}/timeline").json["items"]
    assert [e["kind"] for e in items] == ["comment", "changed", "changed", "created"]
    comment, status_change, first_change, created = items
    assert comment["body"] == "Called, will buy" and comment["actor"] == {"id": admin.id, "name": "Ada Admin"}
    assert status_change["data"]["changes"] == {"status": ["NEW", "PROCESSED"]}
    assert status_change["actor"] == {"id": colleague.id, "name": "Carl Colleague"}
    assert first_change["data"]["changes"] == {"title": ["T", "T2"], "amount": [10.0, 12.5]}
    assert created["summary"] == "Lead created"
    times = [e["created_at"] for e in items]
    assert times == sorted(times, reverse=True) and all(t.endswith("Z") for t in times)
    assert [e["id"] for e in items] == sorted((e["id"] for e in items), reverse=True)
    older = api.get(f"/leads/{lead['id']}/timeline?before={status_change['id']}").json["items"]
    assert [e["id"] for e in older] == [first_change["id"], created["id"]]


def test_empty_comment_is_refused(api):
    lead = api.post("/leads", {"title": "T"}).json
    r = api.post(f"/leads/{lead['id']}/comments", {"text": "  "})
    assert r.status_code == 422 and "text" in r.json["fields"]


@pytest.mark.parametrize(
    "plural, body, fields",
    [
        ("leads", {}, {"title"}),
        ("leads", {"title": "  "}, {"title"}),
        ("leads", {"title": "x", "nope": 1}, {"nope"}),
        (
            "leads",
            {"title": "x", "amount": "lots", "currency": "euro", "phones": ["call me"]},
            {"amount", "currency", "phones"},
        ),
        ("leads", {"title": "x" * 256}, {"title"}),
        ("leads", {"title": ["x"], "emails": 5}, {"title", "emails"}),
        ("contacts", {"first_name": "Ann"}, {"last_name"}),
        ("companies", {"title": "x", "responsible_id": "me"}, {"responsible_id"}),
        ("deals", {"title": "x", "stage": "DONE", "amount": 1e20}, {"stage", "amount"}),
    ],
)
def test_bad_input_names_the_fields(api, plural, body, fields):
    r = api.post(f"/{plural}", body)
    assert r.status_code == 422, r.json
    assert set(r.json["fields"]) == fields and r.json["error"]


def test_non_json_bodies_are_4xx(api):
    for body in ("not json", "[1, 2]"):
        r = api.client.post(
            "/api/v1/leads", data=body, content_type="application/json", headers=api._headers()
        )
        assert 400 <= r.status_code < 500 and "error" in r.json
    lead = api.post("/leads", {"title": "x"}).json
    r = api.client.patch(f"/api/v1/leads/{lead['id']}", data="x", headers=api._headers())
    assert 400 <= r.status_code < 500


def test_tokens_are_required(client, api):
    assert client.get("/api/v1/leads").status_code == 401
    r = client.get("/api/v1/leads", headers={"Authorization": "Bearer fd_wrong"})
    assert r.status_code == 401 and r.json["error"]
    r = client.post("/api/v1/auth/token", json={"email": "admin@example.com", "password": "Quiet-bay-42"})
    assert r.status_code == 201
    assert (
        client.get("/api/v1/leads", headers={"Authorization": f"Bearer {r.json['token']}"}).status_code == 200
    )
    r = client.post("/api/v1/auth/token", json={"email": "admin@example.com", "password": "wrong-password"})
    assert r.status_code == 401
    r = client.post("/api/v1/auth/token", json={"email": "admin@example.com"})
    assert r.status_code == 422 and "password" in r.json["fields"]


HUGE = 9_999_999_999  # beyond an INTEGER id: PostgreSQL refuses to even compare it


@pytest.mark.parametrize(
    "method, path, body, status",
    [
        ("GET", f"/leads/{HUGE}", None, 404),
        ("GET", f"/leads/{HUGE * 10**10}/timeline", None, 404),
        ("PATCH", f"/tasks/{HUGE}", {"title": "x"}, 404),
        ("GET", f"/users/{HUGE}", None, 404),
        ("DELETE", f"/departments/{HUGE}", None, 404),
        ("GET", f"/leads?responsible_id={HUGE}", None, 422),
        ("GET", f"/tasks?entity=lead&record_id={HUGE}", None, 422),
        ("POST", "/deals", {"title": "x", "contact_id": HUGE, "company_id": str(HUGE)}, 422),
        (
            "POST",
            "/tasks",
            {"title": "x", "observer_ids": [HUGE], "links": [{"entity": "lead", "id": HUGE}]},
            422,
        ),
        ("POST", "/departments", {"name": "x", "parent_id": HUGE}, 422),
        ("PATCH", "/users/1", {"department_ids": [HUGE]}, 422),
    ],
)
def test_out_of_range_ids_are_4xx_never_500(api, method, path, body, status):
    r = api.call(method, path, json=body)
    assert r.status_code == status, r.data
    assert r.json["error"]


def test_out_of_range_cursor_and_before(api):
    lead = api.post("/leads", {"title": "x"}).json
    assert api.get(f"/leads/{lead['id']}/timeline?before={HUGE}").status_code == 200
    import base64
    import json

    cursor = base64.urlsafe_b64encode(json.dumps([HUGE, HUGE]).encode()).decode()
    assert api.get(f"/leads?cursor={cursor}").status_code == 422


def test_paging_back_with_prev_and_totals_through_rights(api, api_for, make_user):
    leads = _leads_for_paging(api)
    forward = _walk(api, "sort=title", 3)
    pages, url = [], "/leads?sort=title&limit=3&with_total=true"
    while url:  # forward, keeping every page's `prev`
        body = api.get(url).json
        pages.append(body)
        url = f"/leads?sort=title&limit=3&cursor={body['next']}" if body["next"] else None
    assert pages[0]["prev"] is None and pages[0]["total"] == len(leads) and pages[0]["total_exact"]
    back, before = [], pages[-1]["prev"]
    while before:  # backward from the last page to the first
        body = api.get(f"/leads?sort=title&limit=3&before={before}").json
        back = [i["id"] for i in body["items"]] + back
        before = body["prev"]
    assert back + [i["id"] for i in pages[-1]["items"]] == forward
    user = make_user()  # the default role reads only its own leads: the total counts those
    api.post("/leads", {"title": "theirs own", "responsible_id": user.id})
    mine = api_for(user).get("/leads?with_total=1").json
    assert mine["total"] == 1 and [i["title"] for i in mine["items"]] == ["theirs own"]
    assert api.get("/leads?with_total=maybe").json["fields"] == {"with_total": "true or false"}
