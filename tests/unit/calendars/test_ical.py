"""iCalendar text and occurrences: the fast path (dateutil on the columns) agrees with
recurring-ical-events on the stored text, across a DST change and with exceptions."""
from __future__ import annotations

from datetime import datetime

import pytest

from calendars import ical

SERIES = [
    ("Europe/Berlin", False, "FREQ=WEEKLY;COUNT=10", datetime(2026, 3, 9, 8), datetime(2026, 3, 9, 9)),
    ("America/New_York", False, "FREQ=DAILY;INTERVAL=2",
     datetime(2026, 10, 25, 13), datetime(2026, 10, 25, 14)),
    ("UTC", True, "FREQ=MONTHLY;BYMONTHDAY=1;COUNT=6", datetime(2026, 1, 1), datetime(2026, 1, 2)),
]


@pytest.mark.parametrize(("tz", "all_day", "rule", "start", "end"), SERIES)
def test_fast_expansion_matches_the_library(tz, all_day, rule, start, end):
    exdate = ical.expand_rule(rule, start, end, tz, [], datetime(2026, 1, 1), datetime(2027, 1, 1))[2][0]
    data = ical.EventData(uid="u1", title="T", start_at=start, end_at=end, all_day=all_day, timezone=tz,
                          rrule=rule, exdates=(exdate,))
    text = ical.build(data)
    window = (datetime(2026, 1, 1), datetime(2026, 12, 31))
    slow = [(b, f) for b, f, _rid, _t in ical.occurrences(text, *window)]
    fast = [(b, f) for b, f, _rid in
            ical.expand_rule(rule, start, end, tz, ical.iso_list((exdate,)), *window)]
    assert fast == slow and exdate not in [b for b, _f in fast] and len(fast) > 3


def test_the_stored_text_round_trips():
    data = ical.EventData(uid="u2", title="Review", start_at=datetime(2026, 5, 4, 7, 30),
                          end_at=datetime(2026, 5, 4, 8), timezone="Europe/Berlin", location="Room 2",
                          private=True, reminders=(15,), rrule="FREQ=WEEKLY;COUNT=3")
    back = ical.read(ical.build(data))
    assert (back.start_at, back.end_at, back.timezone, back.location, back.private, back.reminders) == (
        data.start_at, data.end_at, "Europe/Berlin", "Room 2", True, (15,))
    assert ical.last_end(back) is not None


def test_garbage_is_refused():
    with pytest.raises(ical.BadCalendarData):
        ical.read("this is not iCalendar")
