"""`python -m tests.support.migrate_to URL REVISION [down]`: migrate a database up (or down) to
REVISION in a process of its own (an app per database; the test session's app stays bound to its own)."""
from __future__ import annotations

import sys

from flask_migrate import downgrade, upgrade

from app import create_app


def main(url: str, revision: str, direction: str = "up") -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "OUTBOX_KICK": "none",
                      "EMBEDDED_WORKER": False, "DEMO_DATA": False})
    with app.app_context():
        (downgrade if direction == "down" else upgrade)(revision=revision)


if __name__ == "__main__":
    main(*sys.argv[1:4])
