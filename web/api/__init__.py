"""The REST API under /api/v1: JSON in and out, bearer tokens, 4xx for bad input."""
from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_etags

from errors import ServiceError, ValidationError
from extensions import csrf, db
from web.routes import install_converters

api = Blueprint("api", __name__, url_prefix="/api/v1")
api.record_once(install_converters)  # `<records:plural>`, `<entities:plural>`
csrf.exempt(api)  # token-authenticated: no cookies, so no CSRF

PUBLIC_ENDPOINTS = {"api.issue_token", "api.openapi"}


@api.before_request
def _authenticate() -> None:
    from web.auth import bearer_user

    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    g.actor = bearer_user()


@api.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    db.session.rollback()
    headers: dict[str, str] = {}
    if retry := getattr(exc, "retry_after", None):  # 429 for throttled logins
        headers["Retry-After"] = str(retry)
    if current := getattr(exc, "current_version", None):  # 412: the ETag to retry with
        headers["ETag"] = f'"{current}"'
    return jsonify(exc.to_dict()), exc.status, headers


@api.errorhandler(StaleDataError)
def _lost_race(exc: StaleDataError):
    """A versioned row changed under a writer that did not lock it: a 409, never a 500."""
    db.session.rollback()
    return jsonify({"error": "Changed by someone else at the same time; read it again and retry"}), 409


@api.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    db.session.rollback()
    return jsonify({"error": exc.description or exc.name}), exc.code


def json_body() -> dict:
    """The request's JSON object, or a 400 naming the problem."""
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationError("Send a JSON object with Content-Type: application/json")
    if not isinstance(data, dict):
        raise ValidationError("Expected a JSON object")
    unstorable = _unstorable(data)
    if unstorable:
        raise ValidationError.from_fields(unstorable)
    return data


def if_match() -> frozenset[int] | None:
    """The versions named by If-Match (weak tags count too); None when absent or "*"."""
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    tags = parse_etags(raw)
    if tags.star_tag:
        return None
    return frozenset(int(t) for t in tags.as_set(include_weak=True) if t and t.isdigit() and len(t) < 10)


def with_etag(response: Response, version: int) -> Response:
    """The row's version as a strong ETag ("3"): the If-Match to send with a change."""
    response.set_etag(str(version))
    return response
HUGE = "A number between -2^63 and 2^63-1"  # no column holds more; SQLite cannot even bind it (a 500)
NUL = "Text may not contain NUL characters"  # PostgreSQL refuses them in text (a 500)


def _unstorable(data: dict) -> dict[str, str]:
    """{path (`links[0].id`): why} for values no database column takes; a loop, as bodies nest deeply."""
    found, todo = {}, [(data, "")]
    while todo:
        value, where = todo.pop()
        if isinstance(value, dict):
            for k, v in value.items():
                todo.append((v, f"{where}.{k}" if where else str(k)))
                if "\x00" in k:
                    found[where or "body"] = NUL
        elif isinstance(value, list):
            todo += [(v, f"{where}[{i}]") for i, v in enumerate(value)]
        elif isinstance(value, str) and "\x00" in value:
            found[where] = NUL
        elif isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
            found[where] = HUGE
    return found


@api.before_request
def _refuse_nul_in_url() -> None:
    """Query parameters and path parts with a NUL character: 422 naming them, not a database error."""
    names = [k for k, v in request.args.items(multi=True) if "\x00" in k or "\x00" in v]
    names += [k for k, v in (request.view_args or {}).items() if isinstance(v, str) and "\x00" in v]
    if names:
        raise ValidationError.from_fields({name.replace("\x00", "\\0"): NUL for name in names})


def id_arg(name: str) -> int | None:
    """An optional id in the query string (`?before=12`); 422 naming it when it cannot be an id."""
    from org.models import valid_id

    raw = request.args.get(name, "")
    if raw == "":
        return None
    if not valid_id(raw):  # PostgreSQL refuses numbers over its integer range (a 500)
        raise ValidationError.from_fields({name: "An id (a whole number from 1)"})
    return int(raw)


def page_args() -> tuple[int, str | None]:
    from flask import current_app

    raw = request.args.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= current_app.config["API_PAGE_MAX"]:
        raise ValidationError.from_fields(
            {"limit": f"A whole number from 1 to {current_app.config['API_PAGE_MAX']}"})
    return int(raw), request.args.get("cursor") or None


def version_arg() -> int | None:
    """The optional `?version=` of a versioned definition (decisions, forms); 422 when not a number."""
    raw = request.args.get("version")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationError.from_fields({"version": "A version number"})
    return int(raw)


# Route modules, one a line (several people add to this list).
from web.api import (  # noqa: E402,F401  (routes)
    access,
    accounts_docs,
    activities,
    audit,
    auth,
    boards,
    calendars,
    calendars_docs,
    camunda_forms,
    company_settings,
    decisions,
    drive,
    drive_attachments,
    drive_docs,
    drive_public,
    drive_sharing,
    duplicates,
    events,
    export,
    history,
    imports,
    inbox,
    incidents,
    instances,
    mail,
    openapi,
    org,
    outbox,
    passwords,
    portal,
    portal_docs,
    process_drafts,
    processes,
    records,
    reports,
    search,
    settings,
    system,
    tasks,
    two_factor,
    webhooks,
    workgroups,
)
