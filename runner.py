"""Run the whole platform in one process on embedded defaults."""
from __future__ import annotations

import logging
import os
import signal
import time

from flask import Flask
from werkzeug.serving import make_server

log = logging.getLogger("flowdesk")


def prepare_database(app: Flask) -> None:
    """Apply migrations (never create_all) so the schema matches the code."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    _install_standard_processes(app)


def _install_standard_processes(app: Flask) -> None:
    """Install/activate processes/*.bpmn (idempotent); a broken diagram never blocks start-up."""
    from engine.install import install_on_start

    try:
        install_on_start(app)
    except Exception:
        log.exception("installing the standard processes failed")


def _install_stop_signals() -> None:
    """Ctrl-C stops the server even when started in the background (which ignores SIGINT);
    SIGTERM (service managers, `kill`) does the same."""
    def handler(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def run_embedded(app: Flask) -> None:
    """Migrate, start the in-process worker and beat, serve until Ctrl-C or SIGTERM."""
    from embedded import EmbeddedCelery
    from extensions import celery

    host = os.environ.get("FLOWDESK_HOST", "127.0.0.1")
    port = int(os.environ.get("FLOWDESK_PORT", "5000"))
    started = time.monotonic()
    prepare_database(app)
    background = EmbeddedCelery(celery) if app.config["EMBEDDED_WORKER"] else None
    server = make_server(host, port, app, threaded=True)
    _install_stop_signals()
    try:
        if background is not None:
            background.start()
        url = f"http://{host}:{port}"
        print(f"\n  Flowdesk is running: open {url}\n  (started in {time.monotonic() - started:.1f} s;"
              " Ctrl-C stops it)\n", flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        server.server_close()
        if background is not None:
            background.stop()
    print("  Flowdesk stopped.", flush=True)
