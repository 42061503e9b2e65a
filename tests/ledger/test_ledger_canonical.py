"""The fast RFC 8785 serialiser gives exactly the reference package's bytes."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from truceline.ledger.canonical import canonical_json
from truceline.ledger.errors import LeafError
from truceline.ledger.hashing import leaf_data, markings_commitment

_SAFE = 2**53 - 1
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-_SAFE, max_value=_SAFE)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.floats(min_value=-1e17, max_value=1e17).map(float.__round__).map(float)
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


def _assert_same_as_reference(value: Any) -> None:
    """``canonical_json`` gives the reference's bytes, or raises what the reference raises."""
    try:
        expected = rfc8785.dumps(value)
    except Exception as exc:  # the reference's verdict, whatever it is
        with pytest.raises(type(exc)):
            canonical_json(value)
        return
    assert canonical_json(value) == expected


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_same_bytes_as_rfc8785(value: Any) -> None:
    _assert_same_as_reference(value)


@pytest.mark.parametrize(
    "value",
    [
        48.0,
        -0.0,
        1e16,
        1e15 + 0.5,
        1e-5,
        9.999e-6,
        1e21,
        1e-7,
        2**53,
        -(2**53),
        5e-324,
        {"\U0001f600": 1, "\ue000": 2},
        "\ud800",
        {"a": [1.0, 2.5, None]},
    ],
)
def test_edge_values(value: Any) -> None:
    _assert_same_as_reference(value)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.text(min_size=1, max_size=12),
    record_id=st.text(min_size=1, max_size=40),
    record=st.dictionaries(st.text(max_size=6), scalars, max_size=6),
    salt=st.binary(min_size=32, max_size=32),
)
def test_leaf_envelope_is_the_reference_jcs(
    kind: str, record_id: str, record: dict[str, Any], salt: bytes
) -> None:
    """The written-out envelope equals RFC 8785 of the envelope object (reference package)."""
    envelope = {
        "format": "truceline-leaf/1",
        "id": record_id,
        "kind": kind,
        "markings_commitment": markings_commitment({}, salt),
        "record_commitment": hashlib.sha256(
            b"truceline-leaf/1 record\n" + salt + rfc8785.dumps(record)
        ).hexdigest(),
    }
    expected = rfc8785.dumps(envelope)
    assert leaf_data(record, kind=kind, record_id=record_id, markings={}, salt=salt) == expected


def test_an_id_jcs_refuses_is_refused() -> None:
    with pytest.raises(LeafError):
        leaf_data({}, kind="k", record_id="bad\ud800id", markings={}, salt=bytes(32))
