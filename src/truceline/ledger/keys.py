"""Signed-note keys: names, key IDs, verifier keys (vkeys), signer keys (skeys), Ed25519.

Pure except for :func:`generate_ed25519_signer`, the one function that draws
randomness (through ``cryptography``'s ``Ed25519PrivateKey.generate()``); keep
every other key operation deterministic so it can be tested byte for byte.

Formats (C2SP signed-note; Go ``golang.org/x/mod/sumdb/note``):

* key name: non-empty, no Unicode space, no ``+`` (signed-note §Format); we also
  refuse ASCII control characters, which a note may not contain anyway.
* key ID: ``SHA-256(name || 0x0A || type || public key)[:4]`` read as a
  big-endian uint32 (signed-note §Signatures); type ``0x01`` is Ed25519, type
  ``0x04`` the timestamped Ed25519 cosignature of c2sp.org/tlog-cosignature.
* vkey: ``<name>+<key ID as 8 hex digits>+<base64(type || public key)>``.
* skey: ``PRIVATE+KEY+<name>+<key ID hex>+<base64(0x01 || 32-byte seed)>``. This
  is Go's encoding, not a C2SP specification. Base64 may contain ``+``, so a
  vkey is split at most twice and an skey at most four times.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .encoding import b64decode_strict, b64encode
from .errors import KeyFormatError

__all__ = [
    "SIG_TYPE_COSIGNATURE_V1",
    "SIG_TYPE_ED25519",
    "Ed25519Signer",
    "Ed25519Verifier",
    "NoteSigner",
    "NoteVerifier",
    "VerifierKey",
    "format_verifier_key",
    "generate_ed25519_signer",
    "is_valid_key_name",
    "key_id",
    "parse_verifier_key",
]

SIG_TYPE_ED25519 = 0x01
SIG_TYPE_COSIGNATURE_V1 = 0x04
_SUPPORTED_TYPES = frozenset({SIG_TYPE_ED25519, SIG_TYPE_COSIGNATURE_V1})
_ED25519_KEY_SIZE = 32
_HEX = frozenset("0123456789abcdefABCDEF")


def is_valid_key_name(name: str) -> bool:
    """signed-note §Format: non-empty, no Unicode spaces, no ``+`` (and no control chars)."""
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(c.isspace() or c < " " for c in name)
    )


def key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """``SHA-256(name || 0x0A || sig_type || public_key)[:4]`` as big-endian uint32."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A parsed vkey: ``name``, ``key_id``, signature ``sig_type`` and raw ``public_key``."""

    name: str
    key_id: int
    sig_type: int
    public_key: bytes

    def encode(self) -> str:
        """The vkey string ``name+hash+base64(type||key)``."""
        return format_verifier_key(self.name, self.sig_type, self.public_key)


def format_verifier_key(name: str, sig_type: int, public_key: bytes) -> str:
    """Encode a vkey, computing the key ID from name, type and key."""
    if not is_valid_key_name(name):
        raise KeyFormatError(f"invalid key name {name!r}")
    kid = key_id(name, sig_type, public_key)
    return f"{name}+{kid:08x}+{b64encode(bytes([sig_type]) + public_key)}"


def parse_verifier_key(vkey: str) -> VerifierKey:
    """Parse a vkey of type 0x01 or 0x04 and check its key ID; :class:`KeyFormatError` if bad."""
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError("vkey needs name+hash+key")
    name, hex_id, key64 = parts
    if not is_valid_key_name(name) or len(hex_id) != 8 or not set(hex_id) <= _HEX:
        raise KeyFormatError("malformed vkey name or key ID")
    try:
        raw = b64decode_strict(key64)
    except ValueError as exc:
        raise KeyFormatError(f"vkey key is not base64: {exc}") from None
    if not raw or raw[0] not in _SUPPORTED_TYPES:
        raise KeyFormatError("unsupported vkey signature type")
    if len(raw) != 1 + _ED25519_KEY_SIZE:
        raise KeyFormatError("vkey Ed25519 public key is not 32 bytes")
    parsed = VerifierKey(name, int(hex_id, 16), raw[0], raw[1:])
    if parsed.key_id != key_id(name, raw[0], raw[1:]):
        raise KeyFormatError("vkey key ID does not match its name and key")
    return parsed


