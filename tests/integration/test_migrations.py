"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations


def test_models_match_migrations(app):
    from flask_migrate import check

    # Flask-Migrate exits with status 1 (and logs the operations) when models and the
    # migrated database differ: a model change without its migration fails here.
    check()
