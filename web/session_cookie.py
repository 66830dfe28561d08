"""Flask's signed session cookie, without its per-request set-up cost when there is no cookie.

Flask builds a new signing serializer (key list, salt, signer options) in every request's
`open_session`, and `save_session` reads six cookie settings before it sees an empty session.
API calls (bearer tokens) carry no session cookie at all, so both were pure overhead on the
measured path (about 0.1 ms a request). Same cookies, same checks, same answers."""
from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer


class SessionInterface(SecureCookieSessionInterface):
    """SecureCookieSessionInterface with its serializer kept while the keys stay the same."""

    _cached: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, built again only when SECRET_KEY or its fallbacks change."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._cached
        if cached is None or cached[0] != keys:
            cached = (keys, super().get_signing_serializer(app))
            self._cached = cached
        return cached[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """No cookie: an empty session (None without a secret key, as Flask does), nothing decoded."""
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class() if app.secret_key else None
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """An empty, unmodified session sets no cookie: only the Vary header Flask would add."""
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def init_session_cookie(app: Flask) -> None:
    """Use the interface above for `app`'s sessions."""
    app.session_interface = SessionInterface()
