"""The domain's exceptions: each carries the status, title and slug of its problem+json
response (built in service/problems.py). A leaf: imports nothing from the service."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain was not met; carries what the client needs to fix it."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(self, detail: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"
    slug = "invalid-input"


class NotFound(DomainError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class Unavailable(DomainError):
    status = 503
    title = "Service unavailable"
    slug = "unavailable"