class NoteVerifier(Protocol):
    """Checks signatures of one key; a note line matches it by ``(name, key_id)``."""

    @property
    def name(self) -> str:
        """The key name of the signature lines."""
        ...

    @property
    def key_id(self) -> int:
        """The 32-bit key ID of the signature lines."""
        ...

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True iff ``signature`` (without the 4-byte key ID) is valid on ``message``."""
        ...


class NoteSigner(Protocol):
    """Signs note text with one key."""

    @property
    def name(self) -> str:
        """The key name of the signature lines."""
        ...

    @property
    def key_id(self) -> int:
        """The 32-bit key ID of the signature lines."""
        ...

    def sign(self, message: bytes) -> bytes:
        """The signature bytes that follow the key ID in the signature line."""
        ...


class Ed25519Verifier:
    """Verifier for plain Ed25519 note signatures (type 0x01)."""

    __slots__ = ("_key", "key_id", "name", "public_key")

    def __init__(self, name: str, public_key: bytes) -> None:
        if not is_valid_key_name(name):
            raise KeyFormatError(f"invalid key name {name!r}")
        if len(public_key) != _ED25519_KEY_SIZE:
            raise KeyFormatError("Ed25519 public key must be 32 bytes")
        self.name = name
        self.public_key = bytes(public_key)
        self.key_id = key_id(name, SIG_TYPE_ED25519, self.public_key)
        self._key = Ed25519PublicKey.from_public_bytes(self.public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> Ed25519Verifier:
        """Build from a type-0x01 vkey."""
        parsed = parse_verifier_key(vkey)
        if parsed.sig_type != SIG_TYPE_ED25519:
            raise KeyFormatError("not an Ed25519 (type 0x01) vkey")
        return cls(parsed.name, parsed.public_key)

    def vkey(self) -> str:
        """This verifier as a vkey string."""
        return format_verifier_key(self.name, SIG_TYPE_ED25519, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """RFC 8032 Ed25519 verification of ``signature`` over ``message``."""
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


class Ed25519Signer:
    """Signer for plain Ed25519 note signatures (type 0x01), from a 32-byte seed."""

    __slots__ = ("_key", "key_id", "name", "public_key", "seed")

    def __init__(self, name: str, seed: bytes) -> None:
        if not is_valid_key_name(name):
            raise KeyFormatError(f"invalid key name {name!r}")
        if len(seed) != _ED25519_KEY_SIZE:
            raise KeyFormatError("Ed25519 seed must be 32 bytes")
        self.name = name
        self.seed = bytes(seed)
        self._key = Ed25519PrivateKey.from_private_bytes(self.seed)
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(name, SIG_TYPE_ED25519, self.public_key)

    def __repr__(self) -> str:
        return f"Ed25519Signer(name={self.name!r}, key_id={self.key_id:08x})"

    @classmethod
    def from_skey(cls, skey: str) -> Ed25519Signer:
        """Parse ``PRIVATE+KEY+name+hash+base64(0x01||seed)`` and check the key ID."""
        parts = skey.split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise KeyFormatError("skey must start with PRIVATE+KEY+")
        _, _, name, hex_id, key64 = parts
        if len(hex_id) != 8 or not set(hex_id) <= _HEX:
            raise KeyFormatError("malformed skey key ID")
        try:
            raw = b64decode_strict(key64)
        except ValueError as exc:
            raise KeyFormatError(f"skey key is not base64: {exc}") from None
        if len(raw) != 1 + _ED25519_KEY_SIZE or raw[0] != SIG_TYPE_ED25519:
            raise KeyFormatError("skey is not an Ed25519 (type 0x01) seed")
        signer = cls(name, raw[1:])
        if signer.key_id != int(hex_id, 16):
            raise KeyFormatError("skey key ID does not match the derived public key")
        return signer

    def skey(self) -> str:
        """This signer as a Go-style skey string (secret!)."""
        payload = b64encode(bytes([SIG_TYPE_ED25519]) + self.seed)
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{payload}"

    def verifier(self) -> Ed25519Verifier:
        """The matching verifier."""
        return Ed25519Verifier(self.name, self.public_key)

    def sign(self, message: bytes) -> bytes:
        """Deterministic RFC 8032 Ed25519 signature (64 bytes)."""
        return self._key.sign(message)


def generate_ed25519_signer(name: str) -> Ed25519Signer:
    """A new random Ed25519 signer. The ONLY impure function of the ledger core."""
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    return Ed25519Signer(name, seed)
