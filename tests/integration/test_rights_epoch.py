"""Rights kept across requests (crm.rights.cache) under the rights epoch (org.rights_epoch): every
change of a table the rights are read from moves the epoch (database triggers, any writer), a
user whose rights did not change reads none, and one whose rights changed sees it on the very
next request."""
from __future__ import annotations

import re
from dataclasses import FrozenInstanceError

import pytest
from sqlalchemy import Table, delete, insert, text, update
from sqlalchemy.sql import visitors

from crm import access
from crm.rights.matrix import _rights_statement
from crm.rights.models import Role, RoleAssignment, RolePermission
from extensions import db
from org.models import Department, DepartmentMember, User
from org.rights_epoch import RIGHTS_TABLES, note_epoch
from org.workgroups import Workgroup, WorkgroupMember
from tests.support.access_world import assign, make_person
from tests.support.browser import session_client
from tests.support.statements import statements

# how crm.rights.matrix's one statement starts, after the CTE of the departments above the user's
RIGHTS_READ = re.compile(r"(WITH RECURSIVE dept_up\b.*?\) )?SELECT 'd' AS kind")


def _epoch() -> int:
    """The committed epoch, as another process would read it."""
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT value FROM rights_epoch WHERE id = 1")).scalar_one()


def _rights_reads(seen: list[str]) -> int:
    return sum(bool(RIGHTS_READ.match(s)) for s in seen)


def _ids(client) -> set[int]:
    r = client.get("/leads?limit=100")
    assert r.status_code == 200, r.json
    return {item["id"] for item in r.json["items"]}


def _committed(stmt) -> object:
    with db.engine.begin() as conn:
        return conn.execute(stmt)


# ---- the triggers ---------------------------------------------------------------------------

def test_the_rights_tables_are_those_the_rights_statement_reads(app):
    read = {el.name for full in (False, True) for el in visitors.iterate(_rights_statement(full))
            if isinstance(el, Table)}
    assert read - {"rights_epoch"} == set(RIGHTS_TABLES)  # the statement reads the epoch too


def _triggers(table: str) -> list[str]:
    if db.engine.dialect.name == "postgresql":
        sql = ("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
               "AND tgrelid = CAST(:t AS regclass) AND tgname LIKE 'rights_epoch%' ORDER BY tgname")
    else:
        sql = ("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t "
               "AND name LIKE 'rights_epoch%' ORDER BY name")
    with db.engine.connect() as conn:
        return list(conn.execute(text(sql), {"t": table}).scalars())


def _rows(make_user) -> dict[str, tuple[Table, dict, dict]]:
    """Per rights table: the table, a row to insert and a change to make to it."""
    user = make_user()
    dep = _committed(insert(Department.__table__).values(name="Base", path="/")).inserted_primary_key[0]
    group = _committed(insert(Workgroup.__table__).values(name="Base")).inserted_primary_key[0]
    role = _committed(insert(Role.__table__).values(name="Base")).inserted_primary_key[0]
    return {
        "department": (Department.__table__, {"name": "Epoch", "path": "/"}, {"name": "Epoch 2"}),
        "department_member": (DepartmentMember.__table__, {"user_id": user.id, "department_id": dep},
                              {"is_primary": False}),
        "workgroup": (Workgroup.__table__, {"name": "Epoch"}, {"name": "Epoch 2"}),
        "workgroup_member": (WorkgroupMember.__table__, {"workgroup_id": group, "user_id": user.id},
                             {"is_moderator": True}),
        "role": (Role.__table__, {"name": "Epoch"}, {"name": "Epoch 2"}),
        "role_assignment": (RoleAssignment.__table__, {"role_id": role, "user_id": user.id},
                            {"include_subdepartments": True}),
        "role_permission": (RolePermission.__table__, {"role_id": role, "entity": "lead", "action": "read",
                                                       "status": "NEW", "level": "all"}, {"level": "own"}),
    }


@pytest.mark.parametrize("table", RIGHTS_TABLES)
def test_an_insert_an_update_and_a_delete_each_move_the_epoch(app, make_user, table):
    assert _triggers(table)  # a migration recreating the table (SQLite) must create them again
    model, row, change = _rows(make_user)[table]
    before = _epoch()
    row_id = _committed(insert(model).values(**row)).inserted_primary_key[0]
    inserted = _epoch()
    _committed(update(model).where(model.c.id == row_id).values(**change))
    updated = _epoch()
    _committed(delete(model).where(model.c.id == row_id))
    assert before < inserted < updated < _epoch()


