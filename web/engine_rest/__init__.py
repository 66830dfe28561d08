"""A Camunda 7 REST API subset under /engine-rest: external task workers and Camunda Modeler's deploy.

Authenticated with Flowdesk API tokens (Bearer, or HTTP Basic with the e-mail and a token);
errors answer Camunda's shape `{"type": ..., "message": ...}` (docs/engine-rest.md).
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, g, jsonify, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from errors import NotFound, ServiceError, ValidationError
from extensions import csrf, db

engine_rest = Blueprint("engine_rest", __name__, url_prefix="/engine-rest")
csrf.exempt(engine_rest)  # token-authenticated: no cookies, so no CSRF

# Camunda's exception names by HTTP status (clients log them; some branch on 404).
_TYPES = {400: "InvalidRequestException", 401: "AuthenticationException", 403: "AuthorizationException",
          404: "InvalidRequestException", 409: "BadUserRequestException", 413: "InvalidRequestException"}


@engine_rest.before_request
def _authenticate() -> None:
    from web.auth import token_user

    g.actor = token_user()
    bad = [k for k, v in [*request.args.items(multi=True), *(request.view_args or {}).items()]
           if "\x00" in str(k) + str(v)]
    if bad:  # PostgreSQL refuses NUL in text: a 400 naming the parameter, not a 500
        raise ValidationError.from_fields({name.replace("\x00", "\\0"): "NUL characters are not allowed"
                                           for name in bad})


def _camunda_error(status: int, message: str, fields: dict | None = None):
    db.session.rollback()
    if fields:  # name every bad field in the message: Camunda clients show only the message
        message = f"{message}: " + "; ".join(f"{k}: {v}" for k, v in fields.items())
    body = {"type": _TYPES.get(status, "RestException"), "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(body), status


@engine_rest.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    status = 400 if isinstance(exc, ValidationError) else exc.status  # Camunda: 400 for bad input
    errors = getattr(exc, "errors", None)
    fields = dict(exc.fields or {}) if getattr(exc, "fields", None) else None
    if errors and not fields:  # a refused diagram: [{element, message}]
        fields = {str(e.get("element") or "diagram"): e.get("message") for e in errors}
    response = _camunda_error(status, exc.message, fields)
    if status == 401:
        response[0].headers["WWW-Authenticate"] = 'Basic realm="Flowdesk engine-rest"'
    return response


@engine_rest.errorhandler(StaleDataError)
def _lost_race(_exc: StaleDataError):
    return _camunda_error(409, "Changed by someone else at the same time; retry")


@engine_rest.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return _camunda_error(exc.code or 500, exc.description or exc.name)


def body() -> dict:
    """The request's JSON object (an empty body counts as {}); 400 otherwise."""
    if not request.get_data():
        return {}
    from web.api import _unstorable

    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError("Send a JSON object with Content-Type: application/json")
    unstorable = _unstorable(data)  # NUL characters, numbers beyond 64 bits: 400 naming them, not a 500
    if unstorable:
        raise ValidationError.from_fields(unstorable)
    return data


def text_field(data: dict, name: str, *, required: bool = True, limit: int = 255) -> str | None:
    """A string field of the body; 400 naming it when missing or not a string."""
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        raise ValidationError.from_fields({name: f"Expected a non-empty string of at most {limit} chars"})
    return value


def int_field(data: dict, name: str, default: int | None = None, *, low: int = 0,
              high: int = 2**31 - 1) -> int:
    """A whole-number field of the body; 400 naming it."""
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationError.from_fields({name: f"Expected a whole number from {low} to {high}"})
    return value


def camunda_time(value: datetime | None) -> str | None:
    """A naive UTC time as Camunda writes it: 2026-12-04T17:48:00.000+0000."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def numeric_id(raw: str, what: str) -> int:
    """A path id (Flowdesk ids are numbers): 404 in Camunda's words otherwise."""
    from org.models import valid_id

    if not valid_id(raw):
        raise NotFound(f"{what} with id {raw} does not exist")
    return int(raw)


# Route modules.
from web.engine_rest import (  # noqa: E402,F401  (routes)
    decisions,
    deployment,
    external_task,
    forms,
    history,
    incident,
    job,
    process,
    statistics,
    tasks,
)
