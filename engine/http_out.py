"""Outgoing HTTP for the http.request activity and webhooks, always through netguard.

The URL's host is resolved and checked once (netguard: no loopback or private addresses unless
allowed); the session's resolver is pinned to that address, so DNS cannot change between the
check and the connect and a redirect is never followed. The answer is read up to a size cap.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import niquests

import netguard

MAX_RESPONSE_BYTES = 1_000_000
MAX_TIMEOUT = 60.0
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


class HttpFailed(Exception):
    """The request could not be made or answered; the message is safe to show."""


@dataclass(frozen=True)
class Answer:
    """What the server answered: status, headers (lower-case names), body bytes, time taken."""

    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_ms: int


def url_error(url: object) -> str | None:
    """Why `url` cannot be requested, or None (http or https with a host)."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return "Expected an http:// or https:// address"
    try:
        parts.port  # noqa: B018 -- a bad port raises here
    except ValueError:
        return "The port is not a number"
    return None


def host_of(url: str) -> str:
    """The lower-case host name of `url`."""
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def send(method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes | str | None = None,
         timeout: float = 10.0, max_bytes: int = MAX_RESPONSE_BYTES) -> Answer:
    """Make one request to a netguard-checked address; HttpFailed on any failure to get an answer."""
    problem = url_error(url)
    if problem:
        raise HttpFailed(problem)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = netguard.check_host(parts.hostname, port)
    except netguard.Refused as exc:
        raise HttpFailed(str(exc)) from None
    started = time.monotonic()
    session = niquests.Session(resolver=f"in-memory://default/?hosts={parts.hostname}:{address}")
    try:
        with session:
            response = session.request(method, url, headers=headers or {}, data=body, stream=True,
                                       timeout=min(float(timeout), MAX_TIMEOUT), allow_redirects=False)
            content = _read_capped(response, max_bytes)
            return Answer(int(response.status_code or 0), {k.lower(): v for k, v in response.headers.items()},
                          content, int((time.monotonic() - started) * 1000))
    except HttpFailed:
        raise
    except niquests.exceptions.Timeout:
        raise HttpFailed(f"No answer from {parts.hostname} within {timeout:g} s") from None
    except Exception:  # connection refused, TLS, protocol: one message that echoes nothing
        raise HttpFailed(str(netguard.cannot_connect(parts.hostname, port))) from None


def _read_capped(response: niquests.Response, max_bytes: int) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > max_bytes:
            raise HttpFailed(f"The answer is larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
