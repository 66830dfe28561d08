"""A transient database error answers 503 with Retry-After (API JSON, pages HTML), not 500.

The database's failure is injected where a request first reads it (authentication), with
the exception objects SQLAlchemy raises; tests/reliability/test_database_outage.py cuts a
real PostgreSQL connection.
"""
from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError


def _refused() -> OperationalError:
    try:
        psycopg.connect("postgresql://127.0.0.1:9/nowhere", connect_timeout=2)
    except psycopg.OperationalError as exc:
        return OperationalError("SELECT ...", {}, exc)
    raise AssertionError("port 9 answered")


def _locked() -> OperationalError:
    return OperationalError("SELECT ...", {}, sqlite3.OperationalError("database is locked"))


def _failing(error):
    def fail(*_args, **_kwargs):
        raise error()

    return fail


@pytest.mark.parametrize("error", [_refused, _locked])
def test_api_answers_503_with_retry_after(api, monkeypatch, error):
    import web.auth

    monkeypatch.setattr(web.auth, "bearer_user", _failing(error))
    resp = api.get("/leads")
    assert resp.status_code == 503
    assert int(resp.headers["Retry-After"]) > 0
    assert "try again" in resp.get_json()["error"]


def test_pages_answer_503_with_retry_after(client, monkeypatch):
    import org.services.users

    monkeypatch.setattr(org.services.users, "has_users", _failing(_refused))
    resp = client.get("/leads")
    assert resp.status_code == 503 and int(resp.headers["Retry-After"]) > 0
    assert resp.mimetype == "text/html" and b"try again" in resp.data


def test_the_portal_answers_again_once_the_database_is_back(api, monkeypatch):
    import web.auth

    monkeypatch.setattr(web.auth, "bearer_user", _failing(_locked))
    assert api.get("/leads").status_code == 503
    monkeypatch.undo()
    assert api.get("/leads").status_code == 200


def test_a_real_database_failure_is_not_turned_into_503(api, monkeypatch):
    import web.auth

    error = IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))
    monkeypatch.setattr(web.auth, "bearer_user", _failing(lambda: error))
    with pytest.raises(IntegrityError):  # TESTING propagates what would be a 500
        api.get("/leads")


def test_a_commit_that_meets_a_busy_database_answers_503(app, api, monkeypatch):
    import web
    from transactions import close_unit_of_work

    def commit_fails(*, commit: bool) -> None:
        close_unit_of_work(commit=False)
        if commit:
            raise _locked()

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    monkeypatch.setattr(web, "close_unit_of_work", commit_fails)
    resp = api.post("/leads", {"title": "Never committed"})
    assert resp.status_code == 503 and resp.headers["Retry-After"]
    assert "try again" in resp.get_json()["error"]
