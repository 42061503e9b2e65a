"""C2SP tlog-cosignature v1, Ed25519 flavour (c2sp.org/tlog-cosignature@v1.0.1).

Pure: the timestamp is an argument, never read from a clock, and Ed25519
signing is deterministic, so a cosignature is a function of (key, checkpoint
text, timestamp).

A cosignature is a signed-note line on a checkpoint::

    key ID    = SHA-256(<name> || "\\n" || 0x04 || 32-byte Ed25519 public key)[:4]
    line      = "— <name> " base64(key ID || timestamped_signature) "\\n"
    timestamped_signature = uint64 big-endian timestamp || 64-byte Ed25519 signature
    signed message = "cosignature/v1\\n" "time <timestamp>\\n" <checkpoint note text>

``<timestamp>`` is POSIX seconds in ASCII decimal without leading zeros, at
most 2**63 - 1; the note text includes its final newline and any extension
lines, but no signature lines. The message does not commit to the cosigner
name, so each cosigner needs its own key.

Keys: a cosigner's vkey has type 0x04. Like transparency-dev/formats
(``NewVerifierForCosignatureV1``), a type 0x01 vkey or skey is also accepted
and re-labelled as type 0x04 — its key ID is then recomputed with 0x04.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .checkpoint import parse_checkpoint
from .errors import CheckpointError, CosignatureError, InvalidSignatureError, KeyFormatError
from .keys import (
    SIG_TYPE_COSIGNATURE_V1,
    Ed25519Signer,
    format_verifier_key,
    is_valid_key_name,
    key_id,
    parse_verifier_key,
)
from .note import NoteSignature, parse_note

__all__ = [
    "MAX_TIMESTAMP",
    "Cosignature",
    "CosignatureSigner",
    "CosignatureVerifier",
    "TimestampedSigner",
    "cosign",
    "cosignature_message",
    "cosignature_timestamp",
    "verify_cosignatures",
]

MAX_TIMESTAMP = 2**63 - 1
_SIGNATURE_SIZE = 8 + 64


def cosignature_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The bytes a cosigner signs (tlog-cosignature §Ed25519 signed message).

    ``checkpoint_text`` must be a valid checkpoint body (it is parsed strictly).
    """
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise CosignatureError("timestamp must be in [0, 2**63 - 1]")
    try:
        parse_checkpoint(checkpoint_text)
    except CheckpointError as exc:
        raise CosignatureError(f"not a checkpoint body: {exc}") from None
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


def cosignature_timestamp(signature: bytes) -> int:
    """The timestamp inside a 72-byte ``timestamped_signature``."""
    if len(signature) != _SIGNATURE_SIZE:
        raise CosignatureError("cosignature/v1 signature must be 8 + 64 bytes")
    return int.from_bytes(signature[:8], "big")


