"""Mail services: settings, templates, sending, jobs, ingest, personal mailboxes."""
