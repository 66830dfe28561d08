"""Mail test fixtures: a Dovecot user per test, aiosmtpd that can refuse recipients, helpers."""
from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from crm.services.records import create_record
from tests.support.mail_servers import SmtpRecorder, SmtpServer
from tests.support.services import wait_until
from transactions import unit_of_work


@pytest.fixture
def api(admin, client):
    """The administrator's API client, its token in admin mode (administrator rights apply)."""
    from extensions import db
    from org.services.tokens import issue_token
    from tests.support.api import ApiClient

    token, row = issue_token(admin)
    row.admin_mode = True
    db.session.commit()
    return ApiClient(client, token)


class RefusingRecorder(SmtpRecorder):
    """Keeps what it receives; refuses RCPT for the addresses in `refuse` with a 550 answer."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp():
    """aiosmtpd on a free port; `smtp.handler.refuse` names recipients it refuses."""
    server = SmtpServer()
    server.handler = RefusingRecorder()
    server.controller.handler = server.handler
    with server:
        yield server


class ImapUser:
    """A Dovecot mailbox of this test: append messages, look at flags, make folders."""

    def __init__(self, dovecot, name: str, password: str) -> None:
        self.dovecot, self.name, self.password = dovecot, name, password

    def client(self) -> IMAPClient:
        client = IMAPClient(self.dovecot.host, port=self.dovecot.port, ssl=False, timeout=20)
        client.login(self.name, self.password)
        return client

    def append(self, raw: bytes | EmailMessage, folder: str = "INBOX") -> int:
        data = raw.as_bytes() if isinstance(raw, EmailMessage) else raw
        client = self.client()
        try:
            if folder != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            answer = client.append(folder, data)
        finally:
            client.logout()
        return int(answer.split(b"APPENDUID ")[1].split(b"]")[0].split()[1])

    def flags(self, uid: int, folder: str = "INBOX") -> tuple:
        client = self.client()
        try:
            client.select_folder(folder, readonly=True)
            return client.get_flags([uid]).get(uid, ())
        finally:
            client.logout()

    def settings(self, **extra: object) -> dict:
        """CRM mailbox / personal mailbox settings pointing at this user."""
        return {"host": self.dovecot.host, "port": self.dovecot.port, "tls": "none", "user": self.name,
                "password": self.password, **extra}


@pytest.fixture
def imap_user(dovecot):
    """A fresh Dovecot user (its own maildir) for this test."""
    def make() -> ImapUser:
        name = f"u{uuid.uuid4().hex[:10]}"
        dovecot.add_user(name, "secret-pw")
        user = ImapUser(dovecot, name, "secret-pw")
        wait_until(lambda: _can_login(user), 10, 0.2, "dovecot to re-read its users")  # once a second
        return user

    return make


def _can_login(user: ImapUser) -> bool:
    try:
        user.client().logout()
        return True
    except LoginError:
        return False


CRM_ADDRESS = "crm@flowdesk.test"


@pytest.fixture
def crm_box(api, imap_user):
    """The CRM mailbox configured through the API on a fresh Dovecot user (unmatched: keep)."""
    user = imap_user()
    r = api.put("/settings/crm-mailbox", user.settings(address=CRM_ADDRESS))
    assert r.status_code == 200, r.json
    return user


def poll():
    """What the beat's task does for the CRM mailbox; the summary."""
    from mail.services.poll import poll_mailbox
    from mail.services.settings import crm_mailbox

    return poll_mailbox(crm_mailbox().id, force=True)


def message(*, subject: str = "Hello", sender: str = "ann@outside.test", to: str = CRM_ADDRESS,
            cc: str | None = None, body: str = "Hi there", html: str | None = None,
            message_id: str | None = None, attachments: list[tuple[str, bytes, str]] | None = None
            ) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id or make_msgid(domain="outside.test")
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for name, data, ctype in attachments or []:
        main, sub = ctype.split("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return msg


def make(entity: str, actor, **data):
    with unit_of_work():
        return create_record(entity, data, actor=actor)
