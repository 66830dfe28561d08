"""One live Flowdesk server per module (a threaded WSGI server on a free port) and a worker's login."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
import requests
from werkzeug.serving import make_server


@dataclass
class Rest:
    """The server's /engine-rest base URL and an admin's e-mail and API token (HTTP Basic)."""

    url: str
    email: str
    token: str
    other_email: str = ""  # a user who is no administrator
    other_token: str = ""

    def session(self) -> requests.Session:
        s = requests.Session()
        s.auth = (self.email, self.token)
        return s


@pytest.fixture(scope="module")
def rest(_migrated_app):
    from extensions import db
    from org.services.tokens import issue_token
    from org.services.users import create_user
    from tests.support.databases import wipe
    from transactions import unit_of_work

    with _migrated_app.app_context():
        wipe(db)
        with unit_of_work():
            user = create_user("worker@example.com", "Quiet-bay-42", actor=None, is_admin=True,
                               first_name="Wanda", last_name="Worker")
            token, row = issue_token(user)
            row.admin_mode = True
            other = create_user("outsider@example.com", "Quiet-bay-42", actor=None,
                                first_name="Otto", last_name="Outsider")
            other_token, _row = issue_token(other)
        db.session.remove()
    _migrated_app.config["ENGINE_REST_MAX_POLL_SECONDS"] = 3
    srv = make_server("127.0.0.1", 0, _migrated_app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield Rest(f"http://127.0.0.1:{srv.server_port}/engine-rest", "worker@example.com", token,
               "outsider@example.com", other_token)
    srv.shutdown()
    thread.join()
