"""SMTP settings with a test mail, and the Send&Save CRM mailbox settings (administrators only)."""
from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from sqlalchemy import select

from crm.entities import ENTITIES
from crm.serialize import json_value
from errors import Conflict, ValidationError
from extensions import db
from mail import crypto
from mail.config import setting
from mail.models import Mailbox, MailSetting
from mail.services.common import Checker, require_admin
from mail.smtp import DEFAULT_PORTS, SECURITY, SendFailed, SmtpConfig, Transport
from mail.states import MailboxKind, MailboxState
from org import audit
from org.actors import Actor, actor_user
from transactions import enqueue_after_commit

SMTP = "smtp"
CRM_KEY = "crm"
TLS_MODES = ("none", "starttls", "ssl")
IMAP_PORTS = {"none": 143, "starttls": 143, "ssl": 993}
UNMATCHED = ("keep", "create_lead")
DEFAULT_PATTERNS = {n: e.mail_pattern for n, e in ENTITIES.items()}
PLACEHOLDER = "<n>"
SECRET_BOUND = ("host", "port", "tls", "username")
PASSWORD_AGAIN = "Enter the password again: the server or user changed"
CRM_AUDITED = ("host", "port", "tls", "user", "folder", "unmatched", "address", "enabled", "subject_patterns")


# ---- SMTP ----------------------------------------------------------------------------------

def _smtp_row() -> MailSetting | None:
    return db.session.scalar(select(MailSetting).where(MailSetting.name == SMTP))


def smtp_config() -> SmtpConfig | None:
    """The SMTP server to use, or None while none is configured (mail goes to the log)."""
    row = _smtp_row()
    data = row.data if row is not None else {}
    if not data.get("host"):
        return None
    return SmtpConfig(host=data["host"], port=int(data["port"]), security=data["security"],
                      user=data.get("user", ""), password=crypto.decrypt(data.get("password_enc")),
                      from_address=data["from_address"], from_name=data.get("from_name", ""),
                      timeout=float(setting("MAIL_TIMEOUT")))


def smtp_settings() -> dict:
    """The SMTP settings as the API shows them (never the password)."""
    row = _smtp_row()
    data = row.data if row is not None else {}
    return {"configured": bool(data.get("host")), "transport": "smtp" if data.get("host") else "log",
            "host": data.get("host", ""), "port": data.get("port", DEFAULT_PORTS["starttls"]),
            "security": data.get("security", "starttls"), "user": data.get("user", ""),
            "password_set": bool(data.get("password_enc")), "from_address": data.get("from_address", ""),
            "from_name": data.get("from_name", "")}


def save_smtp(data: dict, *, actor: Actor) -> dict:
    """Replace the SMTP settings; a missing or null password keeps the stored one, "" clears it.

    An empty host means "not configured": mail then goes to the log."""
    require_admin(actor)
    check = Checker(data)
    check.unknown({"host", "port", "security", "user", "password", "from_address", "from_name"})
    host = check.text("host", max_length=255)
    if host and not re.fullmatch(r"[A-Za-z0-9.\-:\[\]]+", host):
        check.errors["host"] = "A host name or IP address"
    security = check.choice("security", SECURITY, "starttls")
    port = check.port("port", DEFAULT_PORTS.get(security, 587))
    values = {"host": host, "port": port, "security": security,
              "user": check.text("user", max_length=320),
              "from_address": check.email("from_address", required=bool(host)),
              "from_name": check.text("from_name", max_length=200)}
    password = data.get("password")
    if password is not None and not isinstance(password, str):
        check.errors["password"] = "Expected text"
    row = _smtp_row() or MailSetting(name=SMTP, data={})
    old = dict(row.data or {})
    # The stored password belongs to one server and user: a new one never inherits it.
    moved = any(old.get(k, "") != values[k] for k in ("host", "port", "security", "user"))
    if password is None and moved and old.get("password_enc") and values["user"]:
        check.errors["password"] = PASSWORD_AGAIN
    check.raise_if_any()
    kept = "" if moved else old.get("password_enc", "")
    values["password_enc"] = kept if password is None else crypto.encrypt(password)
    row.data = values
    row.updated_by_id = actor_user(actor).id
    db.session.add(row)
    db.session.flush()
    audit.record("setting.change", SMTP, _changes(old, values), actor=actor)
    if host:  # mail held for want of a server leaves once these settings are committed
        from mail.outbox import release_after_commit

        release_after_commit()
    return smtp_settings()


