"""Outgoing mail and templates, bulk send jobs, the Send&Save CRM mailbox, personal mailboxes.

Other packages may import the modules in PUBLIC_MODULES (and what lies under a listed
package): the engine queues mail through `mail.outgoing` only (and renders the http.request
activity's templates with `mail.render`, the sandboxed Jinja). The protocol clients (SMTP,
IMAP), the poller and the Celery tasks are mail's own (tests/unit/test_public_surface.py).
"""

PUBLIC_MODULES = (
    "mail.crypto", "mail.models", "mail.outbox", "mail.outgoing", "mail.render", "mail.report_mail",
    "mail.sanitize", "mail.services", "mail.states",
)
