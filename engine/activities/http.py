"""The http.request activity: one HTTP call to an allowed host, its answer into a variable.

The host must be on the administrators' allow-list (Settings → Integrations) and pass netguard
(no loopback or private address unless allowed). The url, header values and body are templates
rendered in mail's Jinja sandbox with `secrets` (the named secrets of the setting, decrypted
only here) and `data` (the `data` parameter): a token never appears in the diagram. Connection
failures, timeouts and 5xx/429 answers are tried again `retries` times with a growing pause;
what still fails raises ActivityError naming the parameter, so the engine's retry/incident path
applies. Other answers (also 4xx) are the result: the diagram decides.
"""
from __future__ import annotations

import json
import time

from engine import http_out
from engine.activities.base import ActivityContext, ActivityError, Param, Topic, as_dict, fail, given
from mail.render import RenderError, render
from org import http_settings

TOPIC = "http.request"
DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 30.0
MAX_RETRIES = 5
MAX_BODY = 256_000  # the answer lands in the process state: kept small
RESULT = "response"


def _number(params: dict, name: str, default: float, high: float) -> float:
    if not given(params, name):
        return default
    try:
        value = float(params[name])
    except (TypeError, ValueError):
        raise fail(TOPIC, name, f"Expected a number, got {params[name]!r}") from None
    if not 0 <= value <= high:
        raise fail(TOPIC, name, f"Expected a number from 0 to {high:g}")
    return value


def _render(text: object, name: str, context: dict) -> str:
    try:
        return render(str(text), context)
    except RenderError as exc:
        raise fail(TOPIC, name, str(exc)) from None


def _context(params: dict) -> dict:
    secrets = {name: http_settings.secret_value(name) or "" for name in http_settings.secret_names()}
    return {"secrets": secrets, "data": as_dict(TOPIC, params, "data")}


def _body(params: dict, context: dict) -> tuple[str | None, str | None]:
    """The body text and, for an object body, its content type."""
    body = params.get("body")
    if body is None or body == "":
        return None, None
    if isinstance(body, (dict, list)):
        return json.dumps(body), "application/json"
    return _render(body, "body", context), None


def _request(params: dict) -> dict:
    method = str(params.get("method") or "GET").strip().upper()
    if method not in http_out.METHODS:
        raise fail(TOPIC, "method", f"Expected one of {', '.join(http_out.METHODS)}")
    context = _context(params)
    url = _render(params["url"], "url", context).strip()
    problem = http_out.url_error(url)
    if problem:
        raise fail(TOPIC, "url", problem)
    if not http_settings.host_allowed(http_out.host_of(url)):
        raise fail(TOPIC, "url", f"The host {http_out.host_of(url)} is not on the allowed hosts list "
                                 "(Settings → Integrations)")
    given_headers = as_dict(TOPIC, params, "headers")
    headers = {str(k): _render(v, f"headers.{k}", context) for k, v in given_headers.items()}
    if given(params, "secret"):
        value = http_settings.secret_value(str(params["secret"]).strip())
        if value is None:
            raise fail(TOPIC, "secret", f"No secret named {params['secret']!r} (Settings → Integrations)")
        headers.setdefault("Authorization", f"Bearer {value}")
    body, content_type = _body(params, context)
    if content_type:
        headers.setdefault("Content-Type", content_type)
    return {"method": method, "url": url, "headers": headers, "body": body}


def _answer_dict(answer: http_out.Answer) -> dict:
    text = answer.body.decode("utf-8", errors="replace")
    is_json = "json" in answer.headers.get("content-type", "")
    data = None
    if is_json and text:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    return {"status": answer.status, "ok": 200 <= answer.status < 300, "headers": answer.headers,
            "json": data, "text": None if data is not None else text, "elapsed_ms": answer.elapsed_ms}


def call(params: dict, ctx: ActivityContext) -> dict:
    """Make the request (see the module docstring); {result_variable: {status, headers, json, text}}."""
    req = _request(params)
    timeout = _number(params, "timeout", DEFAULT_TIMEOUT, MAX_TIMEOUT)
    retries = int(_number(params, "retries", 0, MAX_RETRIES))
    name = str(params.get("result_variable") or RESULT).strip()
    if not name.isidentifier():
        raise fail(TOPIC, "result_variable", "Expected a variable name")
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(min(0.2 * 2 ** attempt, 5))  # a growing pause: the server may be recovering
        try:
            answer = http_out.send(req["method"], req["url"], headers=req["headers"], body=req["body"],
                                   timeout=timeout or DEFAULT_TIMEOUT, max_bytes=MAX_BODY)
        except http_out.HttpFailed as exc:
            error: ActivityError = fail(TOPIC, "url", str(exc))
            continue
        if answer.status >= 500 or answer.status == 429:
            error = fail(TOPIC, "url", f"The server answered {answer.status} after {attempt + 1} attempt(s)")
            continue
        return {name: _answer_dict(answer)}
    raise error


PARAMS = (
    Param("url", "The address (http or https; a template, e.g. https://api.example.com/{{ data.id }}); "
          "its host must be on the allowed hosts list", required=True),
    Param("method", "GET (default), POST, PUT, PATCH, DELETE or HEAD"),
    Param("headers", 'Header names to values (templates: "Bearer {{ secrets.CRM_TOKEN }}")', type="object"),
    Param("body", "The body: a template text, or an object sent as JSON", type="object"),
    Param("data", "Values the templates see as `data`", type="object"),
    Param("secret", "The name of a stored secret sent as 'Authorization: Bearer <secret>'"),
    Param("timeout", f"Seconds to wait for an answer (default {DEFAULT_TIMEOUT:g}, at most {MAX_TIMEOUT:g})",
          type="integer"),
    Param("retries", f"Tries again after a failed connection, timeout, 5xx or 429 (0-{MAX_RETRIES})",
          type="integer"),
    Param("result_variable", f"The variable the answer goes into (default {RESULT})"),
)

TOPICS: tuple[Topic, ...] = (
    Topic(TOPIC, "Call an HTTP API on an allowed host (Settings → Integrations); the answer goes into a "
          "variable. Failures after the retries raise an incident naming the parameter.",
          PARAMS, RESULT, call,
          result_description='{"status", "ok", "headers", "json" (a JSON answer), "text" (otherwise), '
                             '"elapsed_ms"}',
          writes=False),  # no rows of its own: the call holds no SQLite write lock (dispatch)
)