def _changes(old: dict, new: dict) -> dict:
    """What an audit entry says changed: values before and after, secrets only as "changed"."""
    out = {}
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            out[key] = "changed" if "password" in key else [old.get(key), new.get(key)]
    return out


def send_test_mail(to: object, *, actor: Actor) -> dict:
    """Send a short test mail and report what the server answered (or why it failed)."""
    require_admin(actor)
    check = Checker({"to": to})
    address = check.email("to", required=True)
    check.raise_if_any()
    try:
        config = smtp_config()
    except crypto.SecretUnreadable as exc:
        return {"ok": False, "transport": "smtp", "code": None, "answer": str(exc)}
    msg = EmailMessage()
    sender = config.from_address if config else "flowdesk@localhost"
    msg["From"] = formataddr((config.from_name if config else "", sender))
    msg["To"] = address
    msg["Subject"] = "Flowdesk test mail"
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    msg.set_content(f"This is a test mail sent by {actor_user(actor).full_name} from Flowdesk.\n")
    try:
        with Transport(config) as transport:
            answer = transport.send(msg, address)
    except SendFailed as exc:
        return {"ok": False, "transport": "smtp", "code": exc.code, "answer": exc.answer}
    code = int(answer[:3]) if answer[:3].isdigit() else None
    return {"ok": True, "transport": "log" if config is None else "smtp", "code": code, "answer": answer}


# ---- the CRM mailbox -----------------------------------------------------------------------

def crm_mailbox() -> Mailbox | None:
    """The CRM mailbox row, or None before it is configured."""
    return db.session.scalar(select(Mailbox).where(Mailbox.key == CRM_KEY))


def patterns_of(box: Mailbox | None) -> dict[str, str]:
    """The subject expressions per record type (defaults for those never set)."""
    return {**DEFAULT_PATTERNS, **((box.subject_patterns or {}) if box is not None else {})}


def mailbox_state(box: Mailbox | None) -> dict:
    """Connection state, last error, backoff and back-fill progress of a mailbox."""
    if box is None:
        return {"state": MailboxState.NEW, "last_error": "", "failures": 0, "next_attempt_at": None,
                "last_poll_at": None, "last_success_at": None, "backfill": {"total": 0, "done": 0}}
    return {"state": box.state, "last_error": box.last_error, "failures": box.failures,
            "next_attempt_at": json_value(box.next_attempt_at), "last_poll_at": json_value(box.last_poll_at),
            "last_success_at": json_value(box.last_success_at),
            "backfill": {"total": box.backfill_total, "done": box.backfill_done}}


def crm_mailbox_settings() -> dict:
    """The CRM mailbox settings and state as the API shows them (never the password)."""
    box = crm_mailbox()
    out = {"configured": bool(box and box.host), "host": box.host if box else "",
           "port": box.port if box else IMAP_PORTS["ssl"], "tls": box.tls if box else "ssl",
           "user": box.username if box else "", "password_set": bool(box and box.password_enc),
           "folder": box.folder if box else "INBOX", "address": box.address if box else "",
           "unmatched": box.unmatched if box else "keep", "enabled": box.enabled if box else True,
           "subject_patterns": patterns_of(box)}
    return {**out, **mailbox_state(box)}


def save_crm_mailbox(data: dict, *, actor: Actor) -> dict:
    """Replace the CRM mailbox settings; a changed server or folder is polled afresh soon."""
    require_admin(actor)
    check = Checker(data)
    check.unknown({"host", "port", "tls", "user", "password", "folder", "unmatched", "subject_patterns",
                   "address", "enabled"})
    values = imap_values(check)
    values["unmatched"] = check.choice("unmatched", UNMATCHED, "keep")
    values["address"] = check.email("address") or (
        values["username"].lower() if "@" in values["username"] else "")
    patterns = _patterns(check, data.get("subject_patterns"))
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        check.errors["enabled"] = "Expected true or false"
    check.raise_if_any()
    box = crm_mailbox() or Mailbox(key=CRM_KEY, kind=MailboxKind.CRM, subject_patterns={})
    before = crm_mailbox_settings()
    apply_imap(box, values, data.get("password"))
    box.unmatched, box.address, box.enabled = values["unmatched"], values["address"], enabled
    box.subject_patterns = patterns
    db.session.add(box)
    db.session.flush()
    after = crm_mailbox_settings()
    changed = _changes({k: before.get(k) for k in CRM_AUDITED}, {k: after.get(k) for k in CRM_AUDITED})
    if data.get("password"):
        changed["password"] = "changed"
    audit.record("setting.change", "crm-mailbox", changed, actor=actor)
    return after


