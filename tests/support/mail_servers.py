"""Mail and calendar servers for tests: Dovecot (IMAP), aiosmtpd (SMTP), Radicale (CalDAV).

Facts behind the settings: docs/facts/test-services.md. Fixtures: tests/support/services.py.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.services import CHILD, free_port, port_open, stop_process, wait_until

# --- IMAP: Dovecot ----------------------------------------------------------------------

DOVECOT_CONF = """\
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = flowdesk-test-{port}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {dir}/dovecot.log
first_valid_uid = 8
first_valid_gid = 8
mail_location = maildir:{dir}/mail/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {dir}/passwd
}}
userdb {{
  driver = passwd-file
  args = {dir}/passwd
  default_fields = uid=mail gid=mail home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


class Dovecot:
    """A standalone Dovecot IMAP server on a high port with its own users and maildirs."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="flowdesk-dovecot-"))
        self.dir.chmod(0o755)  # the auth process runs as the dovecot user
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def add_user(self, name: str, password: str) -> None:
        """Add a mailbox user (passwd-file is re-read when it changes)."""
        with open(self.dir / "passwd", "a") as fh:
            fh.write(f"{name}:{{PLAIN}}{password}::::::\n")
        (self.dir / "mail" / name).mkdir(parents=True, exist_ok=True)
        shutil.chown(self.dir / "mail" / name, "mail", "mail")

    def start(self) -> Dovecot:
        conf = self.dir / "dovecot.conf"
        conf.write_text(DOVECOT_CONF.format(dir=self.dir, port=self.port))
        (self.dir / "passwd").touch()
        (self.dir / "mail").mkdir(exist_ok=True)
        shutil.chown(self.dir / "mail", "mail", "mail")
        self.proc = subprocess.Popen([shutil.which("dovecot") or "/usr/sbin/dovecot", "-F", "-c", str(conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     **CHILD)
        wait_until(lambda: self._ready(), 20, what="dovecot")
        return self

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"dovecot exited: {self.proc.stderr.read().decode(errors='replace')}")
        return port_open(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- SMTP: aiosmtpd ---------------------------------------------------------------------

class SmtpRecorder:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append({"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                              "data": envelope.original_content or envelope.content})
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd's Controller on a free port, in a thread of the test process."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.handler = SmtpRecorder()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname=self.host, port=self.port)

    @property
    def messages(self) -> list[dict]:
        return self.handler.messages

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


# --- CalDAV: Radicale -------------------------------------------------------------------

RADICALE_CONF = """\
[server]
hosts = 127.0.0.1:{port}

[auth]
type = htpasswd
htpasswd_filename = {dir}/users
htpasswd_encryption = plain
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = {dir}/collections

[logging]
level = warning
"""


class Radicale:
    """A Radicale CalDAV server (plain htpasswd users, no failed-login delay)."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="flowdesk-radicale-"))
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def add_user(self, name: str, password: str) -> None:
        with open(self.dir / "users", "a") as fh:
            fh.write(f"{name}:{password}\n")

    def start(self) -> Radicale:
        conf = self.dir / "radicale.conf"
        conf.write_text(RADICALE_CONF.format(dir=self.dir, port=self.port))
        (self.dir / "users").touch()
        self.proc = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     **CHILD)
        wait_until(lambda: self._ready(), 30, what="radicale")
        return self

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"radicale exited: {self.proc.stderr.read().decode(errors='replace')}")
        return port_open(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Radicale:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