def test_a_cascaded_delete_moves_the_epoch(app, make_user):
    """Deleting a user (not a rights table) deletes their memberships through the foreign key."""
    person = make_user()
    dep = _committed(insert(Department.__table__).values(name="Team", path="/")).inserted_primary_key[0]
    _committed(insert(DepartmentMember.__table__).values(user_id=person.id, department_id=dep))
    db.session.rollback()
    before = _epoch()
    _committed(delete(User.__table__).where(User.id == person.id))
    assert _epoch() > before


def test_a_truncate_moves_the_epoch_on_postgresql(app, make_user):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (a DELETE without WHERE runs the row triggers)")
    _rows(make_user)
    db.session.rollback()
    before = _epoch()
    _committed(text("TRUNCATE workgroup_member"))
    assert _epoch() > before


def test_the_new_epoch_is_seen_by_others_only_with_the_commit(app):
    before = _epoch()
    with db.engine.connect() as conn:
        conn.execute(insert(Role.__table__).values(name="Pending"))
        assert _epoch() == before  # a process reading now still loads the old rights: still true
        conn.commit()
    assert _epoch() > before


# ---- through the API: the very next request ------------------------------------------------

def test_a_revoked_permission_counts_on_the_very_next_request(api, api_for):
    leads = {api.post("/leads", {"title": f"Lead {n}"}).json["id"] for n in range(2)}
    role = api.post("/roles", {"name": "Reader", "matrix": {"lead": {"read": "all"}}}).json["id"]
    reader = make_person("reader", None)
    assign(api, role, user_id=reader.id)
    me = api_for(reader)
    assert _ids(me) == leads
    with statements() as seen:
        assert _ids(me) == leads
    assert _rights_reads(seen) == 0  # nothing changed: the rights kept from the request before
    assert api.patch(f"/roles/{role}", {"matrix": {"lead": {"read": "none"}}}).status_code == 200
    with statements() as seen:
        assert _ids(me) == set()
    assert _rights_reads(seen) == 1


def test_a_department_membership_removed_counts_on_the_very_next_request(api, api_for):
    team = api.post("/departments", {"name": "Team"}).json["id"]
    role = api.post("/roles", {"name": "Team reader", "matrix": {"lead": {"read": "department"}}}).json["id"]
    reader, colleague = make_person("reader", team), make_person("colleague", team)
    assign(api, role, user_id=reader.id)
    lead = api.post("/leads", {"title": "Theirs", "responsible_id": colleague.id}).json["id"]
    me = api_for(reader)
    assert _ids(me) == {lead}
    with statements() as seen:
        assert _ids(me) == {lead}
    assert _rights_reads(seen) == 0
    assert api.patch(f"/users/{reader.id}", {"department_ids": []}).status_code == 200
    assert _ids(me) == set()


def test_an_assignment_deleted_by_another_process_counts_on_the_very_next_request(api, api_for):
    """Raw SQL on a connection of its own, as a script or another server would: the trigger moves
    the epoch, no application code runs."""
    lead = api.post("/leads", {"title": "Someone's"}).json["id"]
    reader = make_person("reader", None)
    assign(api, "chief_executive", user_id=reader.id)
    me = api_for(reader)
    assert _ids(me) == {lead}
    assert _ids(me) == {lead}
    _committed(delete(RoleAssignment.__table__).where(RoleAssignment.user_id == reader.id))
    assert _ids(me) == set()  # back to the default role: own leads only


def test_pages_of_a_logged_in_user_read_the_rights_once_until_they_change(app, api):
    person = make_person("browser", None)
    web = session_client(app, person)
    assert web.get("/leads").status_code == 200
    with statements() as seen:
        assert web.get("/leads").status_code == 200
    assert _rights_reads(seen) == 0
    assign(api, "chief_executive", user_id=person.id)
    with statements() as seen:
        assert web.get("/leads").status_code == 200
    assert _rights_reads(seen) == 1


def test_an_administrator_in_admin_mode_reads_the_rights_once(api):
    """The bench's caller (bench.profile_step): full rights still read departments and workgroups."""
    api.get("/leads")
    with statements() as seen:
        assert api.post("/leads", {"title": "Kept"}).status_code == 201
    assert _rights_reads(seen) == 0


def test_users_of_one_role_share_its_cells(api, api_for):
    """Kept rights hold one copy of a role's cells per epoch, not one per user."""
    from crm.rights import cache

    users = [make_person(name, None) for name in ("one", "two")]
    cache.clear()
    for user in users:
        api_for(user).get("/leads")
    kept = list(cache._kept.values())
    assert len(kept) == 2 and [len(r.grants) for r in kept] == [1, 1]
    assert kept[0].grants[0].cells is kept[1].grants[0].cells