def imap_values(check: Checker) -> dict:
    """host, port, tls, user, folder of an IMAP mailbox form/JSON (errors collected)."""
    host = check.text("host", required=True)
    if host and not re.fullmatch(r"[A-Za-z0-9.\-:\[\]]+", host):
        check.errors["host"] = "A host name or IP address"
    tls = check.choice("tls", TLS_MODES, "ssl")
    port = check.port("port", IMAP_PORTS[tls])
    folder = check.text("folder", "INBOX", max_length=255) or "INBOX"
    return {"host": host, "port": port, "tls": tls, "username": check.text("user", max_length=320,
                                                                          required=True),
            "folder": folder}


def server_moved(box: Mailbox, values: dict) -> bool:
    """Whether the stored password would go to another server or user than it was given for."""
    return bool(box.password_enc) and any(getattr(box, k) != values[k] for k in SECRET_BOUND)


def apply_imap(box: Mailbox, values: dict, password: object) -> None:
    """Set the server fields; a new server, login or folder resets the state and the backoff.

    A changed host, port, TLS mode or user needs the password again (never sent to the new one)."""
    if password is not None and not isinstance(password, str):
        raise ValidationError.from_fields({"password": "Expected text"})
    if password is None and server_moved(box, values):
        raise ValidationError.from_fields({"password": PASSWORD_AGAIN})
    changed = any(getattr(box, k) != values[k] for k in ("host", "port", "tls", "username", "folder"))
    for key in ("host", "port", "tls", "username", "folder"):
        setattr(box, key, values[key])
    if password is not None:
        box.password_enc = crypto.encrypt(password)
        changed = True
    if changed:
        box.state, box.last_error, box.failures, box.next_attempt_at = MailboxState.NEW, "", 0, None


def _patterns(check: Checker, raw: object) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        check.errors["subject_patterns"] = "Expected an object such as {\"lead\": \"LID#<n>\"}"
        return {}
    out: dict[str, str] = {}
    for entity, pattern in raw.items():
        where = f"subject_patterns.{entity}"
        if entity not in DEFAULT_PATTERNS:
            check.errors[where] = f"One of {', '.join(DEFAULT_PATTERNS)}"
        elif not isinstance(pattern, str) or pattern.count(PLACEHOLDER) != 1:
            check.errors[where] = "Text with <n> exactly once where the record number goes, e.g. LID#<n>"
        elif len(pattern) > 50 or not pattern.replace(PLACEHOLDER, "").strip():
            check.errors[where] = "At most 50 characters, with some text beside <n>"
        else:
            out[entity] = pattern.strip()
    merged = {**DEFAULT_PATTERNS, **out}
    if len({p.lower() for p in merged.values()}) < len(merged):
        check.errors["subject_patterns"] = "Each record type needs its own expression"
    return out


def request_poll(*, actor: Actor) -> dict:
    """Poll the CRM mailbox now (the backoff is skipped): queued for a worker after the commit."""
    require_admin(actor)
    box = crm_mailbox()
    if box is None or not box.host:
        raise Conflict("The CRM mailbox is not configured")
    box.next_attempt_at = None
    enqueue_after_commit("mail.poll_mailbox", box.id, True)
    db.session.flush()
    return {"queued": True, **crm_mailbox_settings()}


def settings_for(name: str, *, actor: Actor) -> dict:
    """"smtp" or "crm-mailbox" settings for an administrator."""
    require_admin(actor)
    return smtp_settings() if name == "smtp" else crm_mailbox_settings()
