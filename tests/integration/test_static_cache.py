"""Versioned bundles and content-hashed fonts are cached for a year; anything else re-validates."""
from __future__ import annotations

import os
import re

from tests.support.browser import session_client

YEAR = "public, max-age=31536000, immutable"


def test_versioned_bundles_are_immutable_and_plain_files_revalidate(app, admin):
    client = session_client(app, admin)
    page = client.get("/").data.decode()
    bundle = re.search(r'src="(/static/dist/app\.js\?v=\d+)"', page).group(1)
    answer = client.get(bundle)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == YEAR
    assert answer.headers["X-Content-Type-Options"] == "nosniff"  # the other headers stay
    plain = client.get("/static/dist/app.js")  # no version: the browser must ask again
    assert plain.status_code == 200 and "immutable" not in plain.headers.get("Cache-Control", "")
    fonts = [n for n in os.listdir(os.path.join(app.static_folder, "dist")) if n.endswith(".woff2")]
    font = client.get(f"/static/dist/{fonts[0]}")
    assert font.headers["Cache-Control"] == YEAR
    assert client.get("/static/dist/nothing.js?v=1").status_code == 404
