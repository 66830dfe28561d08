"""Helpers the mail services share: rights, field checks, e-mail addresses."""
from __future__ import annotations

import re

from errors import Forbidden, ValidationError
from org.actors import Actor, ProcessActor, actor_user
from org.admin import acts_as_admin

EMAIL_RE = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")


def is_admin(actor: Actor | None) -> bool:
    if actor is None:
        return False
    if isinstance(actor, ProcessActor):
        return True
    user = actor_user(actor)
    return acts_as_admin(user)  # administrators in admin mode (org.admin)


def require_admin(actor: Actor, what: str = "change mail settings") -> None:
    if not is_admin(actor):
        raise Forbidden(f"Missing right: {what} (administrators only)")


def valid_email(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 320 and bool(EMAIL_RE.match(value))


class Checker:
    """Collects one error per field while reading a JSON object; raise() if any."""

    def __init__(self, data: object) -> None:
        if not isinstance(data, dict):
            raise ValidationError("Expected a JSON object")
        self.data = data
        self.errors: dict[str, str] = {}

    def unknown(self, allowed: set[str]) -> None:
        for name in self.data:
            if name not in allowed:
                self.errors[name] = "Unknown field"

    def text(self, name: str, default: str = "", *, max_length: int = 255, required: bool = False) -> str:
        raw = self.data.get(name, default)
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            self.errors[name] = "Expected text"
            return default
        value = raw.strip()
        if required and not value:
            self.errors[name] = "This field is required"
        elif len(value) > max_length:
            self.errors[name] = f"At most {max_length} characters"
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.data.get(name, default)
        if value not in choices:
            self.errors[name] = f"Must be one of {', '.join(choices)}"
            return default
        return value

    def port(self, name: str, default: int) -> int:
        value = self.data.get(name, default)
        if value is None:
            return default
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            self.errors[name] = "A port number from 1 to 65535"
            return default
        return value

    def email(self, name: str, default: str = "", *, required: bool = False) -> str:
        value = self.text(name, default, max_length=320, required=required).lower()
        if value and name not in self.errors and not valid_email(value):
            self.errors[name] = "Not an e-mail address"
        return value

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError.from_fields(self.errors)
