"""Mailbox and SMTP passwords encrypted at rest with a Fernet key derived from SECRET_KEY."""
from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

SALT = b"flowdesk-mail-v1"


class SecretUnreadable(Exception):
    """The stored secret was encrypted with another SECRET_KEY (or is damaged)."""


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=b"mail-password").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plain: str) -> str:
    """The token to store for `plain` ("" stays "")."""
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str | None) -> str:
    """The password behind a stored token; SecretUnreadable if SECRET_KEY changed."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("The stored password cannot be decrypted (was SECRET_KEY changed?); "
                               "enter it again") from None
