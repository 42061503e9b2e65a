"""The version in force: highest version whose effective span holds the time."""

from __future__ import annotations

import pytest

from truceline.errors import InputError
from truceline.rules.versions import AgreementBook

from .conftest import agreement, at

V1 = agreement()
V2 = agreement(version=2, effective_from="2026-03-10T00:00:00Z")
OTHER = agreement(
    id="other-accord", effective_from="2026-03-05T00:00:00Z", effective_to="2026-03-20T00:00:00Z"
)


def test_highest_version_in_force() -> None:
    book = AgreementBook([V2, V1, OTHER])
    assert book.ids == ["other-accord", "test-2026"]
    assert book.in_force("test-2026", at("2026-02-28T23:59:59Z")) is None
    assert book.in_force("test-2026", at("2026-03-01T00:00:00Z")) is V1
    assert book.in_force("test-2026", at("2026-03-09T23:59:59Z")) is V1
    assert book.in_force("test-2026", at("2026-03-10T00:00:00Z")) is V2
    assert book.in_force("other-accord", at("2026-03-20T00:00:00Z")) is None
    assert book.in_force("missing", at("2026-03-12T00:00:00Z")) is None


def test_a_span_must_lie_in_force_throughout() -> None:
    book = AgreementBook([V1])
    assert (
        book.in_force_throughout(
            "test-2026", at("2026-02-28T23:00:00Z"), at("2026-03-01T01:00:00Z")
        )
        is None
    )
    assert (
        book.in_force_throughout(
            "test-2026", at("2026-03-01T00:00:00Z"), at("2026-03-01T01:00:00Z")
        )
        is V1
    )


def test_the_same_version_twice_is_refused() -> None:
    with pytest.raises(InputError, match="twice"):
        AgreementBook([V1, agreement()])
