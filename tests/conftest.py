"""Fixtures shared by unit, integration and browser tests (Flask's `app`, `client`, `runner`)."""
from __future__ import annotations

import os
import tempfile

import pytest
from argon2 import PasswordHasher

import org.passwords

os.environ.setdefault("FLOWDESK_INSTANCE", tempfile.mkdtemp(prefix="flowdesk-instance-"))
# The test mail and calendar servers (Dovecot, aiosmtpd, Radicale) listen on loopback, which the
# outgoing-connection fence (netguard) refuses unless allowed; worker subprocesses inherit it.
os.environ.setdefault("FLOWDESK_ALLOWED_PRIVATE_HOSTS", "127.0.0.1")

from tests.support.api import ApiClient
from tests.support.databases import backend, create_database, wipe
from tests.support.services import celery_cluster, dovecot, kicking, radicale, redis_broker, smtp_server  # noqa: F401  (fixtures)

# Argon2 with the production parameters costs ~0.1-0.2 s a hash on this machine, and most tests
# create or log in users: the in-process app hashes with the lightest parameters instead (hashes
# still carry their parameters, so verification is unchanged). Servers started as subprocesses,
# and test_passwords_use_production_argon2_parameters, keep the real ones.
PRODUCTION_HASHER = org.passwords._hasher
org.passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def database_url():
    url, cleanup = create_database()
    yield url
    cleanup()


@pytest.fixture(scope="session")
def _migrated_app(database_url):
    from app import create_app
    from runner import prepare_database

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
        "OUTBOX_KICK": "none", "EMBEDDED_WORKER": False, "DEMO_DATA": False,
        "SQLALCHEMY_ENGINE_OPTIONS": __import__("config").sqlite_engine_options(database_url),
    })
    prepare_database(app)
    return app


@pytest.fixture
def app(_migrated_app):
    from extensions import db

    with _migrated_app.app_context():
        wipe(db)
        yield _migrated_app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    from org.services.users import create_user
    from transactions import unit_of_work

    counter = iter(range(1, 10_000))

    def make(email: str | None = None, *, admin: bool = False, department_id: int | None = None,
             **kw: object):
        n = next(counter)
        with unit_of_work():
            return create_user(email or f"user{n}@example.com", "Quiet-bay-42", actor=None,
                               is_admin=admin, department_id=department_id,
                               first_name=kw.pop("first_name", f"First{n}"),
                               last_name=kw.pop("last_name", f"Last{n}"), **kw)

    return make


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.com", admin=True, first_name="Ada", last_name="Admin")


@pytest.fixture
def api_for(client):
    """An API client holding a token of the given user (administrators' tokens in admin mode,
    unless admin_mode=False)."""
    from org.services.tokens import issue_token
    from transactions import unit_of_work

    def make(user, *, admin_mode: bool = True) -> ApiClient:
        with unit_of_work():
            token, row = issue_token(user)
            if admin_mode and user.is_admin:
                row.admin_mode = True
        return ApiClient(client, token)

    return make


@pytest.fixture
def api(admin, api_for):
    return api_for(admin)


def pytest_report_header(config) -> str:
    return f"flowdesk database backend: {backend()}"
