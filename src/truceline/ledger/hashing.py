"""RFC 6962 / RFC 9162 Merkle hashing and the Truceline leaf envelope.

Pure: every function here is a deterministic function of its arguments (SHA-256
and RFC 8785 canonical JSON). There is no I/O, no clock and no randomness; the
salt that hides a record is *passed in* by the caller, who draws it from a CSPRNG
(``secrets.token_bytes(SALT_SIZE)``) and stores it next to the record.

Merkle hashing (RFC 9162 §2.1.1, identical to RFC 6962 §2.1), hash = SHA-256::

    leaf hash   = SHA-256(0x00 || leaf data)
    node hash   = SHA-256(0x01 || left child hash || right child hash)
    empty tree  = SHA-256("")   (the hash of the empty string)

Leaf data: the Truceline leaf envelope, version 1
-------------------------------------------------
Each stored record (detection, observation, event, finding, decision, ...)
becomes exactly one leaf. Its *leaf data* is not the record but a small public
envelope that commits to it, so that the public log reveals neither the record
nor whether a guessed record is the one logged. A verifier in any language can
recompute it from (record, markings, kind, id, salt):

1. ``salt`` is exactly 32 bytes (``SALT_SIZE``), unique per record, secret until
   the record is disclosed.
2. ``JCS(x)`` is the RFC 8785 JSON Canonicalization Scheme serialisation of the
   JSON value ``x``, as UTF-8 bytes.
3. ``record_commitment`` is the lowercase hex of::

       SHA-256("truceline-leaf/1 record\\n" || salt || JCS(record))

   where the label is the 23 ASCII bytes ``truceline-leaf/1 record`` followed by
   one newline byte 0x0A (24 bytes in all).
4. ``markings_commitment`` is the lowercase hex of::

       SHA-256("truceline-leaf/1 markings\\n" || salt || JCS(markings))

   with the label ``truceline-leaf/1 markings`` + 0x0A (26 bytes), and the *same*
   salt (the distinct labels separate the two domains).
5. The leaf data is ``JCS(envelope)`` with exactly these five members (JCS
   orders them as listed)::

       {"format": "truceline-leaf/1",
        "id": <record_id, non-empty string>,
        "kind": <kind, non-empty string>,
        "markings_commitment": <64 lowercase hex digits>,
        "record_commitment": <64 lowercase hex digits>}

6. The Merkle leaf hash is ``SHA-256(0x00 || leaf data)``.

``record`` and ``markings`` must be JSON objects that RFC 8785 accepts
(string keys; integers within ±(2**53 - 1); finite floats). The kind and id are
public on purpose: they let auditors count and cross-reference entries without
seeing content. Opening a leaf means revealing (record, markings, salt); the
verifier recomputes the envelope and checks it byte for byte.

Worked example (a test pins it)::

    record   = {"a": 1}
    markings = {"classification": "RESTRICTED"}
    kind     = "observation";  record_id = "obs-0001"
    salt     = bytes(range(32))       # 000102...1f
    record_commitment   = 4d0c3eb8c5082079c53ac71ac098d12a3274fce0fd59ecf2ace9a15b2295215c
    markings_commitment = 1998b616a87965a78ababb43df9253d46a83a2938699f9fb5a4245eca60b4b67
    leaf data = {"format":"truceline-leaf/1","id":"obs-0001","kind":"observation",
                 "markings_commitment":"1998b6...4b67","record_commitment":"4d0c3e...215c"}
                (one line, no spaces, full hex values)
    leaf hash = f0bb25910bbbcc1aee644e8c1fdf7ccdb998b02719a915c0d51d55262ff4513e

``tests/ledger/test_ledger_hashing.py`` pins these values; changing any of them is a
breaking change of the log format and needs a new ``format`` version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import rfc8785

from .canonical import canonical_json
from .errors import LeafError

__all__ = [
    "EMPTY_ROOT",
    "ENVELOPE_FORMAT",
    "HASH_SIZE",
    "SALT_SIZE",
    "LeafEnvelope",
    "canonical_object",
    "jcs",
    "leaf_data",
    "leaf_data_canonical",
    "leaf_hash",
    "markings_commitment",
    "node_hash",
    "parse_leaf_data",
    "record_commitment",
]

HASH_SIZE = 32
SALT_SIZE = 32
ENVELOPE_FORMAT = "truceline-leaf/1"
_RECORD_LABEL = b"truceline-leaf/1 record\n"
_MARKINGS_LABEL = b"truceline-leaf/1 markings\n"
_ENVELOPE_HEAD = b'{"format":"truceline-leaf/1","id":'
_ENVELOPE_KEYS = frozenset({"format", "id", "kind", "markings_commitment", "record_commitment"})

#: Merkle Tree Hash of the empty list, ``SHA-256("")`` (RFC 9162 §2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """Leaf hash ``SHA-256(0x00 || data)`` (RFC 9162 §2.1.1; RFC 6962 §2.1)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node hash ``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def jcs(value: Any) -> bytes:
    """RFC 8785 canonical JSON of ``value`` as UTF-8 bytes; :class:`LeafError` if impossible."""
    try:
        return canonical_json(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise LeafError(f"value is not RFC 8785 serialisable: {exc}") from None


def _check_salt(salt: bytes) -> None:
    if not isinstance(salt, bytes) or len(salt) != SALT_SIZE:
        raise LeafError(f"salt must be exactly {SALT_SIZE} bytes")


def canonical_object(value: Mapping[str, Any]) -> bytes:
    """``JCS(value)`` of a JSON object; :class:`LeafError` if it is not a Mapping."""
    if not isinstance(value, Mapping):
        raise LeafError("committed value must be a JSON object (Mapping)")
    return jcs(value if type(value) is dict else dict(value))


def _commit_canonical(label: bytes, salt: bytes, canonical: bytes) -> str:
    return hashlib.sha256(label + salt + canonical).hexdigest()


def _commit(label: bytes, salt: bytes, value: Mapping[str, Any]) -> str:
    _check_salt(salt)
    return _commit_canonical(label, salt, canonical_object(value))


def record_commitment(record: Mapping[str, Any], salt: bytes) -> str:
    """Hex ``SHA-256("truceline-leaf/1 record\\n" || salt || JCS(record))`` (see module doc)."""
    return _commit(_RECORD_LABEL, salt, record)


def markings_commitment(markings: Mapping[str, Any], salt: bytes) -> str:
    """Hex ``SHA-256("truceline-leaf/1 markings\\n" || salt || JCS(markings))``."""
    return _commit(_MARKINGS_LABEL, salt, markings)


def _check_label(what: str, value: str) -> None:
    if not isinstance(value, str) or not value:
        raise LeafError(f"{what} must be a non-empty string")


def leaf_data(
    record: Mapping[str, Any],
    *,
    kind: str,
    record_id: str,
    markings: Mapping[str, Any],
    salt: bytes,
) -> bytes:
    """Leaf data of one record: ``JCS`` of the v1 envelope defined in the module docstring.

    The result is what RFC 9162 §2.1.1 calls the leaf's data ``d``; its Merkle leaf
    hash is :func:`leaf_hash` of it.
    """
    markings_jcs = canonical_object(markings)
    return leaf_data_canonical(
        canonical_object(record), markings_jcs, kind=kind, record_id=record_id, salt=salt
    )


def leaf_data_canonical(
    record_jcs: bytes, markings_jcs: bytes, *, kind: str, record_id: str, salt: bytes
) -> bytes:
    """:func:`leaf_data` from ``JCS(record)`` and ``JCS(markings)`` already computed.

    For appenders that canonicalise each distinct markings object once per batch; the
    caller must pass :func:`canonical_object` output, or the leaf will not verify.
    """
    _check_label("kind", kind)
    _check_label("record_id", record_id)
    _check_salt(salt)
    markings_hex = _commit_canonical(_MARKINGS_LABEL, salt, markings_jcs)
    record_hex = _commit_canonical(_RECORD_LABEL, salt, record_jcs)
    try:  # JCS of the envelope, written out: its members are strings, already in JCS order
        return b"".join(
            (
                _ENVELOPE_HEAD,
                orjson.dumps(record_id),
                b',"kind":',
                orjson.dumps(kind),
                b',"markings_commitment":"',
                markings_hex.encode("ascii"),
                b'","record_commitment":"',
                record_hex.encode("ascii"),
                b'"}',
            )
        )
    except orjson.JSONEncodeError:  # e.g. a lone surrogate: let the reference decide
        envelope = {
            "format": ENVELOPE_FORMAT,
            "id": record_id,
            "kind": kind,
            "markings_commitment": markings_hex,
            "record_commitment": record_hex,
        }
        return jcs(envelope)


@dataclass(frozen=True, slots=True)
class LeafEnvelope:
    """The public fields of a v1 leaf envelope, as parsed from leaf data."""

    kind: str
    record_id: str
    record_commitment: str
    markings_commitment: str

    def opens_to(self, record: Mapping[str, Any], markings: Mapping[str, Any], salt: bytes) -> bool:
        """True iff (record, markings, salt) is the opening of this envelope."""
        return (
            record_commitment(record, salt) == self.record_commitment
            and markings_commitment(markings, salt) == self.markings_commitment
        )


def _is_hex64(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 2 * HASH_SIZE
        and all(c in "0123456789abcdef" for c in value)
    )


def parse_leaf_data(data: bytes) -> LeafEnvelope:
    """Parse and strictly validate v1 leaf data (canonical JCS, exact member set)."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LeafError(f"leaf data is not JSON: {exc}") from None
    if not isinstance(obj, dict) or set(obj) != _ENVELOPE_KEYS:
        raise LeafError("leaf data is not a v1 envelope object")
    if obj["format"] != ENVELOPE_FORMAT:
        raise LeafError(f"unknown envelope format {obj['format']!r}")
    for what in ("kind", "id"):
        _check_label(what, obj[what])
    for what in ("record_commitment", "markings_commitment"):
        if not _is_hex64(obj[what]):
            raise LeafError(f"{what} is not 64 lowercase hex digits")
    if jcs(obj) != data:
        raise LeafError("leaf data is not in RFC 8785 canonical form")
    return LeafEnvelope(
        obj["kind"], obj["id"], obj["record_commitment"], obj["markings_commitment"]
    )