# ---- within one request ---------------------------------------------------------------------

def _team_names(person: User) -> list[str]:
    return [name for _, name, _ in access.rights_of(person).departments]


def _team(make_user) -> tuple[User, int]:
    person = make_user()
    team = _committed(insert(Department.__table__).values(name="Team", path="/")).inserted_primary_key[0]
    return person, team


def test_forget_mid_request_reads_the_transaction_and_keeps_nothing(app, make_user):
    person, team = _team(make_user)
    epoch = _epoch()
    with app.test_request_context():
        note_epoch(epoch)
        assert _team_names(person) == []  # kept under this epoch
    with app.test_request_context():
        note_epoch(epoch)
        with statements() as seen:
            assert _team_names(person) == []
        assert _rights_reads(seen) == 0
        db.session.execute(insert(DepartmentMember.__table__).values(user_id=person.id, department_id=team))
        access.forget()  # as crm.rights.services does after a change
        assert _team_names(person) == ["Team"]  # from the uncommitted transaction
        db.session.rollback()
    with app.test_request_context():
        note_epoch(epoch)  # the same epoch: the change was rolled back
        with statements() as seen:
            assert _team_names(person) == []  # the uncommitted rights were not kept
        assert _rights_reads(seen) == 0


def test_rights_read_after_an_uncommitted_raw_write_are_never_kept(app, make_user):
    """No forget(), no ORM: the statement sees the transaction's own bump and keeps nothing."""
    person, team = _team(make_user)
    epoch = _epoch()
    with app.test_request_context():
        note_epoch(epoch)
        db.session.execute(insert(DepartmentMember.__table__).values(user_id=person.id, department_id=team))
        assert _team_names(person) == ["Team"]
        db.session.rollback()
    with app.test_request_context():
        note_epoch(epoch)
        assert _team_names(person) == []


@pytest.mark.parametrize("flushed", [False, True])
def test_a_rights_row_changed_in_the_request_is_seen_without_forget(app, make_user, flushed):
    """An ORM change of a rights table, flushed or still pending: the request's own state."""
    person, team = _team(make_user)
    epoch = _epoch()
    with app.test_request_context():
        note_epoch(epoch)
        assert _team_names(person) == []
    with app.test_request_context():
        note_epoch(epoch)
        db.session.add(DepartmentMember(user_id=person.id, department_id=team))
        if flushed:
            db.session.flush()
        assert _team_names(person) == ["Team"]
        db.session.rollback()


def test_without_an_epoch_rights_are_loaded_each_time(app, make_user):
    """Outside a request, or in one whose login read no epoch: as before the cache."""
    person = make_user()
    with statements() as seen:
        access.rights_of(person)
        access.rights_of(person)
        for _ in range(2):
            with app.test_request_context():
                access.rights_of(person)
    assert _rights_reads(seen) == 4


def test_rights_cannot_be_changed_once_loaded(app, make_user):
    """One Rights serves every request of its user until the epoch moves."""
    rights = access.rights_of(make_user())
    with pytest.raises(FrozenInstanceError):
        rights.workgroup_ids = (1,)
    with pytest.raises(FrozenInstanceError):
        rights.departments = ()
    assert isinstance(rights.departments, tuple) and isinstance(rights.grants, tuple)


# ---- the migration --------------------------------------------------------------------------

def test_the_migration_goes_down_and_up_again():
    from sqlalchemy import create_engine, inspect

    from tests.integration.test_migrations import _migrate_url
    from tests.support.databases import create_database

    url, drop = create_database()
    try:
        _migrate_url(url, "0029_rights_epoch")
        _migrate_url(url, "0028_drive_orphans", down=True)
        engine = create_engine(url)
        with engine.connect() as conn:
            assert "rights_epoch" not in inspect(conn).get_table_names()
            assert _trigger_count(conn) == 0
        _migrate_url(url, "0029_rights_epoch")
        with engine.begin() as conn:
            before = conn.execute(text("SELECT value FROM rights_epoch")).scalar_one()
            conn.execute(insert(Role.__table__).values(name="R"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT value FROM rights_epoch")).scalar_one() == before + 1
            per_table = 1 if conn.dialect.name == "postgresql" else 3  # SQLite: one per verb
            assert _trigger_count(conn) == len(RIGHTS_TABLES) * per_table
        engine.dispose()
    finally:
        drop()


def _trigger_count(conn) -> int:
    if conn.dialect.name == "postgresql":
        sql = "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'rights_epoch%'"
    else:
        sql = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rights_epoch%'"
    return conn.execute(text(sql)).scalar_one()
