"""The REST API under /api/v1: JSON in and out, bearer tokens, 4xx for bad input."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

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
    retry = getattr(exc, "retry_after", None)  # 429 for throttled logins
    return jsonify(exc.to_dict()), exc.status, ({"Retry-After": str(retry)} if retry else {})


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


# Route modules, one a line (several people add to this list).
from web.api import (  # noqa: E402,F401  (routes)
    access,
    activities,
    auth,
    events,
    export,
    inbox,
    instances,
    mail,
    openapi,
    org,
    portal,
    portal_docs,
    processes,
    records,
    search,
    settings,
    tasks,
    workgroups,
)
