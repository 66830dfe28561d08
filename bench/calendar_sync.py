"""Calendars: the first sync of a 1,000-event CalDAV calendar, an incremental sync with 10
changes, and a month view over 10,000 events with rights (a member, and an outsider who
sees busy times).

    .venv/bin/python bench/calendar_sync.py --db sqlite
    .venv/bin/python bench/calendar_sync.py --db postgresql --events 1000 --month-events 10000

Starts a Radicale of its own (tests/support/mail_servers.py) on loopback, fills it over
CalDAV (not timed), then times `calendars.sync.sync_external` in one unit of work, as the
beat task runs it; the month view is `list_occurrences`, the call the API and the page
make. Prints seconds per run (median and p95 of --repeat runs for the month view).
Never part of the test run.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("FLOWDESK_INSTANCE", tempfile.mkdtemp(prefix="flowdesk-bench-"))
os.environ.setdefault("FLOWDESK_ALLOWED_PRIVATE_HOSTS", "127.0.0.1")

from bench._support import bench_app, make_database, p95

EVENT = ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//bench//EN\nBEGIN:VEVENT\nUID:{uid}\n"
         "DTSTAMP:20261201T100000Z\nLAST-MODIFIED:{stamp}\nDTSTART:{start:%Y%m%dT%H%M%SZ}\n"
         "DTEND:{end:%Y%m%dT%H%M%SZ}\nSUMMARY:{title}\nEND:VEVENT\nEND:VCALENDAR\n")
BASE = datetime(2026, 1, 5, 8, 0)


def remote_calendar(server: object, n: int) -> tuple[str, str, object]:
    """A Radicale account with one calendar of `n` events."""
    import caldav

    server.add_user("bench", "bench-pw")
    cal = caldav.DAVClient(url=server.url, username="bench", password="bench-pw").principal().make_calendar(
        name="Bench", cal_id="bench")
    for i in range(n):
        start = BASE + timedelta(hours=7 * i)
        cal.save_event(EVENT.format(uid=f"e{i}@bench", stamp="20261201T100000Z", start=start,
                                    end=start + timedelta(hours=1), title=f"Event {i}"))
    return "bench", "bench-pw", cal


def timed_sync(external_id: int) -> float:
    from calendars.sync import sync_external
    from transactions import unit_of_work

    began = time.perf_counter()
    with unit_of_work():
        row = sync_external(external_id)
        assert row.state == "ok", row.last_error
    return time.perf_counter() - began


def sync_bench(app: object, server: object, n: int) -> None:
    from calendars.services.external import create_external
    from org.services.users import create_user
    from transactions import unit_of_work

    user_name, password, cal = remote_calendar(server, n)
    with app.app_context():
        with unit_of_work():
            owner = create_user("sync@bench.test", None, actor=None)
            ext = create_external({"name": "Bench", "url": str(cal.url), "username": user_name,
                                   "password": password}, actor=owner)
        began = time.perf_counter()
        fetched = len([e.data for e in cal.events()])  # what any client pays: every event's text
        raw = time.perf_counter() - began
        print(f"baseline, the caldav client downloading the {fetched} events: {raw:.2f} s")
        first = timed_sync(ext.id)
        print(f"first sync of {n} events: {first:.2f} s ({first / raw:.1f}x the baseline, "
              f"{n / first:.0f} events/s)")
        for i in range(10):
            obj = cal.event_by_uid(f"e{i}@bench")
            start = BASE + timedelta(hours=7 * i, minutes=30)
            obj.data = EVENT.format(uid=f"e{i}@bench", stamp="20261202T100000Z", start=start,
                                    end=start + timedelta(hours=1), title=f"Changed {i}")
            obj.save()
        print(f"incremental sync, 10 changed: {timed_sync(ext.id):.2f} s")
        print(f"sync with nothing changed: {timed_sync(ext.id):.2f} s")


def fill_workgroup(n: int) -> tuple[object, object, int]:
    """A workgroup calendar of `n` events over a year (a tenth weekly series); its owner and
    an outsider."""
    from calendars.services.calendars import workgroup_calendar
    from calendars.services.events import create_event
    from org.services.users import create_user
    from org.services.workgroups import create_workgroup
    from transactions import unit_of_work

    with unit_of_work():
        member = create_user("member@bench.test", None, actor=None)
        outsider = create_user("outsider@bench.test", None, actor=None)
        cal_id = workgroup_calendar(create_workgroup({"name": "Bench"}, actor=member)).id
    for chunk in range(0, n, 500):
        with unit_of_work():
            for i in range(chunk, min(n, chunk + 500)):
                start = BASE + timedelta(minutes=(525_600 // n) * i)
                data = {"title": f"Event {i}", "start": start.isoformat() + "Z", "private": i % 7 == 0}
                if i % 10 == 0:
                    data["rrule"] = "FREQ=WEEKLY;COUNT=8"
                create_event(cal_id, data, actor=member)
    return member, outsider, cal_id


def month_bench(app: object, n: int, repeat: int) -> None:
    from calendars.services.events import list_occurrences

    with app.app_context():
        began = time.perf_counter()
        member, outsider, cal_id = fill_workgroup(n)
        print(f"filled {n} events in {time.perf_counter() - began:.1f} s (not part of the view)")
        start, end = datetime(2026, 6, 1), datetime(2026, 7, 1)
        _report("baseline, the month's rows read by the index (no recurrence, no rights)",
                *_timed(repeat, lambda: _rows(cal_id, start, end)))
        for who, actor in (("member", member), ("outsider (busy)", outsider)):
            _report(f"month view as {who}", *_timed(
                repeat, lambda a=actor: len(list_occurrences(cal_id, start, end, actor=a))))


def _rows(cal_id: int, start: datetime, end: datetime) -> int:
    from sqlalchemy import select

    from calendars.models import CalendarEvent
    from extensions import db

    e = CalendarEvent
    query = select(e).where(e.calendar_id == cal_id, e.start_at >= start, e.start_at < end)
    return len(db.session.scalars(query).all())


def _timed(repeat: int, fn: object) -> tuple[list[float], int]:
    from extensions import db

    runs, count = [], 0
    for _ in range(repeat):
        db.session.expire_all()
        began = time.perf_counter()
        count = fn()
        runs.append(time.perf_counter() - began)
    return runs, count


def _report(label: str, runs: list[float], count: int) -> None:
    median = statistics.median(runs)
    print(f"{label}: {count} items, median {median * 1000:.0f} ms, p95 {p95(runs) * 1000:.0f} ms, "
          f"{1 / median:.1f} views/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--month-events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    from tests.support.mail_servers import Radicale

    url, drop = make_database(args.db)
    try:
        app = bench_app(url)
        with Radicale() as server:
            sync_bench(app, server, args.events)
        month_bench(app, args.month_events, args.repeat)
    finally:
        drop()


if __name__ == "__main__":
    main()
