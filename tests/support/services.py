"""Real services for tests: Redis broker, Celery worker/beat, gunicorn; the fixtures for
those and for the mail/calendar servers of tests/support/mail_servers.py.

Each starter is usable on its own; the fixtures at the bottom are imported by
tests/conftest.py. Facts behind the settings: docs/facts/test-services.md.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("FLOWDESK_TEST_REDIS", "redis://127.0.0.1:6379/0")
START_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], object], timeout: float = START_TIMEOUT, interval: float = 0.1,
               what: str = "condition") -> object:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def die_with_parent() -> None:
    """Popen preexec_fn: the child gets SIGTERM if the test process dies without teardown."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


# Popen options for every service: its own process group, and gone with the test process.
CHILD = {"start_new_session": True, "preexec_fn": die_with_parent}


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def stop_process(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM the process group, SIGKILL it if it is still there after `timeout`."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    except ProcessLookupError:
        pass


# --- Redis ------------------------------------------------------------------------------

def ensure_redis(url: str = REDIS_URL) -> None:
    """Start the machine's Redis if it is down (same command as scripts/system-deps.sh)."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return
    except redis.ConnectionError:
        pass
    subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
                    "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
                    "--logfile", "/var/log/redis/ci.log"], check=True)
    wait_until(lambda: _redis_ping(url), 20, what="redis")


def _redis_ping(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.ConnectionError:
        return False


class RedisBroker:
    """A Redis broker namespace of its own (a key prefix), removed afterwards."""

    def __init__(self, url: str = REDIS_URL, visibility_timeout: int = 30) -> None:
        self.url = url
        self.prefix = f"flowdesk_test_{os.getpid()}_{uuid.uuid4().hex[:8]}_"
        self.visibility_timeout = visibility_timeout

    def env(self) -> dict[str, str]:
        """Environment that points config.Config at this broker."""
        return {"CELERY_BROKER_URL": self.url, "FLOWDESK_BROKER_KEY_PREFIX": self.prefix,
                "FLOWDESK_BROKER_VISIBILITY_TIMEOUT": str(self.visibility_timeout)}

    def transport_options(self) -> dict:
        return {"global_keyprefix": self.prefix, "visibility_timeout": self.visibility_timeout,
                "unacked_restore_interval": 5, "unacked_restore_throttle": 1}

    def cleanup(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url)
        keys = list(client.scan_iter(match=f"{self.prefix}*", count=500))
        if keys:
            client.delete(*keys)


@contextmanager
def redis_broker_running(url: str = REDIS_URL) -> Iterator[RedisBroker]:
    ensure_redis(url)
    broker = RedisBroker(url)
    try:
        yield broker
    finally:
        broker.cleanup()


@contextmanager
def celery_publishing_to(broker: RedisBroker) -> Iterator[None]:
    """Point the in-process Celery app (used by the outbox kick) at `broker`, then restore."""
    from extensions import celery

    saved = celery.conf.broker_url, celery.conf.broker_transport_options
    celery.conf.broker_url = broker.url
    celery.conf.broker_transport_options = broker.transport_options()
    _reset_broker_pools(celery)
    try:
        yield
    finally:
        _reset_broker_pools(celery)
        celery.conf.broker_url, celery.conf.broker_transport_options = saved


@pytest.fixture
def kicking(app, redis_broker):
    """The test app publishes its after-commit kicks to the test's Redis broker (real workers take them)."""
    from extensions import db

    app.config["OUTBOX_KICK"] = "celery"
    try:
        with celery_publishing_to(redis_broker):
            yield
    finally:
        app.config["OUTBOX_KICK"] = "none"
        db.session.rollback()


def _reset_broker_pools(celery) -> None:
    if celery._pool is not None:
        celery._pool.force_close_all()
        celery._pool = None
    celery.amqp._producer_pool = None


# --- Celery worker and beat ---------------------------------------------------------------

class CeleryProcess:
    """`celery -A app worker|beat` as a subprocess in its own process group."""

    def __init__(self, kind: str, env: dict[str, str], workdir: Path, args: list[str] | None = None) -> None:
        self.kind = kind
        self.env = {**os.environ, "FLOWDESK_INSTANCE": str(workdir), "SECRET_KEY": "test", **env}
        self.workdir = workdir
        self.log_path = workdir / f"{kind}-{uuid.uuid4().hex[:6]}.log"
        self.args = args or []
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        base = [sys.executable, "-m", "celery", "-A", "app", self.kind, "-l", "info"]
        if self.kind == "worker":
            return base + ["-c", "1", "--pool", "threads", "--without-mingle", "--without-gossip",
                           "--without-heartbeat", "-n", f"test-{uuid.uuid4().hex[:6]}@%h", *self.args]
        return base + ["-s", str(self.workdir / f"beat-{uuid.uuid4().hex[:6]}"), *self.args]

    def start(self) -> CeleryProcess:
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.command(), cwd=BASE_DIR, env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT, **CHILD)
        log.close()
        marker = "ready." if self.kind == "worker" else "beat: Starting"
        wait_until(lambda: self._alive_and_logged(marker), START_TIMEOUT, what=f"celery {self.kind} start")
        return self

    def _alive_and_logged(self, marker: str) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"celery {self.kind} exited ({self.proc.returncode}):\n{self.log()}")
        return marker in self.log()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """kill -9 the whole process group: no warm shutdown, nothing re-queued."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)


class CeleryCluster:
    """Starts workers and beats against one database and broker; stops them all at the end."""

    def __init__(self, database_url: str, broker: RedisBroker, workdir: Path,
                 env: dict | None = None) -> None:
        self.workdir = workdir
        self.env = {"DATABASE_URL": database_url, **broker.env(), **(env or {})}
        self.processes: list[CeleryProcess] = []

    def worker(self, **env: str) -> CeleryProcess:
        return self._start("worker", env)

    def beat(self, **env: str) -> CeleryProcess:
        return self._start("beat", env)

    def _start(self, kind: str, env: dict) -> CeleryProcess:
        proc = CeleryProcess(kind, {**self.env, **env}, self.workdir)
        self.processes.append(proc)
        return proc.start()

    def stop(self) -> None:
        for proc in reversed(self.processes):
            proc.stop()


# --- the web app under gunicorn ---------------------------------------------------------

class GunicornServer:
    """`gunicorn 'app:create_app()'` as a subprocess, as in the scaled-out mode."""

    host = "127.0.0.1"

    def __init__(self, env: dict[str, str], workdir: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.env = {**os.environ, "FLOWDESK_INSTANCE": str(workdir), "SECRET_KEY": "test", **env}
        self.log_path = workdir / f"gunicorn-{self.port}.log"
        self.workers = workers
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> GunicornServer:
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-b", f"{self.host}:{self.port}",
               "app:create_app()"]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, **CHILD)
        wait_until(self._ready, START_TIMEOUT, what="gunicorn")
        return self

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.log_path.read_text(errors='replace')}")
        return port_open(self.port)

    def __exit__(self, *exc: object) -> None:
        stop_process(self.proc)


# --- fixtures (imported by tests/conftest.py) -------------------------------------------

@pytest.fixture
def redis_broker():
    """A Redis broker namespace of this test's own (stale tasks never cross tests)."""
    with redis_broker_running() as broker:
        yield broker


@pytest.fixture
def celery_cluster(database_url, redis_broker, tmp_path):
    """Start real `celery -A app worker|beat` subprocesses on the test database and broker."""
    cluster = CeleryCluster(database_url, redis_broker, tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def dovecot():
    from tests.support.mail_servers import Dovecot

    with Dovecot() as server:
        yield server


@pytest.fixture
def smtp_server():
    from tests.support.mail_servers import SmtpServer

    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def radicale():
    from tests.support.mail_servers import Radicale

    with Radicale() as server:
        yield server
