"""Security headers on every answer (content policy, framing, referrer, content sniffing), and
the cache lifetime of versioned static bundles."""
from __future__ import annotations

import re

from flask import Flask, Response, request

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


# Bundles linked with ?v=<mtime> (web.pages.common.asset) and the fonts esbuild names by content
# hash never change under their URL: browsers keep them a year instead of re-validating each
# bundle on every page (the crawl saw app.js, app.css and the icon font asked again per page).
IMMUTABLE = "public, max-age=31536000, immutable"
_HASHED_FILE = re.compile(r"^/static/dist/[\w.-]+-[A-Z0-9]{8}\.(woff2?|ttf|eot|svg)$")


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.status_code == 200 and request.path.startswith("/static/dist/") and (
            request.args.get("v") or _HASHED_FILE.match(request.path)):
        response.headers["Cache-Control"] = IMMUTABLE
    return response


def init_headers(app: Flask) -> None:
    """Add the headers to every response of `app`."""
    app.after_request(_add_headers)
