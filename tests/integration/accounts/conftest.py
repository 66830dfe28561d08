"""Accounts fixtures: the SMTP test server as Flowdesk's server, and sending what the outbox holds."""
from __future__ import annotations

import re

import pytest

RESET_RE = re.compile(r"https?://[^\s]+/password-reset/([A-Za-z0-9_\-]+)")


@pytest.fixture
def smtp(smtp_server, admin):
    """Flowdesk's SMTP settings point at the aiosmtpd server of the test session."""
    from extensions import db
    from mail.services.settings import save_smtp

    save_smtp({"host": smtp_server.host, "port": smtp_server.port, "security": "none",
               "from_address": "flowdesk@example.com", "from_name": "Flowdesk"}, actor=admin)
    db.session.commit()
    return smtp_server


@pytest.fixture
def send_outbox(app):
    """Deliver every queued system mail, as the Celery task does after the commit (tests run no kicks)."""
    from sqlalchemy import select

    from extensions import db
    from mail.outbox import OutboxState, SystemMail, deliver

    def run() -> list[str]:
        ids = db.session.scalars(select(SystemMail.id).where(SystemMail.state == OutboxState.QUEUED)).all()
        return [deliver(i) for i in ids]

    return run


def reset_token_in(body: str) -> str:
    found = RESET_RE.search(body)
    assert found, body
    return found.group(1)
