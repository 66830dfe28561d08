"""Errors that services raise and the web layer turns into 4xx answers."""
from __future__ import annotations


class ServiceError(Exception):
    """Base of the errors a user can act on; `status` is the HTTP answer."""

    status = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def to_dict(self) -> dict:
        body: dict = {"error": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class ValidationError(ServiceError):
    status = 422

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> ValidationError:
        names = ", ".join(sorted(fields))
        return cls(f"Invalid value for: {names}", fields)


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class Unauthorized(ServiceError):
    status = 401


class PreconditionFailed(ServiceError):
    """An If-Match (or a form's version) that the record no longer has: 412, naming its version."""

    status = 412

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version

    def to_dict(self) -> dict:
        body = super().to_dict()
        body["current_version"] = self.current_version
        return body
