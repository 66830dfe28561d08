"""Radicale auth plugin: the login is the person's e-mail, the password a personal API token
(an app password, revocable on the profile). Loaded by name from calendars/dav.py."""
from __future__ import annotations

from radicale import auth

from org.admin import enter_request
from org.services.tokens import token_owner


class Auth(auth.BaseAuth):
    def _login(self, login: str, password: str) -> str:
        """The login (lower-cased e-mail) when the token is that person's; "" otherwise."""
        found = token_owner(password) if password else None
        if found is None:
            return ""
        user, _token = found
        if not user.is_active or user.email.lower() != login.strip().lower():
            return ""
        enter_request(user.id, on=False)  # administrators act without admin mode over /dav/
        return user.email.lower()
