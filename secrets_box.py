"""Secrets encrypted at rest (mail passwords, TOTP keys) with Fernet keys derived from SECRET_KEY.

Beside extensions.py so every layer may use it: each purpose derives its own key (salt and
info), so a token stored for one purpose never decrypts as another."""
from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class SecretUnreadable(Exception):
    """The stored secret was encrypted with another SECRET_KEY (or is damaged)."""


@dataclass(frozen=True)
class SecretBox:
    """Encrypts one kind of secret (`what`, named in errors) under its own derived key."""

    salt: bytes
    info: bytes
    what: str

    def _fernet(self) -> Fernet:
        secret = str(current_app.config["SECRET_KEY"]).encode()
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=self.salt, info=self.info).derive(secret)
        return Fernet(base64.urlsafe_b64encode(key))

    def encrypt(self, plain: str) -> str:
        """The token to store for `plain` ("" stays "")."""
        return self._fernet().encrypt(plain.encode()).decode() if plain else ""

    def decrypt(self, token: str | None) -> str:
        """The secret behind a stored token; SecretUnreadable if SECRET_KEY changed."""
        if not token:
            return ""
        try:
            return self._fernet().decrypt(token.encode()).decode()
        except InvalidToken:
            raise SecretUnreadable(f"The stored {self.what} cannot be decrypted (was SECRET_KEY changed?); "
                                   "enter it again") from None
