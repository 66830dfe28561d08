"""Flask blueprints: HTML pages and the REST API under /api/v1."""
from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from org.models import MAX_ID


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
    from web.headers import init_headers
    from web.pages import register_pages

    app.url_map.converters["int"] = IdConverter  # before any route is added
    init_login(app)
    init_headers(app)
    app.register_blueprint(api)
    register_pages(app)
