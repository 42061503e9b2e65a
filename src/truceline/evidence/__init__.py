"""Evidence files: the parts that need no database (sniffing, naming, hashing, the upload
form) and the storage interface with its filesystem implementation.

* :mod:`~truceline.evidence.sniff` (pure): media type from the first bytes;
* :mod:`~truceline.evidence.names` (pure): SHA-256 names, safe filenames, download headers;
* :mod:`~truceline.evidence.hashing` (pure): SHA-256 while streaming, with a size limit;
* :mod:`~truceline.evidence.form` (pure): the streaming multipart upload form;
* :mod:`~truceline.evidence.storage`: :class:`EvidenceStore` and :class:`FileEvidenceStore`;
* :mod:`~truceline.evidence.errors`: the errors with their HTTP statuses.

The chain of custody, access control and the ledger are the service's
(:mod:`truceline.services.evidence`). See docs/evidence.md.
"""

from truceline.evidence.errors import (
    EvidenceTooLarge,
    HashMismatch,
    IntegrityFailure,
    SensitiveEvidence,
)
from truceline.evidence.form import Submission, UploadForm, submission
from truceline.evidence.hashing import Digester
from truceline.evidence.names import (
    clean_filename,
    content_disposition,
    normalise_sha256,
    parse_flag,
)
from truceline.evidence.sniff import sniff_media_type
from truceline.evidence.storage import EvidenceStore, FileEvidenceStore, Staged, StagedFile

__all__ = [
    "Digester",
    "EvidenceStore",
    "EvidenceTooLarge",
    "FileEvidenceStore",
    "HashMismatch",
    "IntegrityFailure",
    "SensitiveEvidence",
    "Staged",
    "StagedFile",
    "Submission",
    "UploadForm",
    "clean_filename",
    "content_disposition",
    "normalise_sha256",
    "parse_flag",
    "sniff_media_type",
    "submission",
]
