"""`python -m tests.support.migrate_to URL REVISION`: migrate a database in a process of its own
(an app per database; the test session's app stays bound to its own)."""
from __future__ import annotations

import sys

from flask_migrate import upgrade

from app import create_app


def main(url: str, revision: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "OUTBOX_KICK": "none",
                      "EMBEDDED_WORKER": False, "DEMO_DATA": False})
    with app.app_context():
        upgrade(revision=revision)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
