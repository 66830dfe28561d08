"""503 with Retry-After while the database is unreachable or busy, instead of a 500.

A transient database error (dbretry.is_transient: connection refused or dropped, server
restarting, "database is locked", a serialization failure) says "try again shortly", so the
API and the pages say exactly that. The answer is built without the database: no layout
(its navigation reads the current user), no session access.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, request
from markupsafe import escape
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import InternalServerError

import dbretry
from extensions import db

MESSAGE = "The database is unavailable for a moment. Please try again shortly."
PAGE = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>503 Unavailable</title>"
        "</head><body><h1>Service unavailable</h1><p>{message}</p></body></html>")


def _unavailable() -> Response:
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: nothing to undo
        db.session.close()
    retry_after = str(int(current_app.config.get("RETRY_AFTER_SECONDS", 10)))
    if request.path.startswith("/api/"):
        response = jsonify({"error": MESSAGE})
    else:
        response = Response(PAGE.format(message=escape(MESSAGE)), mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = retry_after
    return response


def _database_error(exc: Exception) -> Response:
    if not dbretry.is_transient(exc):
        raise exc  # a real failure: the 500 it always was
    return _unavailable()


def _server_error(exc: InternalServerError) -> Response | InternalServerError:
    """An error no handler took (e.g. the commit after the view): 503 when the database was busy."""
    if dbretry.is_transient(exc.original_exception):
        return _unavailable()
    return exc


def init_unavailable(app: Flask) -> None:
    """Answer transient database errors with 503 and Retry-After on every route of `app`."""
    for cls in (sa_exc.DBAPIError, sa_exc.DisconnectionError, sa_exc.TimeoutError):
        app.register_error_handler(cls, _database_error)
    app.register_error_handler(InternalServerError, _server_error)
