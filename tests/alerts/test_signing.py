"""HMAC-SHA256 webhook signatures: what verifies and what does not."""

from __future__ import annotations

import hashlib
import hmac

from truceline.alerts.signing import parse, sign, signature, verify

SECRET = "whsec_test_0123456789abcdef"
BODY = b'{"alert":{"id":"al-1"}}'
NOW = 1_772_417_402


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, BODY, NOW) == expected
    assert sign(SECRET, BODY, NOW) == f"t={NOW},v1={expected}"


def test_verifies_within_the_tolerance_only() -> None:
    header = sign(SECRET, BODY, NOW)
    assert verify(SECRET, header, BODY, now_s=NOW + 299)
    assert not verify(SECRET, header, BODY, now_s=NOW + 301)  # a replay, later
    assert not verify(SECRET, header, BODY, now_s=NOW - 301)


def test_rejects_tampering_and_wrong_keys() -> None:
    header = sign(SECRET, BODY, NOW)
    assert not verify(SECRET, header, BODY + b" ", now_s=NOW)
    assert not verify("another-secret-of-length", header, BODY, now_s=NOW)
    moved = header.replace(f"t={NOW}", f"t={NOW + 1}")  # the timestamp is signed too
    assert not verify(SECRET, moved, BODY, now_s=NOW)
    for broken in ("", "v1=abc", f"t={NOW}", "t=x,v1=00"):
        assert not verify(SECRET, broken, BODY, now_s=NOW)


def test_any_of_several_signatures_may_match_during_rotation() -> None:
    old = signature("the-old-secret-value", BODY, NOW)
    header = f"t={NOW},v1={old},v1={signature(SECRET, BODY, NOW)}"
    assert parse(header) == (NOW, [old, signature(SECRET, BODY, NOW)])
    assert verify(SECRET, header, BODY, now_s=NOW)
