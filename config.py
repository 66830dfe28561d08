"""Settings read from the environment; nothing here imports our packages."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("FLOWDESK_INSTANCE", BASE_DIR / "instance"))
VERSION = "0.9.0"  # shown on the system page, in /readyz and the heartbeats


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use SECRET_KEY, or a random key kept in the instance folder across restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Embedded defaults: SQLite and an SQLite-backed Celery broker under instance/."""

    def __init__(self) -> None:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        self.SECRET_KEY = _secret_key()
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'flowdesk.sqlite'}"
        )
        broker_url = os.environ.get(
            "CELERY_BROKER_URL", f"sqla+sqlite:///{INSTANCE_DIR / 'broker.sqlite'}")
        self.CELERY = {
            "broker_url": broker_url,
            "broker_transport_options": broker_transport_options(broker_url),
            "task_acks_late": True,
            "worker_prefetch_multiplier": 1,
            "task_ignore_result": True,
            "broker_connection_retry_on_startup": True,
            # Publishing (after-commit kicks, retries, beat) fails fast while the broker is
            # down: the work is in the database and the sweeps send it again.
            "broker_connection_timeout": 2,
            "beat_schedule_filename": str(INSTANCE_DIR / "celerybeat-schedule"),
        }
        self._workers()
        self._uploads()
        self._engine()
        self._links_and_mail()
        self._cookies()
        self._login()
        self._operations()
        self.TESTING = False

    def _workers(self) -> None:
        """The outbox relay, the embedded worker, CalDAV sync, plug-ins."""
        # "celery": relay outbox rows through the broker after commit; "none": only the
        # periodic sweep (tests drive the relay explicitly).
        self.OUTBOX_KICK = os.environ.get("FLOWDESK_OUTBOX_KICK", "celery")
        self.OUTBOX_SWEEP_SECONDS = float(os.environ.get("FLOWDESK_OUTBOX_SWEEP", "5"))
        # With a backlog, a relay claims and delivers this many events in one transaction.
        self.OUTBOX_RELAY_BATCH = int(os.environ.get("FLOWDESK_OUTBOX_RELAY_BATCH", "20"))
        # With a Redis broker, a relay kick is not sent while another is queued and not started,
        # for at most this long (kick_latch.py); 0: every commit sends its own.
        self.KICK_LATCH_MS = int(os.environ.get("FLOWDESK_KICK_LATCH_MS", "1000"))
        # How often beat syncs every external CalDAV calendar.
        self.CALDAV_SYNC_MINUTES = float(os.environ.get("FLOWDESK_CALDAV_SYNC_MINUTES", "5"))
        # How often beat sends calendar reminders that fell due.
        self.CALENDAR_REMINDER_SECONDS = float(os.environ.get("FLOWDESK_CALENDAR_REMINDER_SECONDS", "60"))
        self.EMBEDDED_WORKER = _bool("FLOWDESK_EMBEDDED_WORKER", True)
        # Modules imported at start-up, e.g. plug-ins registering outbox consumers.
        self.EXTRA_MODULES = [m.strip() for m in os.environ.get("FLOWDESK_EXTRA_MODULES", "").split(",")
                              if m.strip()]

    def _uploads(self) -> None:
        """Demo data, upload limits and the drive's storage."""
        self.DEMO_DATA = _bool("FLOWDESK_DEMO_DATA", True)
        # The company currency: board totals add amounts in it (or with no currency given).
        self.CURRENCY = os.environ.get("FLOWDESK_CURRENCY", "EUR").strip().upper()[:3] or "EUR"
        self.MAX_CONTENT_LENGTH = int(os.environ.get("FLOWDESK_MAX_UPLOAD", 5 * 1024 * 1024))
        self.BPMN_MAX_BYTES = int(os.environ.get("FLOWDESK_BPMN_MAX_BYTES", 5 * 1024 * 1024))
        # The drive: one file's limit, one upload request's (all its files), where bodies live.
        self.DRIVE_MAX_FILE = int(os.environ.get("FLOWDESK_DRIVE_MAX_FILE", 200 * 1024 * 1024))
        self.DRIVE_MAX_UPLOAD = int(os.environ.get("FLOWDESK_DRIVE_MAX_UPLOAD", 1024 * 1024 * 1024))
        self.DRIVE_STORAGE_DIR = os.environ.get("FLOWDESK_DRIVE_STORAGE", str(INSTANCE_DIR / "drive"))
        # WebDAV locks shared by several web processes (redis://host:port/db); unset: in memory.
        self.DAV_LOCK_REDIS_URL = os.environ.get("FLOWDESK_DAV_LOCK_REDIS") or None

    def _engine(self) -> None:
        """The engine's depths, step budgets, timers and retries."""
        # Chains of processes triggering processes stop at this depth (with a log entry).
        self.ENGINE_MAX_DEPTH = int(os.environ.get("FLOWDESK_ENGINE_MAX_DEPTH", "5"))
        # Call activities nest child instances at most this deep (deeper: an incident).
        self.ENGINE_MAX_CALL_DEPTH = int(os.environ.get("FLOWDESK_ENGINE_MAX_CALL_DEPTH", "10"))
        # A step runs at most this many engine tasks / seconds, then commits and continues in a
        # new step (other instances interleave); an instance stops in an incident past the
        # last limit (engine tasks over its whole life).
        self.ENGINE_STEP_TASKS = int(os.environ.get("FLOWDESK_ENGINE_STEP_TASKS", "1000"))
        self.ENGINE_STEP_SECONDS = float(os.environ.get("FLOWDESK_ENGINE_STEP_SECONDS", "2"))
        # The relay runs a started instance's first step in its own transaction (None: on PostgreSQL)
        first = "FLOWDESK_ENGINE_FIRST_STEP_IN_RELAY"
        self.ENGINE_FIRST_STEP_IN_RELAY = _bool(first, False) if os.environ.get(first) else None
        self.ENGINE_INSTANCE_TASKS = int(os.environ.get("FLOWDESK_ENGINE_INSTANCE_TASKS", "1000000"))
        self.ENGINE_TIMER_SECONDS = float(os.environ.get("FLOWDESK_ENGINE_TIMER_SECONDS", "2"))
        # A running instance untouched this long lost its kick or its worker: beat re-dispatches it.
        self.ENGINE_STALE_SECONDS = float(os.environ.get("FLOWDESK_ENGINE_STALE_SECONDS", "60"))
        # A failed asyncBefore/asyncAfter element is attempted this often in all (Camunda's failed
        # job retries; the stale sweep spaces the attempts), then it is an incident.
        self.ENGINE_ASYNC_RETRIES = int(os.environ.get("FLOWDESK_ENGINE_ASYNC_RETRIES", "3"))
        # A step that met a transient database error is retried this often (1, 2, 4 ... 60 s).
        self.ENGINE_MAX_RETRIES = int(os.environ.get("FLOWDESK_ENGINE_MAX_RETRIES", "8"))
        self.ENGINE_RETRY_SECONDS = 1.0
        # /engine-rest fetchAndLock long polling holds a server thread at most this long.
        self.ENGINE_REST_MAX_POLL_SECONDS = float(
            os.environ.get("FLOWDESK_ENGINE_REST_MAX_POLL_SECONDS", "20"))
        # Webhooks: the pause after the first failed attempt (doubling), attempts before giving up.
        self.WEBHOOK_RETRY_SECONDS = float(os.environ.get("FLOWDESK_WEBHOOK_RETRY_SECONDS", "30"))
        self.WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("FLOWDESK_WEBHOOK_MAX_ATTEMPTS", "8"))
        # Seconds a client is told to wait (Retry-After) while the database is unavailable.
        self.RETRY_AFTER_SECONDS = 10

    def _links_and_mail(self) -> None:
        """API pages, invitation links, the portal's address, mail limits."""
        self.API_PAGE_MAX = 200
        # Invitation and set-password links expire after this many days.
        self.INVITATION_DAYS = float(os.environ.get("FLOWDESK_INVITATION_DAYS", "7"))
        # The portal's address for links in mails sent outside a web request (CLI, workers).
        self.BASE_URL = os.environ.get("FLOWDESK_BASE_URL", "http://localhost:5000")
        # Phone numbers written without a country code are read as this region's (crm/dedupe.py).
        self.PHONE_REGION = os.environ.get("FLOWDESK_PHONE_REGION", "DE").upper()
        # Mail (mail/config.py lists every MAIL_* setting with its meaning and default).
        self.MAIL_RATE_PER_MINUTE = int(os.environ.get("FLOWDESK_MAIL_RATE_PER_MINUTE", "60"))
        self.MAIL_MAX_BYTES = int(os.environ.get("FLOWDESK_MAIL_MAX_BYTES", 25 * 1024 * 1024))
        self.MAIL_MAX_PARTS = int(os.environ.get("FLOWDESK_MAIL_MAX_PARTS", "500"))
        self.MAIL_POLL_SECONDS = float(os.environ.get("FLOWDESK_MAIL_POLL_SECONDS", "60"))

    def _cookies(self) -> None:
        """CSRF and the session and remember-me cookies."""
        self.WTF_CSRF_TIME_LIMIT = None
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # The "remember me" cookie is as guarded as the session's; behind HTTPS set
        # FLOWDESK_SECURE_COOKIES=1 so neither cookie ever travels over plain HTTP.
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        secure = _bool("FLOWDESK_SECURE_COOKIES", False)
        self.SESSION_COOKIE_SECURE = self.REMEMBER_COOKIE_SECURE = secure

    def _login(self) -> None:
        """Login and password-reset throttling."""
        # Failed logins: free ones per account / per address, then locks doubling from
        # LOGIN_LOCK_SECONDS up to LOGIN_LOCK_MAX_SECONDS (org/throttle.py).
        self.LOGIN_ACCOUNT_FREE = int(os.environ.get("FLOWDESK_LOGIN_ACCOUNT_FREE", "5"))
        self.LOGIN_ADDRESS_FREE = int(os.environ.get("FLOWDESK_LOGIN_ADDRESS_FREE", "20"))
        self.LOGIN_LOCK_SECONDS = int(os.environ.get("FLOWDESK_LOGIN_LOCK_SECONDS", "30"))
        self.LOGIN_LOCK_MAX_SECONDS = int(os.environ.get("FLOWDESK_LOGIN_LOCK_MAX_SECONDS", "900"))
        # Password-reset links work once, for this many minutes; requests for them are throttled
        # per account and per address (PASSWORD_RESET_ACCOUNT_FREE / _ADDRESS_FREE, org/throttle.py).
        self.PASSWORD_RESET_MINUTES = float(os.environ.get("FLOWDESK_PASSWORD_RESET_MINUTES", "60"))
        self.PASSWORD_RESET_ACCOUNT_FREE = int(os.environ.get("FLOWDESK_PASSWORD_RESET_ACCOUNT_FREE", "3"))
        self.PASSWORD_RESET_ADDRESS_FREE = int(os.environ.get("FLOWDESK_PASSWORD_RESET_ADDRESS_FREE", "10"))

    @property
    def is_sqlite(self) -> bool:
        return self.SQLALCHEMY_DATABASE_URI.startswith("sqlite")

    def _operations(self) -> None:
        """Probes, metrics and heartbeats (ops/, docs/operations.md)."""
        self.METRICS_TOKEN = os.environ.get("FLOWDESK_METRICS_TOKEN", "")
        self.METRICS_ALLOW = os.environ.get("FLOWDESK_METRICS_ALLOW", "127.0.0.1/32,::1/128")
        self.READY_HEARTBEAT_SECONDS = float(os.environ.get("FLOWDESK_READY_HEARTBEAT_SECONDS", "60"))
        self.HEARTBEAT_SECONDS = float(os.environ.get("FLOWDESK_HEARTBEAT_SECONDS", "15"))
        self.MIN_FREE_DISK_MB = int(os.environ.get("FLOWDESK_MIN_FREE_DISK_MB", "500"))
        # How many reverse proxies' X-Forwarded-For/-Proto/-Host headers to trust (0: none)
        self.PROXY_HOPS = int(os.environ.get("FLOWDESK_PROXY_HOPS", "0"))
        self.BACKUP_DIR = os.environ.get("FLOWDESK_BACKUP_DIR", "")
        self.BACKUP_HOURS = float(os.environ.get("FLOWDESK_BACKUP_HOURS", "24"))
        self.BACKUP_KEEP = int(os.environ.get("FLOWDESK_BACKUP_KEEP", "7"))
        # PostgreSQL: a pooled connection idle longer than this is pinged before use (dbpool.py)
        self.DB_PING_IDLE_SECONDS = float(os.environ.get("FLOWDESK_DB_PING_IDLE_SECONDS", "10"))
        # The garbage collector's thresholds in every process ("700,10,10": Python's default);
        # the youngest generation's is raised: the start-up heap is large, requests allocate much
        self.GC_THRESHOLD = os.environ.get("FLOWDESK_GC_THRESHOLD", "50000,20,20")


