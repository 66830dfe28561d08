"""Server-rendered pages (Jinja + htmx)."""
from __future__ import annotations

from flask import Blueprint, Flask

pages = Blueprint("pages", __name__)


def register_pages(app: Flask) -> None:
    from web.pages import auth  # noqa: F401  (routes)

    app.register_blueprint(pages)
