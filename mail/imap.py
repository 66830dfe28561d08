"""Connecting to an IMAP mailbox (imapclient) with the stored, decrypted password."""
from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from mail import crypto
from mail.config import setting
from mail.models import Mailbox


class MailboxUnavailable(Exception):
    """The server cannot be reached, refused the login, or has no such folder (`field` says which)."""

    def __init__(self, message: str, field: str = "host") -> None:
        super().__init__(message)
        self.field = field


NETWORK_ERRORS = (OSError, socket.timeout, ssl.SSLError, IMAPClientError)


@contextmanager
def connect(box: Mailbox, *, password: str | None = None) -> Iterator[IMAPClient]:
    """A logged-in client (logged out afterwards); MailboxUnavailable says why it failed."""
    try:
        secret = crypto.decrypt(box.password_enc) if password is None else password
    except crypto.SecretUnreadable as exc:
        raise MailboxUnavailable(str(exc), "password") from None
    client = _open(box, secret)
    try:
        yield client
    finally:
        try:
            client.logout()
        except Exception:
            try:
                client.shutdown()
            except Exception:
                pass


def _open(box: Mailbox, secret: str) -> IMAPClient:
    timeout = float(setting("MAIL_TIMEOUT"))
    try:
        client = IMAPClient(box.host, port=box.port, ssl=box.tls == "ssl", timeout=timeout,
                            ssl_context=ssl.create_default_context() if box.tls != "none" else None)
        if box.tls == "starttls":
            client.starttls(ssl.create_default_context())
    except NETWORK_ERRORS as exc:
        raise MailboxUnavailable(f"Cannot connect to {box.host}:{box.port}: {exc}") from None
    try:
        client.login(box.username, secret)
    except NETWORK_ERRORS as exc:
        try:
            client.shutdown()
        except Exception:
            pass
        raise MailboxUnavailable(f"Login as {box.username} refused: {_text(exc)}", "password") from None
    return client


def _text(exc: Exception) -> str:
    text = str(exc)
    return text[2:-1] if text.startswith(("b'", 'b"')) else text


def select(client: IMAPClient, folder: str, *, readonly: bool = False) -> dict:
    """Open a folder; MailboxUnavailable when it does not exist."""
    try:
        return client.select_folder(folder, readonly=readonly)
    except NETWORK_ERRORS as exc:
        raise MailboxUnavailable(f"Cannot open the folder {folder!r}: {_text(exc)}", "folder") from None
