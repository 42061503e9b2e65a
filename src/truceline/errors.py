"""One error tree for the whole project.

Each error carries an HTTP status and a user-safe message; the API turns them into
RFC 9457 ``application/problem+json`` in one place (``truceline.api.problems``) and the
CLI prints them. Input errors carry a list of :class:`Problem` that name the source (file
or request), the line or feature index, and the field, as the interchange specs require.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one input record."""

    source: str
    line: int | None
    field: str | None
    message: str
    record_id: str | None = None
    unit: str = "line"

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f", {self.unit} {self.line}"
        if self.record_id:
            where += f" (id {self.record_id})"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            self.unit: self.line,
            "field": self.field,
            "record_id": self.record_id,
            "detail": self.message,
        }


class TrucelineError(Exception):
    """Base of every error the service reports to a user."""

    status: int = 500
    title: str = "Internal error"
    type_slug: str = "internal"

    def __init__(self, message: str, *, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message, *(f"  - {p}" for p in self.problems[:20])]
        if len(self.problems) > 20:
            lines.append(f"  ... and {len(self.problems) - 20} more")
        return "\n".join(lines)


class InputError(TrucelineError):
    """A file or request held records that break their format; nothing was written."""

    status = 422
    title = "Invalid input"
    type_slug = "invalid-input"


class ConflictError(TrucelineError):
    """A record with this id exists with different content, or a stale version was sent."""

    status = 409
    title = "Conflict"
    type_slug = "conflict"


class NotFoundError(TrucelineError):
    """The record does not exist, or the caller may not see it (answered the same way)."""

    status = 404
    title = "Not found"
    type_slug = "not-found"


class BadRequestError(TrucelineError):
    """A query parameter or request shape that the endpoint cannot serve."""

    status = 400
    title = "Bad request"
    type_slug = "bad-request"


class UnauthorizedError(TrucelineError):
    """No valid credentials (the message never says which part of a token was wrong)."""

    status = 401
    title = "Unauthorized"
    type_slug = "unauthorized"


class ForbiddenError(TrucelineError):
    """The caller is known but its roles do not allow the action."""

    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class ConfigError(TrucelineError):
    """A setting has a value the service cannot use."""

    status = 500
    title = "Configuration error"
    type_slug = "configuration"
