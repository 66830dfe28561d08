"""One log line per request, with its correlation id, which the answer also carries."""
from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request
from sqlalchemy import inspect as sa_inspect

import correlation
import instruments

log = logging.getLogger("flowdesk.request")
QUIET_PREFIXES = ("/static/", "/healthz", "/readyz", "/metrics")  # probes and assets: no line


def init_request_log(app: Flask) -> None:
    """Install the hooks (first, so every other hook logs with the id)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.teardown_request(_forget)


def _start() -> None:
    g._request_started = time.perf_counter()
    given = request.headers.get(correlation.HEADER)
    g._correlation_token = correlation.set_current(correlation.accept(given))


def _finish(response: Response) -> Response:
    value = correlation.current()
    if value:
        response.headers[correlation.HEADER] = value
    started = g.get("_request_started")
    if started is not None:
        group = instruments.endpoint_group(request.endpoint, request.path)
        instruments.HTTP_LATENCY.labels(group, request.method, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started)
    if started is not None and not request.path.startswith(QUIET_PREFIXES):
        duration = (time.perf_counter() - started) * 1000
        user = _user_id(g.get("_login_user"))
        log.info("%s %s %s %.1f ms", request.method, request.full_path.rstrip("?"), response.status_code,
                 duration, extra={"method": request.method, "path": request.path,
                                  "status": response.status_code, "duration_ms": round(duration, 1),
                                  "user_id": user})
    return response


def _user_id(user: object) -> int | None:
    """The logged-in user's id without touching the row: the view may have committed, and
    reading `user.id` of an expired row would reload it (a statement on every page)."""
    state = sa_inspect(user, raiseerr=False) if user is not None else None
    if state is None or not state.identity:
        return getattr(user, "id", None)
    return state.identity[0]


def _forget(_exc: BaseException | None = None) -> None:
    token = g.pop("_correlation_token", None)
    if token is not None:
        try:
            correlation.reset(token)
        except ValueError:  # another context (streamed answers): just clear
            correlation.set_current(None)