def broker_transport_options(url: str) -> dict:
    """Redis: how soon a killed worker's unacknowledged task is handed out again."""
    if not url.startswith(("redis://", "rediss://")):
        return {}  # kombu passes SQLAlchemy-transport options to create_engine(): keep empty
    timeout = int(os.environ.get("FLOWDESK_BROKER_VISIBILITY_TIMEOUT", "3600"))
    options = {"visibility_timeout": timeout, "unacked_restore_interval": 5,
               # kombu scans for expired tasks every interval * throttle seconds
               "unacked_restore_throttle": 1 if timeout < 600 else 10,
               # a publisher opening its connection tries once (kombu's default: 3 tries with
               # 6 s of sleeps, holding the request whose commit kicked a worker); workers'
               # consumers keep reconnecting on their own (broker_connection_max_retries)
               "max_retries": 0, "socket_connect_timeout": 2}
    if os.environ.get("FLOWDESK_BROKER_KEY_PREFIX"):  # several installations on one Redis
        options["global_keyprefix"] = os.environ["FLOWDESK_BROKER_KEY_PREFIX"]
    return options


def sqlite_engine_options(uri: str) -> dict:
    """SQLite: a busy timeout (web and worker threads share one file) and IMMEDIATE writes.

    pysqlite reads outside a transaction and opens one just before the first write; with
    "IMMEDIATE" that BEGIN takes the write lock (waiting up to the timeout), so a write never
    fails at once with "database is locked" because another thread committed after it read.
    """
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False,
                                 "isolation_level": "IMMEDIATE"}}
    return {}  # PostgreSQL: stale connections are found by dbpool.install_idle_ping
