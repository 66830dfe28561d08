"""CRM tasks through /api/v1/tasks: about one or many records, lists by role, timelines."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.events import OutboxEvent
from crm.models import CrmTask, TaskLink, TaskObserver
from extensions import db


@pytest.fixture
def people(make_user):
    return {
        "boss": make_user(first_name="Bea", last_name="Boss"),
        "watcher": make_user(first_name="Will", last_name="Watcher"),
        "stranger": make_user(first_name="Sam", last_name="Stranger"),
    }


def _timeline(api, plural: str, record_id: int) -> list[dict]:
    return api.get(f"/{plural}/{record_id}/timeline").json["items"]


def test_task_about_one_record(api, api_for, admin, people):
    lead = api.post("/leads", {"title": "Acme lead"}).json
    r = api.post(
        "/tasks",
        {
            "title": "Call Acme",
            "description": "Ask about the budget",
            "deadline": "2026-05-01T17:00:00+02:00",
            "responsible_id": people["boss"].id,
            "observer_ids": [people["watcher"].id],
            "links": [{"entity": "lead", "id": lead["id"]}],
        },
    )
    assert r.status_code == 201, r.json
    task = r.json
    assert task["status"] == "open" and task["deadline"] == "2026-05-01T15:00:00Z"
    assert task["responsible_id"] == people["boss"].id and task["observer_ids"] == [people["watcher"].id]
    assert task["links"] == [{"entity": "lead", "id": lead["id"], "title": "Acme lead"}]
    assert task["created_by_id"] == admin.id and task["completed_at"] is None
    assert api.get(f"/tasks/{task['id']}").json == task
    entry = _timeline(api, "leads", lead["id"])[0]
    assert entry["kind"] == "task" and entry["data"]["task_id"] == task["id"]
    assert entry["summary"] == "Task created: Call Acme" and entry["body"] == "Ask about the budget"


def test_task_shows_in_the_responsibles_and_observers_lists(api, api_for, admin, people):
    lead = api.post("/leads", {"title": "L"}).json
    link = [{"entity": "lead", "id": lead["id"]}]
    mine = api.post(
        "/tasks",
        {
            "title": "Boss task",
            "responsible_id": people["boss"].id,
            "observer_ids": [people["watcher"].id],
            "links": link,
        },
    ).json
    api.post("/tasks", {"title": "Admin's own task", "links": link})

    def listed(user, query: str = "") -> list[str]:
        r = api_for(user).get(f"/tasks?{query}")
        assert r.status_code == 200, r.json
        return [t["title"] for t in r.json["items"]]

    assert listed(people["boss"], "role=responsible") == ["Boss task"]
    assert listed(people["watcher"], "role=observer") == ["Boss task"]
    assert listed(people["watcher"], "role=responsible") == []
    assert listed(people["stranger"], "role=observer") == []
    assert listed(people["boss"]) == ["Boss task"]  # everything the boss may read
    assert listed(admin, "role=created") == ["Admin's own task", "Boss task"]  # newest first
    assert api_for(people["boss"]).get(f"/tasks/{mine['id']}").status_code == 200


def test_one_task_about_many_selected_records(api):
    contacts = [api.post("/contacts", {"last_name": f"C{i}"}).json for i in range(3)]
    company = api.post("/companies", {"title": "Acme"}).json
    links = [{"entity": "contacts", "id": c["id"]} for c in contacts] + [
        {"entity": "company", "id": company["id"]}
    ]
    r = api.post("/tasks", {"title": "Call these people", "links": links})
    assert r.status_code == 201, r.json
    task = r.json
    assert [(x["entity"], x["id"]) for x in task["links"]] == [("contact", c["id"]) for c in contacts] + [
        ("company", company["id"])
    ]
    for c in contacts:
        assert _timeline(api, "contacts", c["id"])[0]["data"]["task_id"] == task["id"]
        r = api.get(f"/tasks?entity=contact&record_id={c['id']}")
        assert [t["id"] for t in r.json["items"]] == [task["id"]]
    assert _timeline(api, "companies", company["id"])[0]["kind"] == "task"
    assert db.session.scalar(select(func.count(CrmTask.id))) == 1


def test_one_task_per_selected_record_in_one_go(api):
    contacts = [api.post("/contacts", {"last_name": f"C{i}"}).json for i in range(3)]
    r = api.post(
        "/tasks",
        {
            "title": "Send the offer",
            "per_record": True,
            "deadline": "2026-06-01",
            "links": [{"entity": "contact", "id": c["id"]} for c in contacts],
        },
    )
    assert r.status_code == 201, r.json
    tasks = r.json["items"]
    assert len(tasks) == 3 and {t["deadline"] for t in tasks} == {"2026-06-01T00:00:00Z"}
    assert [t["links"][0]["id"] for t in tasks] == [c["id"] for c in contacts]
    assert all(len(t["links"]) == 1 for t in tasks)
    for c, t in zip(contacts, tasks, strict=True):
        assert _timeline(api, "contacts", c["id"])[0]["data"]["task_id"] == t["id"]
    events = db.session.scalars(select(OutboxEvent).where(OutboxEvent.type == "task.created")).all()
    assert sorted(e.entity_id for e in events) == sorted(t["id"] for t in tasks)


def test_bulk_creation_is_all_or_nothing(api):
    contact = api.post("/contacts", {"last_name": "C"}).json
    links = [{"entity": "contact", "id": contact["id"]}, {"entity": "deal", "id": 424242}]
    for per_record in (True, False):
        r = api.post("/tasks", {"title": "x", "per_record": per_record, "links": links})
        assert r.status_code == 422 and "deal 424242" in r.json["fields"]["links"]
    assert db.session.scalar(select(func.count(CrmTask.id))) == 0
    assert db.session.scalar(select(func.count(TaskLink.id))) == 0
    assert db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.entity == "task")) == 0
    assert [e["kind"] for e in _timeline(api, "contacts", contact["id"])] == ["created"]
    r = api.post("/tasks", {"title": "x", "per_record": True, "links": []})
    assert r.status_code == 422 and "links" in r.json["fields"]


def test_complete_and_reopen(api, api_for, people):
    deal = api.post("/deals", {"title": "D"}).json
    lead = api.post("/leads", {"title": "L"}).json
    task = api.post(
        "/tasks",
        {
            "title": "Offer",
            "responsible_id": people["boss"].id,
            "links": [{"entity": "deal", "id": deal["id"]}, {"entity": "lead", "id": lead["id"]}],
        },
    ).json
    r = api_for(people["boss"]).patch(f"/tasks/{task['id']}", {"status": "done"})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "done" and r.json["completed_at"].endswith("Z")
    for plural, record in (("deals", deal), ("leads", lead)):
        top = _timeline(api, plural, record["id"])[0]
        assert (top["kind"], top["summary"], top["data"]["status"]) == (
            "task",
            "Task completed: Offer",
            "done",
        )
        assert top["actor"]["id"] == people["boss"].id
    assert [t["id"] for t in api.get("/tasks?status=done").json["items"]] == [task["id"]]
    assert api.get("/tasks?status=open").json["items"] == []
    r = api.patch(f"/tasks/{task['id']}", {"status": "open"})
    assert r.json["status"] == "open" and r.json["completed_at"] is None
    assert _timeline(api, "deals", deal["id"])[0]["summary"] == "Task reopened: Offer"
    changes = [
        e.changes
        for e in db.session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "task.updated").order_by(OutboxEvent.id)
        )
    ]
    assert changes == [{"status": ["open", "done"]}, {"status": ["done", "open"]}]


def test_update_fields_and_observers(api, people):
    task = api.post("/tasks", {"title": "T", "observer_ids": [people["watcher"].id]}).json
    r = api.patch(
        f"/tasks/{task['id']}",
        {
            "title": "T2",
            "deadline": None,
            "description": "more",
            "observer_ids": [people["stranger"].id, people["boss"].id],
        },
    )
    assert r.status_code == 200, r.json
    assert r.json["observer_ids"] == [people["stranger"].id, people["boss"].id]
    assert db.session.scalar(select(func.count(TaskObserver.id))) == 2
    event = db.session.scalars(select(OutboxEvent).where(OutboxEvent.type == "task.updated")).one()
    assert event.changes == {
        "title": ["T", "T2"],
        "description": ["", "more"],
        "observer_ids": [[people["watcher"].id], [people["stranger"].id, people["boss"].id]],
    }
    assert api.patch(f"/tasks/{task['id']}", {"title": "T2"}).status_code == 200
    assert (
        db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.type == "task.updated")) == 1
    )


def test_delete_task(api):
    lead = api.post("/leads", {"title": "L"}).json
    task = api.post("/tasks", {"title": "T", "links": [{"entity": "lead", "id": lead["id"]}]}).json
    assert api.delete(f"/tasks/{task['id']}").status_code == 204
    assert api.get(f"/tasks/{task['id']}").status_code == 404
    assert api.delete(f"/tasks/{task['id']}").status_code == 404
    assert db.session.scalar(select(func.count(TaskLink.id))) == 0
    assert _timeline(api, "leads", lead["id"])[0]["summary"] == "Task deleted: T"
    event = db.session.scalars(select(OutboxEvent).where(OutboxEvent.type == "task.deleted")).one()
    assert event.entity_id == task["id"] and event.changes["title"] == ["T", None]


def test_deleting_a_record_unlinks_its_tasks(api):
    a = api.post("/leads", {"title": "A"}).json
    b = api.post("/leads", {"title": "B"}).json
    task = api.post(
        "/tasks",
        {"title": "T", "links": [{"entity": "lead", "id": a["id"]}, {"entity": "lead", "id": b["id"]}]},
    ).json
    api.delete(f"/leads/{a['id']}")
    assert api.get(f"/tasks/{task['id']}").json["links"] == [{"entity": "lead", "id": b["id"], "title": "B"}]


@pytest.mark.parametrize(
    "body, fields",
    [
        ({}, {"title"}),
        ({"title": " "}, {"title"}),
        ({"title": "x", "deadline": "next week"}, {"deadline"}),
        ({"title": "x", "deadline": 5}, {"deadline"}),
        ({"title": "x", "deadline": "9999-12-31T23:59:59-05:00"}, {"deadline"}),
        ({"title": "x", "status": "waiting"}, {"status"}),
        (
            {"title": "x", "responsible_id": 999999, "observer_ids": [999998]},
            {"responsible_id", "observer_ids"},
        ),
        ({"title": "x", "observer_ids": "everyone"}, {"observer_ids"}),
        ({"title": "x", "links": [{"entity": "ticket", "id": 1}]}, {"links"}),
        ({"title": "x", "links": [{"entity": "lead"}]}, {"links"}),
        ({"title": "x", "links": {"entity": "lead", "id": 1}}, {"links"}),
        ({"title": "x", "links": [{"entity": "lead", "id": 999999}]}, {"links"}),
        ({"title": "x", "per_record": "yes", "colour": "red"}, {"per_record", "colour"}),
    ],
)
def test_bad_task_input_names_the_fields(api, body, fields):
    r = api.post("/tasks", body)
    assert r.status_code == 422, r.json
    assert set(r.json["fields"]) == fields


def test_bad_updates_and_filters(api):
    task = api.post("/tasks", {"title": "T"}).json
    r = api.patch(f"/tasks/{task['id']}", {"links": [], "status": "closed"})
    assert r.status_code == 422 and set(r.json["fields"]) == {"links", "status"}
    assert api.patch("/tasks/999999", {"title": "x"}).status_code == 404
    for query, field in (
        ("role=boss", "role"),
        ("status=later", "status"),
        ("entity=ticket&record_id=1", "entity"),
        ("entity=lead&record_id=x", "record_id"),
        ("sort=colour", "sort"),
        ("colour=red", "colour"),
        ("cursor=bad", "cursor"),
    ):
        r = api.get(f"/tasks?{query}")
        assert r.status_code == 422 and field in r.json["fields"], (query, r.json)


def test_task_lists_page_without_gaps(api):
    deadlines = ["2026-03-01", None, "2026-01-01", "2026-03-01", None, "2026-02-01T12:00:00Z", "2026-01-01"]
    for i, deadline in enumerate(deadlines):
        api.post("/tasks", {"title": f"task {i % 3}", "deadline": deadline})
    for sort in ("deadline", "-deadline", "title", "-id", "created_at", "status"):
        everything = [t["id"] for t in api.get(f"/tasks?sort={sort}&limit=200").json["items"]]
        seen, cursor = [], None
        while True:
            r = api.get(f"/tasks?sort={sort}&limit=2" + (f"&cursor={cursor}" if cursor else ""))
            assert r.status_code == 200, r.json
            seen += [t["id"] for t in r.json["items"]]
            cursor = r.json["next"]
            if cursor is None:
                break
        assert seen == everything and len(set(seen)) == len(deadlines), sort
    by_deadline = api.get("/tasks?sort=deadline&limit=200").json["items"]
    assert [t["deadline"] for t in by_deadline][-2:] == [None, None]  # no deadline sorts last
    assert api.get("/tasks?q=TASK 1").json["items"][0]["title"] == "task 1"


def test_linked_records_must_be_readable(api, api_for, people):
    lead = api.post("/leads", {"title": "Admin's lead"}).json  # a manager may not read it
    stranger = api_for(people["stranger"])
    r = stranger.post("/tasks", {"title": "Peek", "links": [{"entity": "lead", "id": lead["id"]}]})
    assert r.status_code == 422 and r.json["fields"]["links"] == f"No lead {lead['id']}"
    own = stranger.post("/leads", {"title": "Mine"}).json
    r = stranger.post("/tasks", {"title": "Call", "links": [{"entity": "lead", "id": own["id"]}]})
    assert r.status_code == 201, r.json
    task = api.post(
        "/tasks",
        {
            "title": "For the boss",
            "responsible_id": people["boss"].id,
            "links": [{"entity": "lead", "id": lead["id"]}],
        },
    ).json
    seen_by_boss = api_for(people["boss"]).get(f"/tasks/{task['id']}").json
    assert seen_by_boss["links"] == [
        {"entity": "lead", "id": lead["id"], "title": None}
    ]  # no peeking at titles
    assert api_for(people["stranger"]).get(f"/tasks/{task['id']}").status_code == 404
