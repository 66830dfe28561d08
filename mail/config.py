"""Every MAIL_* setting with its default; config.py (or app.config overrides) may set any of them.

- MAIL_RATE_PER_MINUTE: messages sent per minute across all send jobs (60).
- MAIL_MAX_BYTES: a received message larger than this is not fetched but kept as failed mail (25 MB).
- MAIL_MAX_PARTS: a received message with more MIME parts is kept as failed mail (500).
- MAIL_POLL_SECONDS: how often beat polls the CRM mailbox (60).
- MAIL_POLL_BATCH: UIDs fetched and committed per round of a poll (100).
- MAIL_BACKOFF_BASE / MAIL_BACKOFF_MAX: seconds before retrying a mailbox that failed, doubled
  per consecutive failure up to the maximum (30 / 3600).
- MAIL_UNREAD_SECONDS: how often the unread counts of personal mailboxes are refreshed (300).
- MAIL_TIMEOUT: socket timeout for IMAP and SMTP connections, seconds (30).
- MAIL_LEASE_SECONDS: how long a poll or a send job holds its lease before another worker may
  take over (300).
- MAIL_MAX_RECIPIENTS: records in one bulk send (10000).
- MAIL_ATTACHMENT_DIR: where received attachments are stored (instance/mail-attachments).
"""
from __future__ import annotations

import os

from flask import current_app

DEFAULTS: dict[str, object] = {
    "MAIL_RATE_PER_MINUTE": 60,
    "MAIL_MAX_BYTES": 25 * 1024 * 1024,
    "MAIL_MAX_PARTS": 500,
    "MAIL_POLL_SECONDS": 60.0,
    "MAIL_POLL_BATCH": 100,
    "MAIL_BACKOFF_BASE": 30.0,
    "MAIL_BACKOFF_MAX": 3600.0,
    "MAIL_UNREAD_SECONDS": 300.0,
    "MAIL_TIMEOUT": 30.0,
    "MAIL_LEASE_SECONDS": 300.0,
    "MAIL_MAX_RECIPIENTS": 10000,
}


def setting(name: str) -> object:
    """The configured value of a MAIL_* setting, or its default."""
    return current_app.config.get(name, DEFAULTS.get(name))


def attachment_dir() -> str:
    """The folder received attachments are stored in (created on first use)."""
    path = current_app.config.get("MAIL_ATTACHMENT_DIR") or os.path.join(
        current_app.instance_path, "mail-attachments")
    os.makedirs(path, exist_ok=True)
    return path
