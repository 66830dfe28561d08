"""Helpers of the portal tests: mails received by aiosmtpd, logging in, admin mode."""
from __future__ import annotations

import email
import re
from email.message import Message

LINK_RE = re.compile(r"https?://[^\s]+/invitation/([A-Za-z0-9_\-]+)")


def mails_to(server, address: str) -> list[Message]:
    """The messages the server received for `address`, parsed, oldest first."""
    return [email.message_from_bytes(m["data"]) for m in server.messages if address in m["rcpt_tos"]]


def body_of(msg: Message) -> str:
    part = msg.get_body(("plain",)) if hasattr(msg, "get_body") else msg
    payload = (part or msg).get_payload(decode=True)
    return payload.decode() if payload else str(msg.get_payload())


def token_in(msg: Message) -> str:
    """The invitation token of the link in a mail."""
    found = LINK_RE.search(body_of(msg))
    assert found, body_of(msg)
    return found.group(1)


def login(client, user, password: str = "Quiet-bay-42") -> None:
    r = client.post("/login", data={"email": user.email, "password": password})
    assert r.status_code == 302 and "/login" not in r.headers["Location"], r.get_data(as_text=True)[-500:]


def admin_mode(client, on: bool = True):
    return client.post("/admin-mode", data={"on": "1" if on else "0"})
