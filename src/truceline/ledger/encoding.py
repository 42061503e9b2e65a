"""Strict text encodings shared by the C2SP formats.

Pure: string/bytes conversions only, no I/O.

The C2SP specifications (signed-note, tlog-checkpoint, tlog-witness) use the
standard base64 alphabet with padding of RFC 4648 §4. Decoding here is
*canonical*: input must be exactly what :func:`b64encode` would produce for the
decoded bytes (correct padding, zero pad bits, no whitespace). That keeps every
signed byte string to one spelling, so two parties can never disagree about
what was signed.
"""

from __future__ import annotations

import base64
import binascii

__all__ = ["MAX_U64", "b64decode_strict", "b64encode", "parse_decimal_u64"]

MAX_U64 = 2**64 - 1


def b64encode(data: bytes) -> str:
    """Standard base64 with padding (RFC 4648 §4)."""
    return base64.b64encode(data).decode("ascii")


def b64decode_strict(text: str) -> bytes:
    """Decode canonical standard base64 (RFC 4648 §4); raise ``ValueError`` otherwise."""
    if not text.isascii():
        raise ValueError("base64 text is not ASCII")
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"invalid base64: {exc}") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("non-canonical base64")
    return raw


def parse_decimal_u64(text: str) -> int:
    """Parse ASCII decimal with no sign and no leading zeros ("0" itself is fine), <= 2**64-1."""
    if not text or not text.isascii() or not text.isdigit():
        raise ValueError(f"not an ASCII decimal: {text!r}")
    if len(text) > 1 and text[0] == "0":
        raise ValueError(f"leading zero in decimal: {text!r}")
    if len(text) > 20:
        raise ValueError("decimal exceeds 64 bits")
    value = int(text)
    if value > MAX_U64:
        raise ValueError("decimal exceeds 64 bits")
    return value
