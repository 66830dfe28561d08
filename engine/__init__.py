"""Flowdesk process engine."""
