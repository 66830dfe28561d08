"""System mails org sends (invitations, set-password links) without importing mail or web.

The composition root plugs in the transport (mail.system) and the web layer the builder of
absolute links; until then mails go to the log and links are bare paths.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger("flowdesk.org.notify")

Transport = Callable[[str, str, str], str]

# queue(to, subject, body, kind, link, kick) stores a mail in the outbox, sent after the commit
# (by a worker when `kick`, else by the caller through deliver_now); deliver(id) -> (sent, why not).
Queue = Callable[[str, str, str, str, str | None, bool], int]
Deliver = Callable[[int], tuple[bool, str]]

_transport: Transport | None = None
_queue: Queue | None = None
_deliver: Deliver | None = None
_link_builder: Callable[[str], str] | None = None
_reset_link_builder: Callable[[str], str] | None = None


def use_transport(fn: Transport | None) -> None:
    """Deliver system mails with `fn(to, subject, body)` (None: to the log)."""
    global _transport
    _transport = fn


def use_queue(fn: Queue | None, deliver: Deliver | None = None) -> None:
    """Store system mails with `fn` (the mail outbox) and send one with `deliver`; None: send at once."""
    global _queue, _deliver
    _queue, _deliver = fn, deliver


def use_link_builder(fn: Callable[[str], str] | None) -> None:
    """Build the absolute URL of the page that accepts an invitation token."""
    global _link_builder
    _link_builder = fn


def use_reset_link_builder(fn: Callable[[str], str] | None) -> None:
    """Build the absolute URL of the page that accepts a password-reset token."""
    global _reset_link_builder
    _reset_link_builder = fn


def reset_link(token: str) -> str:
    return _reset_link_builder(token) if _reset_link_builder else f"/password-reset/{token}"


def invitation_link(token: str) -> str:
    return _link_builder(token) if _link_builder else f"/invitation/{token}"


def send_mail(to: str, subject: str, body: str) -> tuple[bool, str]:
    """Send now; (delivered, the server's answer or why it failed). Never raises."""
    if _transport is None:
        log.info("No mail transport; system mail to %s: %s\n%s", to, subject, body)
        return True, "Logged (no mail transport)"
    try:
        return True, str(_transport(to, subject, body))
    except Exception as exc:  # a refused or unreachable server must not undo the change made
        answer = getattr(exc, "answer", None) or str(exc) or type(exc).__name__
        log.warning("System mail to %s failed: %s", to, answer)
        return False, answer[:500]


def queue_mail(to: str, subject: str, body: str, *, kind: str, link: str | None = None,
               kick: bool = True) -> int | None:
    """Put a system mail in the outbox in the caller's transaction (the id), or send it now
    when no outbox is installed (None). `kick=False`: the caller sends it after its commit
    with deliver_now (a worker's sweep sends it if the caller never does)."""
    if _queue is None:
        send_mail(to, subject, body)
        return None
    return _queue(to, subject, body, kind, link, kick)


def deliver_now(mail_id: int | None) -> tuple[bool, str]:
    """Send a queued outbox mail now (committing its state): (sent, the answer or why not)."""
    if mail_id is None or _deliver is None:
        return True, "Sent without an outbox"
    return _deliver(mail_id)
