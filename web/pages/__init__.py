"""Server-rendered pages (Jinja + htmx)."""
from __future__ import annotations

from flask import Blueprint, Flask

from web.routes import install_converters

pages = Blueprint("pages", __name__)
pages.record_once(install_converters)  # `<records:plural>`, `<entities:plural>`


def register_pages(app: Flask) -> None:
    from web.pages import (  # noqa: F401  (routes)
        access,
        activities,
        audit,
        auth,
        boards,
        calendar,
        calendar_feed,
        calendar_settings,
        camunda_forms,
        company,
        company_settings,
        decisions,
        directory,
        drive,
        drive_picker,
        drive_public,
        duplicates,
        exchange,
        home,
        imports,
        inbox,
        incidents,
        instances,
        integrations,
        mail,
        mail_personal,
        mail_settings,
        migrations,
        outbox,
        passwords,
        pipelines,
        portal,
        process_drafts,
        processes,
        profile,
        record_edit,
        records,
        reports,
        search,
        structure,
        system,
        tasks,
        two_factor,
        workgroups,
        zones,
    )
    from web.pages.common import install

    install(app)
    app.register_blueprint(pages)
