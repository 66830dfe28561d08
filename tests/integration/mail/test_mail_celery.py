"""Mail through the real parts: `celery -A app worker|beat` subprocesses on the test database and a
Redis broker. Beat polls the CRM mailbox (Dovecot); a send job kicked after the commit is sent
by the worker (aiosmtpd in this process)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.models import TimelineEntry
from extensions import db
from mail.models import Job
from tests.integration.mail.conftest import CRM_ADDRESS, make, message
from tests.support.services import wait_until

pytestmark = pytest.mark.services
DEADLINE = 90.0  # generous: machines are shared; nothing here asserts timing


@pytest.fixture
def kicking(kicking, app, monkeypatch):
    """The shared kicking fixture, with the workers' SECRET_KEY (what CeleryProcess gives them)."""
    monkeypatch.setitem(app.config, "SECRET_KEY", "test")
    yield


def mail_entries(entity: str, record_id: int) -> list[TimelineEntry]:
    db.session.rollback()  # a fresh snapshot: the worker writes from another process
    return list(db.session.scalars(select(TimelineEntry).where(
        TimelineEntry.entity == entity, TimelineEntry.record_id == record_id, TimelineEntry.kind == "mail")))


def test_beat_polls_the_crm_mailbox_and_the_worker_sends_jobs(api, admin, kicking, celery_cluster, imap_user,
                                                               smtp):
    contact = make("contact", admin, first_name="Lee", last_name="Acme", emails=["lee@acme.test"])
    box = imap_user()
    assert api.put("/settings/crm-mailbox", box.settings(address=CRM_ADDRESS)).status_code == 200
    box.append(message(sender="lee@acme.test", subject="Through beat"))
    celery_cluster.worker()
    celery_cluster.beat(FLOWDESK_MAIL_POLL_SECONDS="1")
    entries = wait_until(lambda: mail_entries("contact", contact.id), DEADLINE, 0.3,
                         "beat to poll the mailbox")
    assert entries[0].summary == "Mail received: Through beat"

    api.put("/settings/smtp", {"host": smtp.host, "port": smtp.port, "security": "none",
                               "from_address": "crm@flowdesk.test"})
    tid = api.post("/mail/templates", {"name": "Hi", "subject": "Hi {{ contact.first_name }}",
                                       "body": "Hello"}).json["id"]
    job = api.post("/mail/send", {"template_id": tid, "entity": "contact", "ids": [contact.id]}).json

    def finished() -> bool:
        db.session.rollback()
        return db.session.get(Job, job["id"]).status == "done"

    wait_until(finished, DEADLINE, 0.3, "the worker to send the job")
    assert [m["rcpt_tos"] for m in smtp.messages] == [["lee@acme.test"]]
    assert any(e.summary == "Mail sent: Hi Lee" for e in mail_entries("contact", contact.id))
