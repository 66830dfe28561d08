"""Password hashing with argon2."""
from __future__ import annotations

import gzip
import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 1000
COMMON_LIST = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"

_hasher = PasswordHasher()
# Random codes (two-factor recovery codes, 50 bits) need no slow hash against guessing, only one that
# does not reveal them: argon2 with light parameters, so checking ten of them stays quick.
_code_hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
_dummy: list[str] = []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_random_code(code: str) -> str:
    """The stored form of a random single-use code (argon2, light parameters)."""
    return _code_hasher.hash(code)


def dummy_hash() -> str:
    """A hash no password matches, checked for unknown e-mails so they cost as much as known ones."""
    if not _dummy:
        _dummy.append(_hasher.hash(secrets.token_hex(16)))
    return _dummy[0]


@cache
def _common() -> frozenset[str]:
    with gzip.open(COMMON_LIST, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def password_problem(password: object, email: str = "") -> str | None:
    """Why a new password is refused (NIST SP 800-63B: length, not common, not the e-mail), or None."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters"
    lowered = password.strip().lower()
    if lowered in _common():
        return "This password is among the most common ones; choose another"
    local = email.lower().split("@", 1)[0]
    if lowered in {email.lower(), local} or len(set(lowered)) < 3:
        return "This password is too easy to guess; choose another"
    return None
