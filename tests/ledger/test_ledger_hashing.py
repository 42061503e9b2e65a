"""Leaf/node hashing (RFC 9162 §2.1.1) and the v1 leaf envelope."""

from __future__ import annotations

import hashlib
import json

import pytest

from truceline.ledger import (
    EMPTY_ROOT,
    LeafError,
    leaf_data,
    leaf_hash,
    markings_commitment,
    node_hash,
    parse_leaf_data,
    record_commitment,
)

from .ledger_testdata import load

SALT = bytes(range(32))
RECORD = {"a": 1}
MARKINGS = {"classification": "RESTRICTED"}


def test_transparency_dev_hasher_vectors() -> None:
    vectors = load("transparency-dev-merkle/hasher_vectors.json")
    assert EMPTY_ROOT.hex() == vectors["empty_root"]["want_hex"]
    assert leaf_hash(b"").hex() == vectors["empty_leaf"]["want_hex"]
    assert leaf_hash(vectors["leaf"]["leaf_utf8"].encode()).hex() == vectors["leaf"]["want_hex"]
    node = vectors["node"]
    got = node_hash(node["left_utf8"].encode(), node["right_utf8"].encode())
    assert got.hex() == node["want_hex"]


def test_envelope_worked_example() -> None:
    """Pins the example of the hashing module docstring: a format change breaks this."""
    data = leaf_data(RECORD, kind="observation", record_id="obs-0001", markings=MARKINGS, salt=SALT)
    rc = "4d0c3eb8c5082079c53ac71ac098d12a3274fce0fd59ecf2ace9a15b2295215c"
    mc = "1998b616a87965a78ababb43df9253d46a83a2938699f9fb5a4245eca60b4b67"
    assert (
        data
        == (
            '{"format":"truceline-leaf/1","id":"obs-0001","kind":"observation",'
            f'"markings_commitment":"{mc}","record_commitment":"{rc}"}}'
        ).encode()
    )
    assert leaf_hash(data).hex() == (
        "f0bb25910bbbcc1aee644e8c1fdf7ccdb998b02719a915c0d51d55262ff4513e"
    )


def test_commitments_recomputed_without_the_library() -> None:
    """The docstring recipe, with plain hashlib/json (JCS == sorted compact JSON for ASCII)."""
    record = {"z": "last", "a": [1, 2, {"y": True, "b": None}]}

    def compact(value: object) -> bytes:
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()

    want_r = hashlib.sha256(b"truceline-leaf/1 record\n" + SALT + compact(record)).hexdigest()
    want_m = hashlib.sha256(b"truceline-leaf/1 markings\n" + SALT + compact(MARKINGS)).hexdigest()
    assert record_commitment(record, SALT) == want_r
    assert markings_commitment(MARKINGS, SALT) == want_m


def test_salt_hides_record_and_domains_are_separated() -> None:
    other_salt = bytes(32)
    assert record_commitment(RECORD, SALT) != record_commitment(RECORD, other_salt)
    assert record_commitment(MARKINGS, SALT) != markings_commitment(MARKINGS, SALT)


def test_envelope_is_stable_under_key_order() -> None:
    a = leaf_data({"x": 1, "y": 2}, kind="k", record_id="i", markings={}, salt=SALT)
    b = leaf_data({"y": 2, "x": 1}, kind="k", record_id="i", markings={}, salt=SALT)
    assert a == b


def test_parse_leaf_data_round_trip_and_opening() -> None:
    data = leaf_data(RECORD, kind="finding", record_id="f-9", markings=MARKINGS, salt=SALT)
    env = parse_leaf_data(data)
    assert (env.kind, env.record_id) == ("finding", "f-9")
    assert env.opens_to(RECORD, MARKINGS, SALT)
    assert not env.opens_to({"a": 2}, MARKINGS, SALT)
    assert not env.opens_to(RECORD, {"classification": "OPEN"}, SALT)


def _envelope(fmt: str = "truceline-leaf/1", mc: str = "0" * 64, first: str = "format") -> bytes:
    members = {"format": f'"format":"{fmt}"', "id": '"id":"i"'}
    head = members.pop(first)
    return (
        "{" + head + "," + next(iter(members.values())) + ',"kind":"k",'
        f'"markings_commitment":"{mc}","record_commitment":"{"0" * 64}"}}'
    ).encode()


def test_envelope_helper_builds_a_valid_envelope() -> None:
    assert parse_leaf_data(_envelope()).record_id == "i"


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[]",
        b'{"format":"truceline-leaf/1"}',
        _envelope(fmt="x"),  # unknown format version
        _envelope(mc="A" * 64),  # upper-case hex
        _envelope(first="id"),  # members not in canonical order
        _envelope() + b" ",  # trailing space: not canonical
    ],
)
def test_parse_leaf_data_rejects(data: bytes) -> None:
    with pytest.raises(LeafError):
        parse_leaf_data(data)


@pytest.mark.parametrize(
    ("record", "kwargs"),
    [
        (RECORD, {"salt": b"short"}),
        (RECORD, {"kind": ""}),
        (RECORD, {"record_id": ""}),
        ({"n": 2**60}, {}),
        ({"f": float("nan")}, {}),
        ({1: "non-string key"}, {}),
    ],
)
def test_leaf_data_rejects_bad_input(
    record: dict[object, object], kwargs: dict[str, object]
) -> None:
    args: dict[str, object] = {"kind": "k", "record_id": "i", "markings": {}, "salt": SALT}
    args.update(kwargs)
    with pytest.raises(LeafError):
        leaf_data(record, **args)  # type: ignore[arg-type]
