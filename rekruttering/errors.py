"""Errors a service raises for a person to act on. Views turn them into messages."""

from __future__ import annotations


class ServiceError(Exception):
    """A use case refused: ``message`` is shown to the user (already translated)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """The object does not exist, or belongs to another centre (the same to the caller)."""


class Conflict(ServiceError):
    """The request clashes with the current state (a duplicate, a stale form)."""
