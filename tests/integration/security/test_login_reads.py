"""What every logged-in request reads: the login in one query, read afresh each request (a revoked
token, a dismissed user or a changed 2FA policy counts on the very next request), and a new
record written without the rewrites only an update needs."""
from __future__ import annotations

import logging
import re

from sqlalchemy import update

from crm.models import Lead
from extensions import db
from org.models import ApiToken, DepartmentMember, User, utcnow
from org.services.departments import create_department
from org.settings import SECURITY, SiteSetting
from tests.integration.portal.helpers import login
from tests.support.statements import statements


def _elsewhere(stmt) -> None:
    """A change committed as another process would make it (a plain UPDATE, nothing in memory)."""
    db.session.execute(stmt.execution_options(synchronize_session=False))
    db.session.commit()
    db.session.expire_all()


def test_a_revoked_token_fails_on_the_next_request(api, admin):
    assert api.get("/me").status_code == 200
    _elsewhere(update(ApiToken).where(ApiToken.user_id == admin.id).values(revoked_at=utcnow()))
    assert api.get("/me").status_code == 401


def test_a_dismissed_user_fails_on_the_next_request_with_a_token_or_a_session(api, client, admin):
    web = client.application.test_client()
    login(web, admin)
    assert api.get("/me").status_code == 200 and web.get("/leads").status_code == 200
    _elsewhere(update(User).where(User.id == admin.id).values(active=False))
    assert api.get("/me").status_code == 401
    assert web.get("/leads").status_code == 302  # back to the login page


def test_the_2fa_policy_counts_on_the_next_request(api, admin):
    assert api.get("/settings/security").status_code == 200  # admin mode on, no 2FA needed yet
    db.session.add(SiteSetting(name=SECURITY, data={"require_2fa_for_admins": True}))
    db.session.commit()
    refused = api.get("/settings/security")
    assert refused.status_code == 403 and "two-factor" in refused.json["error"]
    _elsewhere(update(SiteSetting).where(SiteSetting.name == SECURITY).values(
        data={"require_2fa_for_admins": False}))
    assert api.get("/settings/security").status_code == 200


def test_creating_a_record_reads_the_login_once_and_rewrites_nothing(api):
    api.post("/leads", {"title": "Warm-up"})
    with statements() as seen:
        r = api.post("/leads", {"title": "Ada's lead", "emails": ["ada@example.com"], "status": "NEW"})
    assert r.status_code == 201 and r.json["emails"] == ["ada@example.com"]
    reads = [s for s in seen if s.startswith("SELECT")]
    assert [s for s in reads if "FROM user_account" in s or "FROM api_token" in s] == reads[:1]
    assert not [s for s in reads if "site_setting" in s and "api_token" not in s]
    assert not [s for s in reads if "record_email" in s]  # the answer's e-mails are those written
    assert not [s for s in seen if s.startswith(("DELETE", "UPDATE"))], seen  # nothing to replace yet
    assert api.patch(f"/leads/{r.json['id']}", {"status": "IN_PROCESS"}).status_code == 200
    history = db.session.execute(db.text(
        "SELECT to_status, left_at FROM stage_history WHERE entity = 'lead' AND record_id = :id "
        "ORDER BY id"), {"id": r.json["id"]}).all()
    assert [(s, left is None) for s, left in history] == [("NEW", False), ("IN_PROCESS", True)]


def test_a_new_record_takes_its_creators_primary_department(api, admin):
    first = create_department("First", actor=None)
    second = create_department("Second", actor=None)
    db.session.add_all([DepartmentMember(user_id=admin.id, department_id=first.id, is_primary=False),
                        DepartmentMember(user_id=admin.id, department_id=second.id, is_primary=True)])
    db.session.commit()
    r = api.post("/leads", {"title": "Mine"})
    assert r.status_code == 201
    assert db.session.get(Lead, r.json["id"]).dept_path == second.path


def test_the_request_log_names_the_token_user(api, admin, caplog):
    with caplog.at_level(logging.INFO, logger="flowdesk.request"):
        assert api.get("/me").status_code == 200
    lines = [r for r in caplog.records if r.name == "flowdesk.request"]
    assert lines and lines[-1].user_id == admin.id


def test_the_request_log_names_who_logged_in_and_reads_nothing_for_it(client, admin, caplog):
    with caplog.at_level(logging.INFO, logger="flowdesk.request"):
        login(client, admin)
        with statements() as seen:
            assert client.get("/leads").status_code == 200
    lines = [r for r in caplog.records if r.name == "flowdesk.request"]
    assert [r.user_id for r in lines[-2:]] == [admin.id, admin.id]
    by_id = [s for s in seen if "site_setting" not in s and re.search(
        r"FROM user_account WHERE user_account.id = (\?|%\(\w+\)s)$", s)]
    assert by_id == []  # the user is read once, with the 2FA setting, by the login


def test_a_page_reads_the_company_time_zone_with_the_login(api, client, admin):
    """The company document (the time zone dates show in) comes with the session's user."""
    assert api.post("/leads", {"title": "Dated lead"}).status_code == 201
    login(client, admin)
    with statements() as seen:
        page = client.get("/leads")
    assert page.status_code == 200 and "Dated lead" in page.get_data(as_text=True)
    assert not [s for s in seen if s.startswith("SELECT site_setting")], seen
