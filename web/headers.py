"""Security headers on every answer: content policy, framing, referrer, content sniffing."""
from __future__ import annotations

from flask import Flask, Response

# Scripts only from our own files (the bundles under /static/dist); inline styles stay allowed
# because bpmn-js and the templates' layout tweaks set style attributes. Pages may be framed
# only by our own pages (the mail body viewer); a response that set its own policy keeps it.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
}


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_headers(app: Flask) -> None:
    """Add the headers to every response of `app`."""
    app.after_request(_add_headers)
