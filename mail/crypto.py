"""Mailbox and SMTP passwords encrypted at rest (secrets_box.py, with mail's own derived key)."""
from __future__ import annotations

from secrets_box import SecretBox, SecretUnreadable

__all__ = ["SecretUnreadable", "decrypt", "encrypt"]

# Salt and info are those of the tokens already stored: changing them would lose every password.
_BOX = SecretBox(salt=b"flowdesk-mail-v1", info=b"mail-password", what="password")


def encrypt(plain: str) -> str:
    """The token to store for `plain` ("" stays "")."""
    return _BOX.encrypt(plain)


def decrypt(token: str | None) -> str:
    """The password behind a stored token; SecretUnreadable if SECRET_KEY changed."""
    return _BOX.decrypt(token)
