"""Flask blueprints: HTML pages and the REST API under /api/v1."""
from __future__ import annotations

from flask import Flask, Response, g
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from org.models import MAX_ID
from transactions import close_unit_of_work, open_unit_of_work


class IdConverter(IntegerConverter):
    """`<int:...>` ids beyond what a table can hold are a 404 at once (PostgreSQL would refuse them)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise NotFound("No such id")
        return number


def register(app: Flask) -> None:
    from web.api import api
    from web.auth import init_login
    from web.engine_rest import engine_rest
    from web.headers import init_headers
    from web.pages import register_pages
    from web.probes import probes
    from web.request_log import init_request_log
    from web.session_cookie import init_session_cookie
    from web.unavailable import init_unavailable

    app.url_map.converters["int"] = IdConverter  # before any route is added
    init_request_log(app)
    init_session_cookie(app)
    app.before_request(_open_request_unit)
    app.after_request(_close_request_unit)
    app.teardown_request(_abandon_request_unit)
    init_login(app)
    init_headers(app)
    init_unavailable(app)
    app.register_blueprint(api)
    app.register_blueprint(probes)
    app.register_blueprint(engine_rest)
    register_pages(app)


# One unit of work per request: committed when the answer is a success (< 400), rolled back
# otherwise. A view that catches a service error and still answers < 400 rolls back itself.

def _open_request_unit() -> None:
    g._unit_of_work = True
    open_unit_of_work()


def _close_request_unit(response: Response) -> Response:
    if g.pop("_unit_of_work", False):
        close_unit_of_work(commit=response.status_code < 400)
    return response


def _abandon_request_unit(_exc: BaseException | None) -> None:
    if g.pop("_unit_of_work", False):  # after_request never ran: an unhandled error
        close_unit_of_work(commit=False)
