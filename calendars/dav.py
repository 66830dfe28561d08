"""CalDAV at /dav/: Radicale as a WSGI application inside Flowdesk, its storage and auth
plugins over Flowdesk's tables (calendars/dav_storage.py, calendars/dav_auth.py).

Clients add the account with the portal address, the e-mail and a personal API token as
the password. Each DAV request runs in the Flask app's context and one unit of work that
commits when the answer is below 400.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import radicale
from flask import Flask
from radicale import config as radicale_config
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from extensions import db
from org.admin import enter_request, leave_request
from transactions import close_unit_of_work, open_unit_of_work

PREFIX = "/dav"


def radicale_app() -> radicale.Application:
    """Radicale configured with Flowdesk's plugins and no files of its own."""
    configuration = radicale_config.load()
    configuration.update({
        "auth": {"type": "calendars.dav_auth", "delay": "0"},
        "storage": {"type": "calendars.dav_storage"},
        "rights": {"type": "owner_only"},
        "web": {"type": "none"},
        "logging": {"level": "warning", "mask_passwords": "True"},
    }, "flowdesk", privileged=True)
    return radicale.Application(configuration)


class DavApp:
    """The WSGI application mounted at /dav: Radicale inside the Flask app's context."""

    def __init__(self, app: Flask) -> None:
        self.flask_app, self.radicale = app, radicale_app()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        status: list[int] = []

        def remember(code: str, headers: list, exc_info: object = None) -> Callable:
            status.append(int(code.split(" ", 1)[0]))
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        with self.flask_app.app_context():
            enter_request(None)  # nobody until the auth plugin names the person
            open_unit_of_work()
            try:
                body = list(self.radicale(environ, remember))
            except BaseException:
                close_unit_of_work(commit=False)
                raise
            else:
                close_unit_of_work(commit=bool(status) and status[0] < 400)
                return body
            finally:
                leave_request()
                db.session.remove()


def mount(app: Flask) -> None:
    """Serve CalDAV at /dav (call from the app factory; /dav/files belongs to WebDAV files and
    must be dispatched before this mount)."""
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {PREFIX: DavApp(app)})
