"""What every page shares: login enforcement, error pages, template filters and globals."""
from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape

from errors import ServiceError, ValidationError
from extensions import db, login_manager
from org.admin import acts_as_admin
from org.models import User
from org.zones import person_zone, zone_of
from web.pages import pages

PUBLIC_ENDPOINTS = {"pages.setup", "pages.login", "pages.login_code", "pages.invitation_accept",
                    "pages.calendar_feed", "pages.caldav_well_known"}

NAV = [
    ("CRM", [("pages.record_list", {"plural": "leads"}, "Leads", "bi-funnel"),
             ("pages.record_list", {"plural": "contacts"}, "Contacts", "bi-person-vcard"),
             ("pages.record_list", {"plural": "companies"}, "Companies", "bi-buildings"),
             ("pages.record_list", {"plural": "deals"}, "Deals", "bi-briefcase"),
             ("pages.task_list", {}, "Tasks", "bi-check2-square"),
             ("pages.calendar_page", {}, "Calendar", "bi-calendar3"),
             ("pages.reports_home", {}, "Reports", "bi-bar-chart")]),
    ("Mail", [("pages.my_mail", {}, "My mail", "bi-envelope"),
              ("pages.mail_unassigned", {}, "CRM mailbox", "bi-inboxes"),
              ("pages.mail_templates", {}, "Mail templates", "bi-file-earmark-text")]),
    ("Processes", [("pages.inbox", {}, "Inbox", "bi-inbox"),
                   ("pages.process_list", {}, "Processes", "bi-bezier2"),
                   ("pages.activity_docs", {}, "Activities", "bi-gear-wide-connected")]),
    ("Drive", [("pages.drive_home", {}, "My drive", "bi-folder2"),
               ("pages.drive_shared", {}, "Shared with me", "bi-folder-symlink"),
               ("pages.drive_trash", {}, "Trash", "bi-trash")]),
    ("Company", [("pages.employees", {}, "Employees", "bi-people"),
                 ("pages.departments", {}, "Departments", "bi-diagram-3"),
                 ("pages.workgroup_list", {}, "Workgroups", "bi-people-fill")]),
    ("Settings", [("pages.company_settings_page", {}, "Company settings", "bi-building-gear"),
                  ("pages.access_roles", {}, "Access rights", "bi-shield-lock"),
                  ("pages.pipeline_settings", {}, "Deal pipelines", "bi-kanban"),
                  ("pages.mail_settings", {}, "Mail settings", "bi-envelope-at"),
                  ("pages.security_settings", {}, "Security", "bi-shield-check"),
                  ("pages.integrations", {}, "Integrations", "bi-plug"),
                  ("pages.audit_log", {}, "Audit log", "bi-journal-text"),
                  ("pages.system_page", {}, "System", "bi-activity")]),
]
# Administrators in admin mode only.
ADMIN_MODE_LINKS = {"pages.security_settings", "pages.integrations", "pages.audit_log", "pages.system_page",
                    "pages.mail_settings"}


def me() -> User:
    """The logged-in user as a plain User (services take actors, not proxies)."""
    return current_user._get_current_object()


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@pages.before_request
def _require_login():
    """Every page but the first-account and login pages needs a session."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    from org.services.users import has_users

    if not has_users():
        return redirect(url_for("pages.setup"))
    return login_manager.unauthorized()


@pages.before_request
def _refuse_nul():
    """Query, form and path values with a NUL character: 422 naming them (PostgreSQL refuses
    NUL in text, which would surface as a 500 deep in a service)."""
    values = [*request.args.items(multi=True), *request.form.items(multi=True),
              *(request.view_args or {}).items()]
    names = sorted({k for k, v in values if "\x00" in k or (isinstance(v, str) and "\x00" in v)})
    if names:
        fields = ", ".join(name.replace("\x00", "\\0") for name in names)
        raise ValidationError(f"Text may not contain NUL characters: {fields}")


@pages.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    db.session.rollback()
    return render_template("errors/error.html", code=exc.status, message=exc.message), exc.status


@pages.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError):
    message = "This form has expired or was sent from elsewhere. Go back, reload the page and try again."
    return render_template("errors/error.html", code=400, message=message), 400


def _not_found(exc: Exception):
    if request.path.startswith("/api/"):
        return jsonify({"error": "Not found"}), 404
    return render_template("errors/error.html", code=404, message="This page does not exist."), 404


def _naive_utc(value: datetime) -> datetime:
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def user_zone() -> ZoneInfo:
    """The logged-in person's time zone: their profile's, else the company's (org.zones.person_zone);
    UTC outside a request. Looked up once per request and profile zone (pages format many dates)."""
    if not (has_request_context() and current_user.is_authenticated):
        return zone_of(None)
    cached = g.get("fd_zone")
    if cached is None or cached[0] != current_user.time_zone:
        cached = g.fd_zone = (current_user.time_zone, zone_of(person_zone(current_user)))
    return cached[1]


def to_local(value: datetime) -> datetime:
    """A stored (UTC) timestamp in the person's zone, zone attached."""
    return _naive_utc(value).replace(tzinfo=UTC).astimezone(user_zone())


