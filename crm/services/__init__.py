"""CRM service functions: check access, write, record events, commit once."""
