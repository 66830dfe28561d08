"""System mails (invitations, password links): plain text through the configured SMTP server.

`install()` makes the outbox (mail/outbox.py) where org's system mails are queued and this
module their transport (org.notify), so org never imports mail. The outbox holds a mail while
no SMTP server is set; sent without one (a test mail), the message goes to the log.
"""
from __future__ import annotations

from email.utils import make_msgid


def send_system_mail(to: str, subject: str, body: str) -> str:
    """Send one plain-text mail now; returns the server's answer, raises SendFailed if refused."""
    from mail.services.sending import build_message
    from mail.services.settings import smtp_config
    from mail.smtp import Transport

    config = smtp_config()
    _end_read()
    domain = (config.from_address if config else "flowdesk@localhost").rsplit("@", 1)[-1]
    msg = build_message(config, to, subject, body, make_msgid(domain=domain))
    with Transport(config) as transport:
        return transport.send(msg, to)


def _end_read() -> None:
    """End the session's read-only transaction before talking to the network (on SQLite every
    transaction holds the write lock); with changes pending, the caller's transaction stays."""
    from extensions import db

    session = db.session
    if not (session.new or session.dirty or session.deleted):
        session.commit()


def install() -> None:
    """Route org's system mails through this module."""
    from mail.outbox import install as install_outbox
    from org import notify

    notify.use_transport(send_system_mail)
    install_outbox()
