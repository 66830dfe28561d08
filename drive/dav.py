"""The WebDAV face at /dav/files: wsgidav over the drive's storage and rights (drive.dav_provider)."""
from __future__ import annotations

from functools import partial
from urllib.parse import quote

from sqlalchemy import select

from drive.models import DriveItem
from drive.services import files
from drive.services.errors import Locked
from extensions import db

PREFIX = "/dav/files"


def drive_segment(item: DriveItem) -> str:
    """The first path segment naming the item's drive: user-<id>, workgroup-<id> or company."""
    return "company" if item.drive_kind == "company" else f"{item.drive_kind}-{item.drive_ref}"


def dav_path(item: DriveItem) -> str:
    """/dav/files/<drive>/<names below the root>, quoted (one query for the chain's names)."""
    chain = item.ancestor_ids
    query = select(DriveItem.id, DriveItem.name).where(DriveItem.id.in_(chain))
    names = dict(db.session.execute(query).all())
    parts = [drive_segment(item), *(names[i] for i in chain[1:])]
    return PREFIX + "/" + "/".join(quote(p) for p in parts) + ("/" if item.is_folder else "")


def dav_url(item: DriveItem, host_url: str) -> str:
    """The full WebDAV URL of the item on this host."""
    return host_url.rstrip("/") + dav_path(item)


class FlowdeskDomainController:
    """Basic auth with the e-mail and a personal API token (the "app password"); no digest."""

    def __init__(self, wsgidav_app: object, config: dict) -> None:
        self.wsgidav_app, self.config = wsgidav_app, config

    def __str__(self) -> str:
        return "FlowdeskDomainController"

    def get_domain_realm(self, path_info: str, environ: dict | None) -> str:
        return "Flowdesk"

    def require_authentication(self, realm: str, environ: dict | None) -> bool:
        return True

    def is_share_anonymous(self, path_info: str) -> bool:
        return False

    def supports_http_digest_auth(self) -> bool:
        return False

    def basic_auth_user(self, realm: str, user_name: str, password: str, environ: dict) -> bool:
        """The token must be one of this e-mail's; admin mode follows the token's setting."""
        from org import admin
        from org.services.tokens import token_owner

        found = token_owner(password or "")
        if found is None or found[0].email.lower() != (user_name or "").strip().lower():
            return False
        from drive.dav_provider import ENV_USER

        environ[ENV_USER] = found[0].id
        admin.enter_request(found[0].id, found[1].admin_mode)
        return True


def dav_app(flask_app: object) -> object:
    """The wsgidav application over the drive, wrapped in the app context and a unit of work."""
    from wsgidav.wsgidav_app import WsgiDAVApp

    from drive.dav_props import DbPropertyManager
    from drive.dav_provider import DriveProvider

    config = {
        "provider_mapping": {"/": DriveProvider()},
        "mount_path": PREFIX,
        "http_authenticator": {"domain_controller": FlowdeskDomainController, "accept_basic": True,
                               "accept_digest": False, "default_to_digest": False,
                               "trusted_auth_header": None},
        # Locks in memory for one process (embedded mode), in Redis when several web processes
        # serve /dav/files; dead properties in the database, per item (drive.dav_props).
        "lock_storage": lock_storage(flask_app.config.get("DAV_LOCK_REDIS_URL")),  # type: ignore[attr-defined]
        "property_manager": DbPropertyManager(),
        "verbose": 1,
        "logging": {"enable": False, "enable_loggers": []},
        "dir_browser": {"enable": False},
        "hotfixes": {"re_encode_path_info": False},
    }
    server = WsgiDAVApp(config)
    files.register_lock_check(partial(_refuse_if_locked, server.lock_manager))
    return UnitOfWorkMiddleware(flask_app, server)


def _refuse_if_locked(lock_manager: object, item: DriveItem) -> None:
    """423 for a file (or a folder above it, depth infinity) locked by a WebDAV client."""
    ref_url = dav_path(item)[len(PREFIX):]
    if lock_manager.get_indirect_url_lock_list(ref_url):  # type: ignore[attr-defined]
        raise Locked(f"{item.name!r} is locked by a desktop application (WebDAV); save it there "
                     "or wait for the lock to end", {"file": "Locked"})


def lock_storage(url: str | None) -> object:
    """wsgidav's lock storage: True (its in-memory dict) or a Redis store for `url`."""
    if not url:
        return True
    from urllib.parse import urlparse

    from wsgidav.lock_man.lock_storage_redis import LockStorageRedis

    parts = urlparse(url)
    return LockStorageRedis(host=parts.hostname or "127.0.0.1", port=parts.port or 6379,
                            db=int(parts.path.strip("/") or 0), password=parts.password)


class UnitOfWorkMiddleware:
    """Each WebDAV request in the Flask app's context and one unit of work, committed when
    the answer is below 400; the body is streamed before the context ends."""

    def __init__(self, flask_app: object, inner: object) -> None:
        self.flask_app, self.inner = flask_app, inner

    def __call__(self, environ: dict, start_response: object) -> object:
        from werkzeug.wsgi import get_input_stream

        from org import admin
        from transactions import close_unit_of_work, open_unit_of_work

        # wsgidav reads the body until it ends: bound it by Content-Length (or chunked framing).
        environ["wsgi.input"] = get_input_stream(environ)
        ctx = self.flask_app.app_context()  # type: ignore[attr-defined]
        ctx.push()
        admin.enter_request(None, False)
        open_unit_of_work()
        status: dict[str, int] = {}

        def remember(line: str, headers: list, exc_info: object = None) -> object:
            status["code"] = int(line.split(" ", 1)[0])
            return start_response(line, headers, exc_info) if exc_info else start_response(line, headers)

        try:
            body = self.inner(environ, remember)  # type: ignore[operator]
            if "code" not in status:  # the status comes with the body: run it inside the context
                body = list(body)
            # Bodies (file contents) stream after this: they need neither the session nor the context.
            close_unit_of_work(commit=status.get("code", 500) < 400)
        except BaseException:
            close_unit_of_work(commit=False)
            raise
        finally:
            admin.leave_request()
            db.session.remove()
            ctx.pop()
        return body


def mount(app: object) -> None:
    """Serve /dav/files from wsgidav beside the Flask app (werkzeug's DispatcherMiddleware)."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {PREFIX: dav_app(app)})  # type: ignore[attr-defined]
