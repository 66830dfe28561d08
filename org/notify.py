"""System mails org sends (invitations, set-password links) without importing mail or web.

The composition root plugs in the transport (mail.system) and the web layer the builder of
absolute links; until then mails go to the log and links are bare paths.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger("flowdesk.org.notify")

Transport = Callable[[str, str, str], str]

_transport: Transport | None = None
_link_builder: Callable[[str], str] | None = None


def use_transport(fn: Transport | None) -> None:
    """Deliver system mails with `fn(to, subject, body)` (None: to the log)."""
    global _transport
    _transport = fn


def use_link_builder(fn: Callable[[str], str] | None) -> None:
    """Build the absolute URL of the page that accepts an invitation token."""
    global _link_builder
    _link_builder = fn


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
