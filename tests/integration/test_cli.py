"""`flask --app app user create` and `department create`: for operators and scripts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from extensions import db
from org.models import Department, User
from org.services.users import authenticate

ROOT = Path(__file__).resolve().parents[2]


def _ok(runner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _fails(runner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    return result.output


def _department(name: str) -> Department:
    return db.session.scalars(select(Department).where(Department.name == name)).one()


def test_department_tree_with_a_head(runner, make_user):
    boss = make_user("boss@example.com")
    assert "Created department" in _ok(runner, "department", "create", "Sales")
    out = _ok(
        runner, "department", "create", "Inside sales", "--parent", "Sales", "--head", "BOSS@example.com"
    )
    sales, inside = _department("Sales"), _department("Inside sales")
    assert inside.parent_id == sales.id and inside.head_id == boss.id
    assert inside.path == f"/{sales.id}/{inside.id}/" and inside.path in out
    _ok(runner, "department", "create", "Field sales", "--parent", str(sales.id), "--head", str(boss.id))
    assert _department("Field sales").parent_id == sales.id


def test_user_create_with_department_and_admin(runner):
    _ok(runner, "department", "create", "Sales")
    out = _ok(
        runner,
        "user",
        "create",
        "Ann@Example.com",
        "--password",
        "secret-123",
        "--admin",
        "--first-name",
        "Ann",
        "--last-name",
        "Lee",
        "--department",
        "Sales",
    )
    assert "ann@example.com" in out and "administrator" in out
    user = authenticate("ann@example.com", "secret-123")
    assert (user.first_name, user.last_name, user.is_admin) == ("Ann", "Lee", True)
    assert user.primary_department.name == "Sales"
    _ok(runner, "user", "create", "bob@example.com", "--password", "secret-123")
    bob = db.session.scalars(select(User).where(User.email == "bob@example.com")).one()
    assert bob.is_admin is False and bob.memberships == []


def test_clear_errors(runner, make_user):
    make_user("taken@example.com")
    out = _fails(
        runner, "user", "create", "x@example.com", "--password", "secret-123", "--department", "Nope"
    )
    assert "No department 'Nope'" in out
    out = _fails(runner, "user", "create", "TAKEN@example.com", "--password", "secret-123")
    assert "already exists" in out
    out = _fails(runner, "user", "create", "y@example.com", "--password", "short")
    assert "at least 10 characters" in out
    out = _fails(runner, "user", "create", "not-an-email", "--password", "secret-123")
    assert "email" in out
    assert "Missing option '--password'" in _fails(runner, "user", "create", "z@example.com")
    assert "No department 'Nope'" in _fails(runner, "department", "create", "Sub", "--parent", "Nope")
    assert "No user 'ghost@example.com'" in _fails(
        runner, "department", "create", "Sub", "--head", "ghost@example.com"
    )
    _ok(runner, "department", "create", "Sales")
    assert "already a department 'Sales'" in _fails(runner, "department", "create", "Sales")
    assert db.session.scalars(select(User.email).order_by(User.email)).all() == ["taken@example.com"]
    assert db.session.scalars(select(Department.name)).all() == ["Sales"]


def test_the_real_flask_command(app, database_url, tmp_path):
    """The operator's command line: `flask --app app department create ...` against the database."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FLOWDESK_INSTANCE": str(tmp_path),
        "FLOWDESK_OUTBOX_KICK": "none",
        "FLOWDESK_EMBEDDED_WORKER": "0",
    }
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    done = subprocess.run(
        [*flask, "department", "create", "Ops"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [*flask, "user", "create", "ops@example.com", "--password", "secret-123", "--department", "Ops"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    db.session.expire_all()
    user = authenticate("ops@example.com", "secret-123")
    assert user.primary_department.name == "Ops"
    done = subprocess.run(
        [*flask, "department", "create", "Ops"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "already a department" in done.stderr
