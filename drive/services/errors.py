"""The drive's own answers beside errors.py: too large (413) and locked (423, WebDAV locks)."""
from __future__ import annotations

from errors import ServiceError


class PayloadTooLarge(ServiceError):
    status = 413


class Locked(ServiceError):
    status = 423
