"""CRM records, timeline, tasks, access rights, search and domain events."""
