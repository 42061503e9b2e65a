"""A report's own SHA-256, printed inside it, and how a reader checks it (pure).

Scheme (docs/reports.md): every report carries the token ``report-sha256:`` followed by 64
lower-case hex digits, in plain bytes (the PDF's page streams are not compressed, and the
token is set in a standard PDF font, so it too holds the token as plain ASCII). The digits
are the SHA-256 of the report's bytes with EVERY such token's digits replaced by 64 zeros.
A reader checks a file with nothing but a text substitution and ``sha256sum``::

    sed -E 's/report-sha256:[0-9a-f]{64}/report-sha256:'"$(printf '0%.0s' {1..64})"'/g' \\
        report.md | sha256sum

or with ``truceline report verify FILE``. The renderer writes the zeros first, hashes, and
substitutes the digest into the same places, so the check reproduces exactly what was
hashed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from truceline.reports.document import DIGEST_TOKEN

ZEROS = "0" * 64
PLACEHOLDER = (DIGEST_TOKEN + ZEROS).encode("ascii")
_PATTERN = re.compile(re.escape(DIGEST_TOKEN.encode("ascii")) + rb"([0-9a-f]{64})")


def seal(content: bytes) -> tuple[bytes, str]:
    """Replace the placeholders in ``content`` with its digest; returns (sealed, digest)."""
    if PLACEHOLDER not in content:
        raise ValueError("the report has no digest placeholder in plain bytes")
    digest = hashlib.sha256(content).hexdigest()
    return content.replace(PLACEHOLDER, (DIGEST_TOKEN + digest).encode("ascii")), digest


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of checking a report file against the digest it prints."""

    ok: bool
    printed: str | None
    computed: str
    occurrences: int
    reason: str


def check(content: bytes) -> Check:
    """Whether the digest printed in ``content`` is the SHA-256 the scheme defines."""
    found = _PATTERN.findall(content)
    zeroed = _PATTERN.sub(PLACEHOLDER, content)
    computed = hashlib.sha256(zeroed).hexdigest()
    printed = sorted({f.decode("ascii") for f in found})
    if not printed:
        return Check(False, None, computed, 0, f"no '{DIGEST_TOKEN}' token found")
    if len(printed) > 1:
        return Check(False, printed[0], computed, len(found), "the report prints several digests")
    ok = printed[0] == computed
    reason = "the digest matches" if ok else "the content differs from what was hashed"
    return Check(ok, printed[0], computed, len(found), reason)
