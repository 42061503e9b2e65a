"""The evidence errors, each with its HTTP status and RFC 9457 problem type."""

from __future__ import annotations

from truceline.errors import InputError, TrucelineError


class EvidenceTooLarge(TrucelineError):
    """The upload passed the size limit while streaming; nothing was kept."""

    status = 413
    title = "Evidence file too large"
    type_slug = "evidence-too-large"


class HashMismatch(InputError):
    """The received bytes do not hash to the ``expected_sha256`` given; nothing was kept."""

    type_slug = "evidence-hash-mismatch"
    title = "Evidence hash mismatch"


class SensitiveEvidence(TrucelineError):
    """Sensitive (graphic) content asked for without the explicit ``confirm=1``."""

    status = 409
    title = "Sensitive evidence"
    type_slug = "sensitive-evidence"


class IntegrityFailure(TrucelineError):
    """A stored original no longer hashes to its name: it is not served as evidence."""

    status = 500
    title = "Evidence integrity failure"
    type_slug = "evidence-integrity-failure"

    def __init__(self, sha256: str, reason: str) -> None:
        super().__init__(f"evidence integrity failure: original {sha256} {reason}")
        self.sha256 = sha256
        self.reason = reason
