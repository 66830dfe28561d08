"""Outgoing mail and templates, bulk send jobs, the Send&Save CRM mailbox, personal mailboxes."""
