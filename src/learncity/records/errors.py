"""Refusals of the records context (each with a stable code and its HTTP status)."""

from __future__ import annotations

from learncity.core.errors import DomainError, NotFound

__all__ = ["ConfirmationRequired", "Forbidden", "NotFound"]


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


class ConfirmationRequired(DomainError):
    code = "confirmation_required"
    http_status = 422
