"""The rights statement sees what the transaction holds unflushed (the session's autoflush): a
statement run on the session's connection instead would have to flush by hand (README, tried)."""
from __future__ import annotations

from crm.rights.matrix import load_rights
from extensions import db
from org.models import Department, DepartmentMember


def test_a_membership_not_yet_flushed_counts(app, make_user):
    person = make_user("member@example.com")
    team = Department(name="Team", path="/")
    db.session.add(team)
    db.session.flush()
    db.session.add(DepartmentMember(user_id=person.id, department_id=team.id, is_primary=True))
    assert [name for _, name, _ in load_rights(person).departments] == ["Team"]
    db.session.rollback()


def test_without_autoflush_nothing_is_flushed(app, make_user):
    person = make_user("member@example.com")
    team = Department(name="Team", path="/")
    with db.session.no_autoflush:
        db.session.add(team)
        assert load_rights(person).departments == () and team in db.session.new
    db.session.rollback()