class CosignatureVerifier:
    """Verifies cosignature/v1 lines of one cosigner (a :class:`NoteVerifier`)."""

    __slots__ = ("_key", "key_id", "name", "public_key")

    def __init__(self, name: str, public_key: bytes) -> None:
        if not is_valid_key_name(name) or len(public_key) != 32:
            raise KeyFormatError("cosigner needs a valid name and a 32-byte Ed25519 key")
        self.name = name
        self.public_key = bytes(public_key)
        self.key_id = key_id(name, SIG_TYPE_COSIGNATURE_V1, self.public_key)
        self._key = Ed25519PublicKey.from_public_bytes(self.public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        """From a type-0x04 vkey, or a type-0x01 vkey re-labelled as 0x04."""
        parsed = parse_verifier_key(vkey)
        return cls(parsed.name, parsed.public_key)

    def vkey(self) -> str:
        """The type-0x04 vkey of this cosigner."""
        return format_verifier_key(self.name, SIG_TYPE_COSIGNATURE_V1, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True iff ``signature`` is a valid timestamped cosignature of note text ``message``."""
        try:
            timestamp = cosignature_timestamp(signature)
            signed = cosignature_message(message.decode("utf-8"), timestamp)
            self._key.verify(signature[8:], signed)
        except (CosignatureError, UnicodeDecodeError, InvalidSignature):
            return False
        return True


class CosignatureSigner:
    """A witness key that produces cosignature/v1 signatures."""

    __slots__ = ("_key", "key_id", "name", "public_key")

    def __init__(self, name: str, seed: bytes) -> None:
        if not is_valid_key_name(name) or len(seed) != 32:
            raise KeyFormatError("cosigner needs a valid name and a 32-byte Ed25519 seed")
        self.name = name
        self._key = Ed25519PrivateKey.from_private_bytes(bytes(seed))
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(name, SIG_TYPE_COSIGNATURE_V1, self.public_key)

    def __repr__(self) -> str:
        return f"CosignatureSigner(name={self.name!r}, key_id={self.key_id:08x})"

    @classmethod
    def from_skey(cls, skey: str) -> CosignatureSigner:
        """From a Go-style type-0x01 skey (as transparency-dev/witness does)."""
        plain = Ed25519Signer.from_skey(skey)
        return cls(plain.name, plain.seed)

    def verifier(self) -> CosignatureVerifier:
        """The matching verifier."""
        return CosignatureVerifier(self.name, self.public_key)

    def sign_at(self, checkpoint_text: str, timestamp: int) -> bytes:
        """``timestamp (8 bytes BE) || Ed25519 signature`` over the cosignature message."""
        message = cosignature_message(checkpoint_text, timestamp)
        return timestamp.to_bytes(8, "big") + self._key.sign(message)

    def at(self, timestamp: int) -> TimestampedSigner:
        """A :class:`NoteSigner` bound to ``timestamp``, for :func:`sign_note`."""
        return TimestampedSigner(self, timestamp)


@dataclass(frozen=True, slots=True)
class TimestampedSigner:
    """A cosigner with a fixed timestamp; satisfies the ``NoteSigner`` protocol."""

    cosigner: CosignatureSigner
    timestamp: int

    @property
    def name(self) -> str:
        """The cosigner's key name."""
        return self.cosigner.name

    @property
    def key_id(self) -> int:
        """The cosigner's type-0x04 key ID."""
        return self.cosigner.key_id

    def sign(self, message: bytes) -> bytes:
        """Cosign note text ``message`` at the bound timestamp."""
        return self.cosigner.sign_at(message.decode("utf-8"), self.timestamp)


def cosign(checkpoint_text: str, signer: CosignatureSigner, timestamp: int) -> NoteSignature:
    """The cosignature line for a checkpoint body; ``.line()`` gives its text."""
    return NoteSignature(signer.name, signer.key_id, signer.sign_at(checkpoint_text, timestamp))


@dataclass(frozen=True, slots=True)
class Cosignature:
    """A verified cosignature: which cosigner, and the time it states."""

    name: str
    key_id: int
    timestamp: int


def verify_cosignatures(
    msg: bytes | str, cosigners: Sequence[CosignatureVerifier]
) -> list[Cosignature]:
    """Verified cosignatures of known ``cosigners`` on a signed checkpoint note.

    Lines of other keys (the log's own, unknown witnesses) are ignored; a bad
    line of a known cosigner raises :class:`InvalidSignatureError`. One entry per
    cosigner (its first line). This does NOT check the log's signature: open the
    note with :func:`~truceline.ledger.checkpoint.open_checkpoint` for that.
    """
    note = parse_note(msg)
    table = {(c.name, c.key_id): c for c in cosigners}
    message = note.text.encode("utf-8")
    found: dict[tuple[str, int], Cosignature] = {}
    for sig in note.signatures:
        verifier = table.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(message, sig.signature):
            raise InvalidSignatureError(sig.name, sig.key_id)
        found.setdefault(
            (sig.name, sig.key_id),
            Cosignature(sig.name, sig.key_id, cosignature_timestamp(sig.signature)),
        )
    return list(found.values())
