"""Unbound extensions, bound to an app in create_app()."""
from __future__ import annotations

from celery import Celery, Task
from flask import Flask
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

import broker_redis
import embedded_broker

# Stable constraint names so Alembic migrations work on SQLite and PostgreSQL alike.
naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite reuses the newest deleted row's id (max(rowid)+1) unless the table says AUTOINCREMENT:
# tables whose rows outlive deletion pointing at them by id (timeline, stage history, processes
# of a CRM record; a file or event named in a timeline entry) take these table args.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}

db = SQLAlchemy(metadata=MetaData(naming_convention=naming))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


class FlaskTask(Task):
    """Runs every task inside an app context of the Flask app bound last."""

    def __call__(self, *args: object, **kwargs: object) -> object:
        with self.app.flask_app.app_context():
            return self.run(*args, **kwargs)


embedded_broker.install()  # before any broker connection: `sqla+` URLs publish and fetch in one statement
broker_redis.install()  # Redis: one client per channel, not one per publish and acknowledgement
celery = Celery("flowdesk", task_cls=FlaskTask)


def celery_init_app(app: Flask) -> Celery:
    """Bind the shared Celery app to a Flask app and its configuration."""
    celery.flask_app = app
    celery.config_from_object(app.config["CELERY"])
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
