"""System mails org sends (invitations, set-password links) without importing mail or web.

The composition root plugs in the transport (mail.system) and the web layer the builder of
absolute links; until then mails go to the log and links are bare paths.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger("flowdesk.org.notify")

Transport = Callable[[str, str, str], str]

# queue(to, subject, body, kind, link) stores a mail in the outbox, sent after the commit.
Queue = Callable[[str, str, str, str, str | None], int]

_transport: Transport | None = None
_queue: Queue | None = None
_link_builder: Callable[[str], str] | None = None
_reset_link_builder: Callable[[str], str] | None = None


def use_transport(fn: Transport | None) -> None:
    """Deliver system mails with `fn(to, subject, body)` (None: to the log)."""
    global _transport
    _transport = fn


def use_queue(fn: Queue | None) -> None:
    """Store system mails with `fn` (the mail outbox); None: send them at once."""
    global _queue
    _queue = fn


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


def queue_mail(to: str, subject: str, body: str, *, kind: str, link: str | None = None) -> int | None:
    """Put a system mail in the outbox in the caller's transaction (the id), or send it now
    when no outbox is installed (None)."""
    if _queue is None:
        send_mail(to, subject, body)
        return None
    return _queue(to, subject, body, kind, link)
