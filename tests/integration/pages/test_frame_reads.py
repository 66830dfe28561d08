"""What every logged-in page pays for its frame (bench/pages.py, issue 19 part 3): the rights in one
statement (departments, workgroups, assignments and the roles' permissions were three), both
navigation badges in one (the inbox's counts and the mailbox's unread count were two), and a
record page of one's own reads no user row beyond the login's and its timeline once."""
from __future__ import annotations

import re

from extensions import db
from mail.models import Mailbox
from tests.support.access_world import assign, make_person
from tests.support.browser import session_client
from tests.support.statements import statements

RIGHTS_TABLES = ("role_assignment", "department_member", "workgroup_member", "role_permission")


def _seen(app, client, path: str) -> tuple[list[str], str]:
    from crm.rights import cache

    client.get(path)  # warm: first-request look-ups
    cache.clear()  # the rights as a request loads them (later ones reuse them: test_rights_epoch)
    with app.app_context(), statements() as seen:  # a fresh g, as every request has outside tests
        page = client.get(path)
    assert page.status_code == 200
    return seen, page.get_data(as_text=True)


def _team(api) -> tuple[object, object]:
    """A person in a sub-department whose parent holds a role with its sub-departments, who is
    also in a workgroup; the department."""
    from org.services.departments import create_department
    from org.services.workgroups import create_workgroup
    from transactions import unit_of_work

    with unit_of_work():
        sales = create_department("Sales", actor=None)
        team = create_department("Team", actor=None, parent_id=sales.id)
    person = make_person("frame", team.id)
    assign(api, "head_of_department", department_id=sales.id, include_subdepartments=True)
    with unit_of_work():
        create_workgroup({"name": "Fair"}, actor=person)
    return person, team


def test_a_page_reads_the_rights_in_one_statement_and_both_badges_in_another(app, api):
    from crm.services.records import create_record
    from transactions import unit_of_work

    person, _ = _team(api)
    with unit_of_work():
        create_record("lead", {"title": "Team lead"}, actor=person)
    db.session.add(Mailbox(key=f"user:{person.id}", kind="personal", user_id=person.id,
                           host="imap.example.com", username="frame", unread_count=3))
    db.session.commit()
    seen, html = _seen(app, session_client(app, person), "/leads")
    rights = [s for s in seen if any(t in s for t in RIGHTS_TABLES)]
    assert len(rights) == 1, rights  # was 3: departments, assignments (+ workgroups), permissions
    badges = [s for s in seen if "human_task" in s or "mailbox" in s]
    assert len(badges) == 1 and "mailbox" in badges[0], badges  # was 2
    assert re.search(r'id="mail-badge"[^>]*>3</span>', html)
    assert re.search(r'id="inbox-badge" class="[^"]*d-none[^"]*"[^>]*>0</span>', html)
    assert "Team lead" in html


def test_rights_read_together_still_take_each_route(app, api):
    """The one statement keeps the rules: a department role reaches a sub-department's member
    only with its sub-departments; the default role applies only to someone with no role."""
    from crm import access
    from crm.rights.matrix import load_rights

    person, _ = _team(api)
    rights = load_rights(person)
    assert [(g.role_name, g.via, g.via_name) for g in rights.grants] == [
        (g.role_name, "department", "Sales") for g in rights.grants] and len(rights.grants) == 1
    assert rights.departments[0][1] == "Team" and len(rights.workgroup_ids) == 1
    loner = make_person("loner", None)
    assert [g.via for g in load_rights(loner).grants] == ["default"]
    assert access.can(person, "lead", "read")


def test_an_own_record_page_reads_no_user_row_and_the_timeline_once(app, api):
    from crm.services.records import create_record
    from transactions import unit_of_work

    person, _ = _team(api)
    with unit_of_work():
        lead = create_record("lead", {"title": "My own lead"}, actor=person)
    seen, html = _seen(app, session_client(app, person), f"/leads/{lead.id}")
    users = [s for s in seen if "FROM user_account" in s]
    assert len(users) == 1 and "site_setting" in users[0], users  # the login's only
    assert len([s for s in seen if "FROM timeline_entry" in s]) == 1  # files come from it
    assert "My own lead" in html and "frame Tester" in html  # the responsible, from the login's row
