"""Dismiss and hire: sessions and tokens die at once, inbox tasks move on, nothing is deleted."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import engine.models  # noqa: F401  (tables known to the wipe)
from crm.services.records import create_record
from engine.inbox import sync_human_tasks
from engine.models import HumanTask, HumanTaskCandidate, InstanceEvent
from extensions import db
from org.models import ApiToken, User
from org.services.departments import create_department
from tests.integration.portal.helpers import admin_mode, login
from tests.support.engine_rows import make_instance


@pytest.fixture
def team(make_user):
    """Sales (head: Hanna) with a sub-team North (no head): Lars works there, Kim is in Sales."""
    sales = create_department("Sales", actor=None)
    north = create_department("North", actor=None, parent_id=sales.id)
    hanna = make_user("hanna@example.com", first_name="Hanna", last_name="Head", department_id=sales.id)
    sales.head_id = hanna.id
    db.session.commit()
    return {"sales": sales, "north": north, "hanna": hanna,
            "lars": make_user("lars@example.com", first_name="Lars", last_name="Leaving",
                              department_id=north.id),
            "kim": make_user("kim@example.com", first_name="Kim", last_name="Colleague",
                             department_id=sales.id)}


def _task(instance, n: int, **attrs) -> HumanTask:
    others = [{"task_uuid": r.task_uuid, "element_id": r.element_id} for r in db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.state == "open"))]
    task = {"task_uuid": f"uuid-{n}", "element_id": f"Task_{n}", "name": f"Task {n}", "form": [], **attrs}
    sync_human_tasks(instance, others + [task], {})
    db.session.commit()
    return db.session.scalar(select(HumanTask).where(HumanTask.task_uuid == f"uuid-{n}"))


def test_dismissal_ends_sessions_and_tokens_at_once(api, api_for, app, team):
    lars = team["lars"]
    browser = app.test_client()
    login(browser, lars)
    assert browser.get("/leads").status_code == 200
    lars_api = api_for(lars)
    assert lars_api.get("/me").status_code == 200

    r = api.post(f"/users/{lars.id}/dismiss")
    assert r.status_code == 200 and (r.json["state"], r.json["active"]) == ("dismissed", False)
    assert r.json["dismissed_at"]
    r = browser.get("/leads")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert lars_api.get("/me").status_code == 401
    assert browser.post("/login", data={"email": lars.email, "password": "Quiet-bay-42"}).status_code == 401
    r = app.test_client().post("/api/v1/auth/token", json={"email": lars.email, "password": "Quiet-bay-42"})
    assert r.status_code == 401
    assert db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == lars.id)) is not None


def test_open_tasks_go_back_to_candidates_or_to_the_department_head(api, admin, team):
    lars, kim, hanna = team["lars"], team["kim"], team["hanna"]
    lead = create_record("lead", {"title": "Kept", "responsible_id": lars.id}, actor=admin)
    instance = make_instance("lead", lead.id, on_behalf_of_id=admin.id)
    claimed = _task(instance, 1, candidate_users=f"{lars.email}, {kim.email}")
    db.session.get(HumanTask, claimed.id).assignee_id = lars.id  # Lars took it from the candidates
    db.session.commit()
    assigned = _task(instance, 2, assignee=lars.email)  # his alone
    candidate = _task(instance, 3, candidate_users=f"{lars.email}, {kim.email}")  # still unclaimed
    grouped = _task(instance, 4, candidate_groups="Sales", assignee=lars.email)

    assert api.post(f"/users/{lars.id}/dismiss").status_code == 200
    db.session.expire_all()
    assert db.session.get(HumanTask, claimed.id).assignee_id is None
    assert db.session.get(HumanTask, assigned.id).assignee_id == hanna.id  # head of Sales, above North
    assert db.session.get(HumanTask, grouped.id).assignee_id is None
    users = db.session.scalars(select(HumanTaskCandidate.user_id).where(
        HumanTaskCandidate.human_task_id == candidate.id)).all()
    assert users == [kim.id]
    log = {e.element_id: e.message for e in db.session.scalars(
        select(InstanceEvent).where(InstanceEvent.kind == "task_reassigned"))}
    assert log["Task_1"] == "Lars Leaving was dismissed: Task 1 went back to its candidates"
    assert log["Task_2"] == "Lars Leaving was dismissed: Task 2 went to the department head Hanna Head"
    assert set(log) == {"Task_1", "Task_2", "Task_4"}
    # Kim now sees the claimed task in the group inbox; Hanna has Lars's own task.
    # Everything Lars owns stays; new tasks never go to him.
    assert db.session.get(type(lead), lead.id).responsible_id == lars.id
    later = _task(instance, 5, assignee=lars.email)
    assert later.assignee_id != lars.id


def test_without_a_head_the_task_waits_for_administrators(api, admin, team):
    lars = team["lars"]
    team["sales"].head_id = None
    db.session.commit()
    instance = make_instance(on_behalf_of_id=admin.id)
    row = _task(instance, 1, assignee=lars.email)
    api.post(f"/users/{lars.id}/dismiss")
    db.session.expire_all()
    assert db.session.get(HumanTask, row.id).assignee_id is None
    event = db.session.scalar(select(InstanceEvent).where(InstanceEvent.kind == "task_reassigned"))
    assert "only administrators see it" in event.message
    assert [t["id"] for t in api.get("/inbox?scope=all").json["items"]] == [row.id]


def test_inactive_people_are_listed_and_hired_again(api, client, admin, team):
    lars = team["lars"]
    api.post(f"/users/{lars.id}/dismiss")
    assert [u["email"] for u in api.get("/users?state=dismissed").json["items"]] == [lars.email]
    assert lars.email not in {u["email"] for u in api.get("/users").json["items"]}
    login(client, admin)
    page = client.get("/company/employees?state=dismissed").get_data(as_text=True)
    assert f'data-person="{lars.email}"' in page and "data-hire" not in page  # Hire needs admin mode
    admin_mode(client)
    page = client.get("/company/employees?state=dismissed").get_data(as_text=True)
    assert f'data-hire="{lars.email}"' in page
    assert client.post(f"/company/employees/{lars.id}/hire").status_code == 302
    db.session.expire_all()
    user = db.session.get(User, lars.id)
    assert (user.state, user.dismissed_at) == ("active", None)
    assert client.post("/logout").status_code == 302
    login(client, user)  # the password still works


def test_dismiss_and_hire_refusals(api, member_api, plain_admin_api, team, smtp):
    lars = team["lars"]
    for someone, reason in ((member_api, "Administrator rights are required"),
                            (plain_admin_api, "Switch admin mode on")):
        for action in ("dismiss", "hire"):
            r = someone.post(f"/users/{lars.id}/{action}")
            assert r.status_code == 403 and r.json["error"].startswith(reason), r.json
    assert api.post(f"/users/{lars.id}/hire").status_code == 409  # already active
    assert api.post(f"/users/{lars.id}/dismiss").status_code == 200
    r = api.post(f"/users/{lars.id}/dismiss")
    assert r.status_code == 409 and "already dismissed" in r.json["error"]
    invited = api.post("/invitations", {"emails": ["newbie@example.com"]}).json["items"][0]
    r = api.post(f"/users/{invited['user_id']}/dismiss")
    assert r.status_code == 409 and "revoke the invitation" in r.json["error"]
    assert api.post(f"/users/{invited['user_id']}/hire").status_code == 409
    assert api.post("/users/999999/dismiss").status_code == 404


def test_dismissing_from_the_profile_page(client, admin, team):
    lars = team["lars"]
    login(client, admin)
    admin_mode(client)
    page = client.get(f"/company/employees/{lars.id}").get_data(as_text=True)
    assert "Hanna Head" in page  # the manager: the head above his team
    assert client.post(f"/company/employees/{lars.id}/dismiss").status_code == 302
    page = client.get(f"/company/employees/{lars.id}").get_data(as_text=True)
    assert 'id="person-state">Inactive' in page and 'id="hire"' in page
