"""CRM service functions: check access, write, record events; the caller owns the transaction."""
