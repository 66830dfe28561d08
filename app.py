"""Composition root: create_app(), the Celery app, CLI commands, the embedded runner."""
from __future__ import annotations

import importlib
import os
import sys

from flask import Flask

import config as config_module
import deferred_rows
import kick_latch
import logs
import netguard
from beat_schedule import beat_schedule
from extensions import celery_init_app, csrf, db, login_manager, migrate


def create_app(config: object | None = None) -> Flask:
    """Build the Flask app; `config` is a Config instance or a dict of overrides."""
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static",
                instance_path=str(config_module.INSTANCE_DIR))
    app.config.from_object(config_module.Config())
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    if "SQLALCHEMY_ENGINE_OPTIONS" not in app.config:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = config_module.sqlite_engine_options(
            app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.testing:  # tests keep pytest's log capture
        logs.configure()
    _gc_thresholds(app.config.get("GC_THRESHOLD"))
    _init_extensions(app)
    _register_parts(app)
    _trust_proxies(app)
    _register_merge_movers()
    return app


def _gc_thresholds(value: str | None) -> None:
    """Set the collector's thresholds in this process (gunicorn workers build the app each;
    Celery's prefork children inherit them from the parent that built it)."""
    import gc

    if value:
        gc.set_threshold(*(int(part) for part in value.split(",")))


def _trust_proxies(app: Flask) -> None:
    """Behind a reverse proxy: the client's address (login throttles, audit, /metrics) and the
    https scheme of links come from the proxy's X-Forwarded-* headers, for that many hops."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _register_merge_movers() -> None:
    """What merging CRM records moves besides crm's own rows (crm.services.merge)."""
    from calendars.record_moves import register as register_calendar_moves
    from engine.record_processes import register_merge as register_process_moves
    from mail.record_moves import register as register_mail_moves

    for register in (register_mail_moves, register_calendar_moves, register_process_moves):
        register()


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(config_module.BASE_DIR, "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    # in the Celery configuration, so that binding the Celery app again keeps the schedule
    app.config["CELERY"]["beat_schedule"] = beat_schedule(app, app.config["CELERY"]["broker_url"])
    celery_init_app(app)
    kick_latch.install_worker_signal()
    deferred_rows.install()
    with app.app_context():
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            import dbsqlite

            dbsqlite.install(db.engine)
        else:
            from dbpool import install_idle_ping

            install_idle_ping(db.engine, app.config["DB_PING_IDLE_SECONDS"])


def _import_parts() -> None:
    """Every package's tables, Celery tasks and event declarations, before anything registers."""
    import calendars.event_types  # declares event.* before the consumers register
    import calendars.models
    import calendars.tasks  # noqa: F401  (registers Celery tasks)
    import crm.attributes
    import crm.events
    import crm.models
    import crm.reports.models
    import crm.tasks  # noqa: F401  (registers Celery tasks)
    import drive.dav_props
    import drive.group_rights  # removes a deleted group's drive rights
    import drive.models
    import drive.tasks  # noqa: F401  (its tables; registers Celery tasks)
    import embedded  # noqa: F401  (the embedded broker's purge task)
    import engine.event_models
    import engine.group_tasks  # open inbox tasks hold their candidate groups
    import engine.models
    import engine.tasks  # noqa: F401  (registers Celery tasks)
    import mail.models
    import mail.outbox
    import mail.tasks  # noqa: F401  (registers Celery tasks)
    import ops.backup_schedule
    import ops.models  # noqa: F401  (heartbeats)
    import org.models
    import org.throttle  # noqa: F401


def _register_parts(app: Flask) -> None:
    _import_parts()
    import org.settings
    import web
    from calendars.dav import mount as mount_dav
    from cli import register_cli
    from crm.search import register_search
    from drive.dav import mount as mount_dav_files
    from engine.calendar_agenda import register as register_inbox_agenda
    from engine.consumer import register as register_engine_consumer
    from mail.system import install as install_system_mail
    from ops.heartbeat import install_celery_signals as install_heartbeats

    netguard.add_allowed_source(org.settings.allowed_private_hosts)
    logs.install_celery_signals()
    install_heartbeats()
    install_system_mail()
    register_engine_consumer()
    register_inbox_agenda()
    register_search(app)
    for name in app.config.get("EXTRA_MODULES", ()):  # plug-ins named in FLOWDESK_EXTRA_MODULES
        importlib.import_module(name)
    web.register(app)
    register_cli(app)
    mount_dav(app)  # /dav: calendars over CalDAV (Radicale)
    mount_dav_files(app)  # /dav/files: the drive over WebDAV; mounted last, so it is matched first


_worker_app: Flask | None = None


def __getattr__(name: str) -> object:
    """`celery -A app worker|beat` asks for `app.celery`: build the Flask app then, once.

    A lazy module attribute (PEP 562), so the web server importing create_app never
    builds a second app.
    """
    global _worker_app
    if name not in ("celery", "celery_app"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _worker_app is None:
        if str(config_module.BASE_DIR) not in sys.path:  # celery drops the cwd after importing us
            sys.path.insert(0, str(config_module.BASE_DIR))
        _worker_app = create_app()
        _dispose_engine_after_fork(_worker_app)
    return _worker_app.extensions["celery"]


def _dispose_engine_after_fork(app: Flask) -> None:
    """Prefork children must not share the parent's database connections."""
    from celery.signals import worker_process_init

    @worker_process_init.connect(weak=False)
    def _dispose(**_kwargs: object) -> None:
        with app.app_context():
            db.engine.dispose(close=False)


def main() -> None:
    """`python app.py`: migrate, start the in-process worker, beat and web server."""
    from runner import run_embedded

    logs.configure()
    run_embedded(create_app())


if __name__ == "__main__":
    main()
