"""A Flask test client holding a user's session, as after logging in through the form."""
from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient


def session_client(app: Flask, user, *, admin_mode: bool | None = None) -> FlaskClient:
    """Log `user` in; administrators work in admin mode unless `admin_mode=False` (org.admin)."""
    from flask import g

    g.pop("_login_user", None)  # the tests' app context outlives requests: forget the last user
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        if user.is_admin if admin_mode is None else admin_mode:
            session["admin_mode"] = user.get_id()
    return client
