"""Calendars: one per person and workgroup, events with recurrence and attendees, external
calendars synchronised over CalDAV, the iCalendar feed and the CalDAV server at /dav/.

Other packages may import the modules in PUBLIC_MODULES (and what lies under a listed
package); the CalDAV client, the sync and the Celery tasks are calendars' own.
"""

PUBLIC_MODULES = (
    "calendars.access", "calendars.event_types", "calendars.feed", "calendars.ical", "calendars.models",
    "calendars.serialize", "calendars.services", "calendars.states", "calendars.zones",
)
