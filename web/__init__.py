"""Flask blueprints: HTML pages and the REST API under /api/v1."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from web.api import api
    from web.auth import init_login
    from web.pages import register_pages

    init_login(app)
    app.register_blueprint(api)
    register_pages(app)
