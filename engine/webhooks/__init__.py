"""Outgoing webhooks: endpoints administrators register, signed deliveries of domain events
(an outbox consumer queues them, a Celery task sends them after the commit, with retries)."""
