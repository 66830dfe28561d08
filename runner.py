"""Run the whole platform in one process on embedded defaults."""
from __future__ import annotations

import logging
import os

from flask import Flask
from werkzeug.serving import make_server

log = logging.getLogger("flowdesk")


def prepare_database(app: Flask) -> None:
    """Apply migrations (never create_all) so the schema matches the code."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(revision="heads")
    _install_standard_processes(app)


def _install_standard_processes(app: Flask) -> None:
    """Install/activate processes/*.bpmn (idempotent); a broken diagram never blocks start-up."""
    from engine.install import install_on_start

    try:
        install_on_start(app)
    except Exception:
        log.exception("installing the standard processes failed")


def run_embedded(app: Flask) -> None:
    from embedded import start_worker_and_beat
    from extensions import celery

    host = os.environ.get("FLOWDESK_HOST", "127.0.0.1")
    port = int(os.environ.get("FLOWDESK_PORT", "5000"))
    prepare_database(app)
    if app.config["EMBEDDED_WORKER"]:
        start_worker_and_beat(celery)
    server = make_server(host, port, app, threaded=True)
    url = f"http://{host}:{port}"
    print(f"\n  Flowdesk is running: open {url}\n  (Ctrl-C stops it)\n", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        server.server_close()