def fmt_datetime(value: datetime | str | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    """Timestamps are stored in UTC (or carried as ISO text); pages show them in the person's zone."""
    if isinstance(value, str) and value:
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return to_local(value).strftime(fmt) if value else ""


def fmt_ago(value: datetime | None) -> Markup:
    """"5 min ago", with the exact local time and zone in the tooltip."""
    if not value:
        return Markup("")
    seconds = (datetime.now(UTC).replace(tzinfo=None) - _naive_utc(value)).total_seconds()
    if seconds < 60:
        text = "just now"
    elif seconds < 3600:
        text = f"{int(seconds // 60)} min ago"
    elif seconds < 86400:
        text = f"{int(seconds // 3600)} h ago"
    elif seconds < 7 * 86400:
        text = f"{int(seconds // 86400)} d ago"
    else:
        text = fmt_datetime(value, "%d %b %Y")
    exact = f"{fmt_datetime(value)} {user_zone().key}"
    stamp = escape(_naive_utc(value).replace(tzinfo=UTC).isoformat())
    return Markup(f'<time datetime="{stamp}" title="{escape(exact)}">{escape(text)}</time>')


def fmt_money(amount: Decimal | float | None, currency: str | None = "") -> str:
    if amount is None:
        return ""
    text = f"{Decimal(str(amount)):,.2f}".replace(",", "\u202f")
    return f"{text} {currency}".strip() if currency else text


def initials(user: User | None) -> str:
    if user is None:
        return "?"
    parts = [p for p in (user.first_name, user.last_name) if p]
    return "".join(p[0] for p in parts).upper() or user.email[:1].upper()


def polled(body: str, tag: str) -> Response:
    """A fragment pages poll: with an ETag the browser sends back, re-checked on every poll."""
    response = make_response(body)
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def not_modified(tag: str) -> Response:
    """304 for a poll whose fragment has not changed (nothing rendered)."""
    response = Response(status=304)
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def asset(name: str) -> str:
    """URL of a bundled asset, versioned by its modification time so browsers refetch it."""
    path = os.path.join(current_app.static_folder, "dist", name)
    version = int(os.path.getmtime(path)) if os.path.exists(path) else 0
    return url_for("static", filename=f"dist/{name}", v=version)


def nav_active(endpoint: str, args: dict) -> bool:
    """Whether a navigation link points at the current page (or its sub-pages)."""
    if endpoint == "pages.record_list":
        return request.view_args is not None and request.view_args.get("plural") == args.get("plural")
    prefixes = {"pages.my_mail": "/mail/inbox", "pages.mail_unassigned": "/mail/unassigned",
                "pages.mail_templates": "/mail/templates",
                "pages.task_list": "/tasks", "pages.employees": "/company/employees",
                "pages.departments": "/company/departments", "pages.inbox": "/inbox",
                "pages.workgroup_list": "/workgroups", "pages.company_settings_page": "/settings/company",
                "pages.mail_settings": "/settings/mail", "pages.access_roles": "/settings/roles",
                "pages.reports_home": "/reports",
                "pages.activity_docs": "/processes/activities"}
    if endpoint == "pages.process_list":
        return request.path.startswith("/processes") and not request.path.startswith("/processes/activities")
    prefix = prefixes.get(endpoint)
    return bool(prefix) and request.path.startswith(prefix)


def url_with(**changes: object) -> str:
    """The current page's URL with some query arguments changed (None drops one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def can(entity: str, action: str, record: object | None = None) -> bool:
    """Whether the logged-in user may do `action` (templates hide what they may not)."""
    from crm import access

    return current_user.is_authenticated and access.can(me(), entity, action, record)


def _nav() -> list:
    """The navigation; the Settings section only for those who may change settings."""
    from crm import access

    if not (current_user.is_authenticated and access.can_change_settings(me())):
        return [(section, links) for section, links in NAV if section != "Settings"]
    if acts_as_admin(me()):
        return NAV
    return [(section, [link for link in links if link[0] not in ADMIN_MODE_LINKS]) for section, links in NAV]


def _globals() -> dict:
    return {"nav": _nav(), "me": current_user, "asset": asset, "nav_active": nav_active, "url_with": url_with,
            "can": can, "zone_name": lambda: user_zone().key}


def install(app: Flask) -> None:
    """App-wide pieces: filters, globals, the HTML 404 page."""
    app.add_template_filter(fmt_datetime, "datetime")
    app.add_template_filter(fmt_ago, "ago")
    app.add_template_filter(fmt_money, "money")
    app.add_template_filter(initials, "initials")
    app.context_processor(_globals)
    app.register_error_handler(404, _not_found)
