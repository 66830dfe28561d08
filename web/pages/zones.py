"""Time zones on pages: the browser's zone posted once, deadline inputs read in the person's zone."""
from __future__ import annotations

from datetime import datetime

from flask import jsonify, request

from errors import ValidationError
from org.services.users import update_user
from org.zones import zone_names
from web.pages import pages
from web.pages.common import me, to_local, user_zone


def local_input(value: datetime | None) -> str:
    """A stored UTC time as a datetime-local input's value in the person's zone."""
    return to_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def from_local_input(text: str) -> str:
    """A datetime-local value typed in the person's zone, with its UTC offset attached (dates and
    bad text pass through unchanged for the service to judge)."""
    text = (text or "").strip()
    if len(text) <= 10:
        return text
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return text
    return text if value.tzinfo else value.replace(tzinfo=user_zone()).isoformat()


def zone_choices() -> list[str]:
    """IANA zone names for the profile's list, sorted."""
    return sorted(zone_names())


@pages.post("/profile/time-zone")
def profile_time_zone():
    """The browser's zone, posted once by app.js while the person has none: 204; never overwrites
    a zone already chosen (409); a name that is not an IANA zone: 422 naming time_zone."""
    if me().time_zone:
        return jsonify({"error": "A time zone is already set", "time_zone": me().time_zone}), 409
    try:
        update_user(me().id, {"time_zone": request.form.get("time_zone", "")}, actor=me())
    except ValidationError as exc:
        return jsonify({"error": exc.message, "fields": exc.fields}), 422
    return "", 204
