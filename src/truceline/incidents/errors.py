"""Errors of the incident core (pure): each names the incident, state, action and reason.

They extend the project's one error tree (:mod:`truceline.errors`), so the API turns them
into RFC 9457 problems with the status below and the CLI prints them, with no new handler.
"""

from __future__ import annotations

from truceline.errors import ConflictError, InputError, TrucelineError


class WorkflowError(TrucelineError):
    """The workflow forbids this action in the incident's current state (nothing changed)."""

    status = 409
    title = "Transition not allowed"
    type_slug = "workflow-transition"


class RoleError(TrucelineError):
    """The caller's role, or the caller as a person (two-person rule), may not do this."""

    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class StaleVersionError(ConflictError):
    """The caller acted on an older version of the incident than the one stored."""

    type_slug = "stale-version"


class IncidentInputError(InputError):
    """A source, determination or action payload breaks its contract (nothing changed)."""

    type_slug = "invalid-incident-input"
