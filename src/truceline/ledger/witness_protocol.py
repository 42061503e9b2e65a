"""The tlog-witness add-checkpoint wire format (c2sp.org/tlog-witness@v1.0.0).

Pure: parses and formats HTTP bodies; the HTTP handling itself belongs to the
API layer. Request body, every line ending in "\\n"::

    old <size>                  ASCII decimal, no leading zeros ("0" if none)
    <base64 hash>               0 to 63 consistency proof lines
                                an empty line
    <signed checkpoint note>    possibly with several signatures

A 409 response carries the witness's size as ``"<size>\\n"`` with content type
``text/x.tlog.size``; a 200 response is one or more cosignature lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .encoding import b64decode_strict, b64encode, parse_decimal_u64
from .errors import WitnessRequestError
from .hashing import HASH_SIZE

__all__ = [
    "MAX_PROOF_LINES",
    "TLOG_SIZE_CONTENT_TYPE",
    "AddCheckpointRequest",
    "format_add_checkpoint_request",
    "format_size_response",
    "parse_add_checkpoint_request",
]

MAX_PROOF_LINES = 63
TLOG_SIZE_CONTENT_TYPE = "text/x.tlog.size"


@dataclass(frozen=True, slots=True)
class AddCheckpointRequest:
    """A parsed add-checkpoint request; ``checkpoint`` is the signed note, not yet verified."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: str


def parse_add_checkpoint_request(body: bytes | str) -> AddCheckpointRequest:
    """Parse an add-checkpoint request body; :class:`WitnessRequestError` if malformed."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise WitnessRequestError("request body is not UTF-8") from None
    head, sep, checkpoint = text.partition("\n\n")
    if not sep:
        raise WitnessRequestError("request lacks the empty line before the checkpoint")
    old_line, *proof_lines = head.split("\n")
    if not old_line.startswith("old "):
        raise WitnessRequestError("request must start with 'old <size>'")
    if len(proof_lines) > MAX_PROOF_LINES:
        raise WitnessRequestError(f"more than {MAX_PROOF_LINES} proof lines")
    try:
        old_size = parse_decimal_u64(old_line[4:])
        proof = tuple(b64decode_strict(line) for line in proof_lines)
    except ValueError as exc:
        raise WitnessRequestError(str(exc)) from None
    if any(len(h) != HASH_SIZE for h in proof):
        raise WitnessRequestError("proof lines must be 32-byte hashes")
    return AddCheckpointRequest(old_size, proof, checkpoint)


def format_add_checkpoint_request(old_size: int, proof: Sequence[bytes], checkpoint: str) -> str:
    """Build an add-checkpoint request body."""
    if old_size < 0 or len(proof) > MAX_PROOF_LINES:
        raise WitnessRequestError("bad old size or too many proof lines")
    lines = [f"old {old_size}", *(b64encode(h) for h in proof)]
    return "".join(line + "\n" for line in lines) + "\n" + checkpoint


def format_size_response(size: int) -> str:
    """Body of the 409 Conflict response: the witness's tree size and a newline."""
    return f"{size}\n"
