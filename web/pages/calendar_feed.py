"""GET /calendars/feed/<secret>.ics: a calendar's read-only iCalendar feed (no login; the
secret in the URL is the key, revoked through DELETE /api/v1/calendars/<id>/feed), and the
/.well-known/caldav redirect to /dav/."""
from __future__ import annotations

from flask import Response, abort, redirect

from calendars.feed import feed_text
from errors import NotFound
from web.pages import pages


@pages.get("/calendars/feed/<token>.ics")
def calendar_feed(token: str):
    try:
        text = feed_text(token)
    except NotFound:
        abort(404)
    return Response(text, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})


@pages.route("/.well-known/caldav", methods=["GET", "PROPFIND"])
def caldav_well_known():
    """RFC 6764: CalDAV clients given only the portal address find /dav/ here."""
    return redirect("/dav/", code=301)
