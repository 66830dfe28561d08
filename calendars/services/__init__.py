"""Calendar services: calendars, events, external calendars. They never commit."""
