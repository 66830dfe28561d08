"""Talking to the SMTP server (or, until one is configured, to the log)."""
from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

import netguard

log = logging.getLogger("flowdesk.mail.outgoing")

SECURITY = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


@dataclass(frozen=True)
class SmtpConfig:
    """The SMTP server to use, the password decrypted."""

    host: str
    port: int
    security: str
    user: str
    password: str
    from_address: str
    from_name: str = ""
    timeout: float = 30.0


class SendFailed(Exception):
    """The server refused the message or could not be reached; `answer` is what it said."""

    def __init__(self, answer: str, code: int | None = None, *, connection: bool = False) -> None:
        super().__init__(answer)
        self.answer = answer
        self.code = code
        self.connection = connection


def _text(resp: bytes | str) -> str:
    return resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)


def answer_of(code: int | None, resp: bytes | str) -> str:
    """"550 5.1.1 User unknown" from smtplib's (code, message)."""
    text = " ".join(_text(resp).split())
    return f"{code} {text}".strip() if code else text


class _GuardedSMTP(smtplib.SMTP):
    """smtplib.SMTP whose socket goes through the outgoing-connection fence (netguard)."""

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return netguard.create_connection(host, port, timeout)


class _GuardedSMTPSSL(smtplib.SMTP_SSL):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = netguard.create_connection(host, port, timeout)
        return self.context.wrap_socket(sock, server_hostname=self._host)  # the certificate names the host


class Transport:
    """One SMTP connection reused for many messages; `send` returns the server's answer.

    With no configuration the messages go to the log (logger flowdesk.mail.outgoing)."""

    def __init__(self, config: SmtpConfig | None) -> None:
        self.config = config
        self.conn: smtplib.SMTP | None = None

    @property
    def to_log(self) -> bool:
        return self.config is None

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                self.conn.close()
            self.conn = None

    def _connect(self) -> smtplib.SMTP:
        """Connect and log in; errors never carry the server's own words (no banner, no port probe)."""
        cfg = self.config
        try:
            if cfg.security == "ssl":
                conn = _GuardedSMTPSSL(cfg.host, cfg.port, timeout=cfg.timeout,
                                       context=ssl.create_default_context())
            else:
                conn = _GuardedSMTP(cfg.host, cfg.port, timeout=cfg.timeout)
                if cfg.security == "starttls":
                    conn.starttls(context=ssl.create_default_context())
            conn.ehlo_or_helo_if_needed()
        except netguard.Refused as exc:
            raise SendFailed(str(exc), connection=True) from None
        except ssl.SSLCertVerificationError:
            raise SendFailed(f"The certificate of {cfg.host} is not valid for it", connection=True) from None
        except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError):
            raise SendFailed(str(netguard.cannot_connect(cfg.host, cfg.port)), connection=True) from None
        if cfg.user:
            self._login(conn)
        return conn

    def _login(self, conn: smtplib.SMTP) -> None:
        try:
            conn.login(self.config.user, self.config.password)
        except smtplib.SMTPResponseException as exc:
            conn.close()
            raise SendFailed(f"The server refused the login as {self.config.user}", exc.smtp_code,
                             connection=True) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            conn.close()
            raise SendFailed(f"The server refused the login as {self.config.user}", connection=True) from exc

    def send(self, msg: EmailMessage, rcpt: str) -> str:
        """Deliver `msg` to one recipient; SendFailed carries the server's refusal."""
        if self.to_log:
            log.info("SMTP is not configured; mail to %s:\n%s", rcpt, msg.as_string())
            return "Logged (SMTP is not configured)"
        if self.conn is None:
            self.conn = self._connect()
        try:
            return self._transaction(msg, rcpt)
        except SendFailed:
            raise
        except smtplib.SMTPServerDisconnected as exc:
            self.conn = None
            raise SendFailed(f"The server closed the connection: {exc}", connection=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise SendFailed(f"Sending failed: {exc}", connection=True) from exc

    def _transaction(self, msg: EmailMessage, rcpt: str) -> str:
        conn = self.conn
        sender = self.config.from_address
        code, resp = conn.mail(sender)
        if code != 250:
            self._reset()
            raise SendFailed(answer_of(code, resp), code)
        code, resp = conn.rcpt(rcpt)
        if code not in (250, 251):
            self._reset()
            raise SendFailed(answer_of(code, resp), code)
        code, resp = conn.data(msg.as_bytes(policy=SMTP_POLICY))
        if code != 250:
            self._reset()
            raise SendFailed(answer_of(code, resp), code)
        return answer_of(code, resp)

    def _reset(self) -> None:
        try:
            self.conn.rset()
        except (smtplib.SMTPException, OSError):
            self.close()
