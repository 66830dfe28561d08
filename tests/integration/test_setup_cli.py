"""`flask --app app setup` on a fresh database: the schema and the standard processes, idempotent."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from engine.models import ProcessDefinition
from extensions import db
from tests.support.databases import create_database

PROCESS_DIR = Path(__file__).resolve().parents[2] / "processes"


@pytest.fixture
def fresh_app():
    from app import create_app
    from config import sqlite_engine_options

    url, cleanup = create_database()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "OUTBOX_KICK": "none",
                      "EMBEDDED_WORKER": False, "DEMO_DATA": False,
                      "SQLALCHEMY_ENGINE_OPTIONS": sqlite_engine_options(url)})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    cleanup()


def _shipped_keys() -> set[str]:
    return {re.search(rb'<bpmn:process id="([^"]+)"', p.read_bytes()).group(1).decode()
            for p in PROCESS_DIR.glob("*.bpmn")}


def test_setup_migrates_a_fresh_database_and_installs_the_standard_processes(fresh_app):
    runner = fresh_app.test_cli_runner()
    with fresh_app.app_context():
        assert not inspect(db.engine).has_table("process_definition")

    first = runner.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    assert "installed:" in first.output

    with fresh_app.app_context():
        active = {d.key: d.active for d in db.session.scalars(select(ProcessDefinition))}
        assert _shipped_keys() and set(active) == _shipped_keys()
        assert all(active.values())

    again = runner.invoke(args=["setup"])  # every release runs it again: nothing doubles
    assert again.exit_code == 0, again.output
    assert "already installed" in again.output
    with fresh_app.app_context():
        assert len(db.session.scalars(select(ProcessDefinition)).all()) == len(_shipped_keys())
