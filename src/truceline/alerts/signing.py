"""Signed webhooks: HMAC-SHA256 over the timestamp and the body (pure; the caller passes the
time).

Header (the scheme Stripe uses, so receivers can reuse their verification code)::

    X-Truceline-Signature: t=1772417402,v1=5257a869e7ec...e108d8bd  (64 hex digits)

``v1`` is the lower-case hex HMAC-SHA256, keyed with the subscription's secret (its UTF-8
bytes), of ``"{t}." + body``: the Unix time in seconds, a full stop, then the exact bytes
of the request body. A receiver recomputes it, compares in constant time, and rejects a
timestamp more than five minutes from its own clock, so a captured request cannot be
replayed later. Several ``v1`` entries may appear while a secret is being rotated; any one
that matches is enough.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Truceline-Signature"
TOLERANCE_S = 300


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of ``"{timestamp}." + body`` under ``secret``."""
    message = f"{timestamp}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value: ``t=<timestamp>,v1=<hex>``."""
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"


def parse(header: str) -> tuple[int | None, list[str]]:
    """The timestamp and the ``v1`` signatures of a header value (None when malformed)."""
    stamp: int | None = None
    sigs: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            stamp = int(value)
        elif key == "v1" and value:
            sigs.append(value)
    return stamp, sigs


def verify(
    secret: str, header: str, body: bytes, *, now_s: int, tolerance_s: int = TOLERANCE_S
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` at a time within the tolerance."""
    stamp, sigs = parse(header)
    if stamp is None or not sigs or abs(now_s - stamp) > tolerance_s:
        return False
    expected = signature(secret, body, stamp)
    return any(hmac.compare_digest(expected, s) for s in sigs)
