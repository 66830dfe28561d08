"""Connecting to an IMAP mailbox (imapclient) with the stored, decrypted password."""
from __future__ import annotations

import imaplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from imapclient import IMAPClient, imap4, tls
from imapclient.exceptions import IMAPClientError

import netguard
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


def _or(timeout: float | None, default: float | None) -> float | None:
    return timeout if timeout is not None else default


class _GuardedPlain(imap4.IMAP4WithTimeout):
    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        return netguard.create_connection(self.host, self.port, _or(timeout, self._timeout))


class _GuardedTLS(tls.IMAP4_TLS):
    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock = netguard.create_connection(self.host, self.port, _or(timeout, self._timeout))
        return tls.wrap_socket(sock, self.ssl_context, self.host)  # the certificate names the host


class GuardedIMAPClient(IMAPClient):
    """IMAPClient whose socket goes through the outgoing-connection fence (netguard)."""

    def _create_IMAP4(self) -> imaplib.IMAP4:
        connect_timeout = getattr(self._timeout, "connect", None)
        if self.ssl:
            return _GuardedTLS(self.host, self.port, self.ssl_context, connect_timeout)
        return _GuardedPlain(self.host, self.port, connect_timeout)


def _open(box: Mailbox, secret: str) -> IMAPClient:
    """Connect and log in; errors never carry the server's own words (no banner, no port probe)."""
    timeout = float(setting("MAIL_TIMEOUT"))
    try:
        client = GuardedIMAPClient(box.host, port=box.port, ssl=box.tls == "ssl", timeout=timeout,
                                   ssl_context=ssl.create_default_context() if box.tls != "none" else None)
        if box.tls == "starttls":
            client.starttls(ssl.create_default_context())
    except netguard.Refused as exc:
        raise MailboxUnavailable(str(exc)) from None
    except (*NETWORK_ERRORS, imaplib.IMAP4.error) as exc:
        if isinstance(exc, ssl.SSLCertVerificationError):
            raise MailboxUnavailable(f"The certificate of {box.host} is not valid for it") from None
        raise MailboxUnavailable(str(netguard.cannot_connect(box.host, box.port))) from None
    try:
        client.login(box.username, secret)
    except NETWORK_ERRORS:
        try:
            client.shutdown()
        except Exception:
            pass
        raise MailboxUnavailable(f"Login as {box.username} refused", "password") from None
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
