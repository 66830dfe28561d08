"""Send&Save ingest from a real Dovecot: messages per second of a 10,000-message back-fill, and the
time from IMAP APPEND to the committed timeline entry.

    .venv/bin/python bench/mail_ingest.py --db sqlite
    .venv/bin/python bench/mail_ingest.py --db postgresql --messages 10000

Builds a throw-away database with 1,000 contacts (one address each) and a Dovecot of its own,
appends N messages (MULTIAPPEND; each from one of the contacts, a plain-text body of ~1 KB,
one in ten with a small attachment), then runs the poll the beat task runs
(`mail.services.poll.poll_mailbox`) once over the whole back-log: messages/s counts parse, dedup,
matching, timeline entry, `email.received` event, attachment storage and the \\Seen flags.
Then, with a poller looping in a thread, it appends messages one by one at a steady rate and
measures APPEND -> timeline entry committed (median, p95): the pipeline's own latency, without
the beat interval (MAIL_POLL_SECONDS, 60 s by default) that adds to it in production.
Never part of the test run.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FLOWDESK_INSTANCE", tempfile.mkdtemp(prefix="flowdesk-bench-"))

from bench.access_lists import make_database, p95

CONTACTS = 1000


def build_message(i: int, tag: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Contact {i % CONTACTS} <c{i % CONTACTS}@bench.test>"
    msg["To"] = "crm@bench.test"
    msg["Subject"] = f"{tag} message {i}"
    msg["Message-ID"] = f"<{tag}-{i}@bench.test>"
    msg.set_content(f"Hello,\n\nthis is message {i}.\n" + "Some ordinary words of a business mail. " * 25)
    if i % 10 == 0:
        msg.add_attachment(b"%PDF-1.4 " + bytes(range(256)) * 8, maintype="application", subtype="pdf",
                           filename=f"offer-{i}.pdf")
    return msg.as_bytes()


def setup(app: object, dovecot: object) -> int:
    """Contacts with addresses and the CRM mailbox pointing at Dovecot; the mailbox id."""
    from crm.services.records import create_record
    from extensions import db
    from mail.services.settings import crm_mailbox, save_crm_mailbox
    from org.services.users import create_user

    with app.app_context():
        admin = create_user("admin@bench.test", None, actor=None, is_admin=True)
        for i in range(CONTACTS):
            create_record("contact", {"last_name": f"Contact {i}", "emails": [f"c{i}@bench.test"]},
                          actor=admin)
        db.session.commit()
        save_crm_mailbox({"host": dovecot.host, "port": dovecot.port, "tls": "none", "user": "crm",
                          "password": "pw", "address": "crm@bench.test"}, actor=admin)
        return crm_mailbox().id


def append_all(dovecot: object, count: int, tag: str) -> float:
    from imapclient import IMAPClient

    client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=60)
    client.login("crm", "pw")
    started = time.perf_counter()
    for start in range(0, count, 500):
        client.multiappend("INBOX", [build_message(i, tag) for i in range(start, min(start + 500, count))])
    client.logout()
    return time.perf_counter() - started


def backfill(app: object, box_id: int, count: int) -> tuple[float, dict]:
    from mail.services.poll import poll_mailbox

    with app.app_context():
        started = time.perf_counter()
        summary = poll_mailbox(box_id, force=True)
        return time.perf_counter() - started, summary


def _append_at_rate(dovecot: object, count: int, rate: float) -> dict[int, float]:
    """APPEND `count` messages at `rate` per second: {uid: when its APPEND answered}."""
    from imapclient import IMAPClient

    appended: dict[int, float] = {}
    client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=60)
    client.login("crm", "pw")
    for i in range(count):
        answer = client.append("INBOX", build_message(i, "live"))
        uid = int(answer.split(b"APPENDUID ")[1].split(b"]")[0].split()[1])
        appended[uid] = time.perf_counter()
        time.sleep(1.0 / rate)
    client.logout()
    return appended


def latency(app: object, dovecot: object, box_id: int, count: int, rate: float) -> list[float]:
    """APPEND done -> the batch holding that UID committed, per message (seconds)."""
    from mail.services import poll as poll_module

    appended: dict[int, float] = {}
    committed: dict[int, float] = {}
    real_mark = poll_module.mark_processed

    def mark(client: object, uids: list[int]) -> None:  # runs right after each batch's commit
        now = time.perf_counter()
        for uid in uids:
            committed.setdefault(uid, now)
        real_mark(client, uids)

    poll_module.mark_processed = mark
    stop = threading.Event()

    def poller() -> None:
        with app.app_context():
            while not stop.is_set():
                poll_module.poll_mailbox(box_id, force=True)

    thread = threading.Thread(target=poller, daemon=True)
    thread.start()
    appended.update(_append_at_rate(dovecot, count, rate))
    deadline = time.monotonic() + 60
    while len(set(appended) - set(committed)) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(30)
    poll_module.mark_processed = real_mark
    return [committed[uid] - appended[uid] for uid in appended if uid in committed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--live", type=int, default=300, help="messages appended one by one for latency")
    parser.add_argument("--rate", type=float, default=20.0, help="live appends per second")
    args = parser.parse_args()

    from app import create_app
    from runner import prepare_database
    from tests.support.mail_servers import Dovecot

    url, drop = make_database(args.db)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_KICK": "none", "EMBEDDED_WORKER": False,
                      "DEMO_DATA": False, "SECRET_KEY": "bench"})
    try:
        prepare_database(app)
        with Dovecot() as dovecot:
            dovecot.add_user("crm", "pw")
            time.sleep(1.1)  # Dovecot re-reads its users at most once a second
            box_id = setup(app, dovecot)
            append_seconds = append_all(dovecot, args.messages, "backlog")
            seconds, summary = backfill(app, box_id, args.messages)
            assert summary.get("new") == args.messages, summary
            print(f"mail_ingest on {args.db}: appended {args.messages} messages in {append_seconds:.1f} s; "
                  f"back-fill {seconds:.1f} s -> {args.messages / seconds:.0f} messages/s "
                  f"(batches of {app.config.get('MAIL_POLL_BATCH', 100)}, each filed on its contact)")
            lags = latency(app, dovecot, box_id, args.live, args.rate)
            print(f"append -> timeline entry committed ({len(lags)} messages at {args.rate:.0f}/s, poller "
                  f"looping): median {statistics.median(lags) * 1000:.0f} ms, p95 {p95(lags) * 1000:.0f} ms, "
                  f"max {max(lags) * 1000:.0f} ms")
    finally:
        with app.app_context():
            from extensions import db

            db.session.remove()
            db.engine.dispose()
        drop()


if __name__ == "__main__":
    main()
