"""bench/load.py in smoke mode against a real server: every page kind requested, no errors.

SQLite: `python app.py`; PostgreSQL: gunicorn, a Celery worker and Redis. No timing asserted.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.databases import backend

ROOT = Path(__file__).resolve().parents[3]
KINDS = {"dashboard", "inbox", "inbox task", "complete task", "lead list",
         "deal list", "contact list", "search", "deal board", "new lead form", "create lead"}

pytestmark = pytest.mark.services


def test_load_smoke_requests_every_page_kind_without_errors(tmp_path):
    out = tmp_path / "load.json"
    command = [sys.executable, "-m", "bench.load", "--db", backend(), "--smoke", "--json", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["errors"] == []
    assert result["logins"] == 3
    assert KINDS <= set(result["pages"]), set(result["pages"])
    assert {"lead page", "deal page", "contact page"} & set(result["pages"])  # a record page
    assert not result["rejected"], result["rejected"]
