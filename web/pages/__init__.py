"""Server-rendered pages (Jinja + htmx)."""
from __future__ import annotations

from flask import Blueprint, Flask

pages = Blueprint("pages", __name__)


def register_pages(app: Flask) -> None:
    from web.pages import activities, auth, company, home, record_edit, records, search, tasks  # noqa: F401,E501
    from web.pages import access  # noqa: F401  (access settings routes)
    from web.pages.common import install

    install(app)
    app.register_blueprint(pages)
