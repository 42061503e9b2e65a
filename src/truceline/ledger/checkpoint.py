"""C2SP tlog-checkpoint note bodies (c2sp.org/tlog-checkpoint@v1.0.0).

Pure: formatting and parsing of text, plus signing/opening through the
signed-note functions, which are pure themselves.

Body (tlog-checkpoint §Note text), every line ending in "\\n"::

    <origin>                 non-empty; unique identity of the log
    <tree size>              ASCII decimal, no leading zeros ("0" for empty), < 2**64
    <base64 root hash>       RFC 6962 Merkle tree root, 32 bytes, canonical base64
    [<extension line>...]    optional, each non-empty (use is NOT RECOMMENDED)

This parser is stricter than transparency-dev/formats: it requires a 32-byte
root, canonical base64, non-empty extension lines and no control characters.
The origin SHOULD be a schema-less URL without spaces or ``+``; that is only a
recommendation (the Go sum database uses "go.sum database tree"), so it is not
enforced, but :func:`format_checkpoint` refuses to create such origins when
``strict_origin`` is set (the default) because a log's key name SHOULD equal
its origin and key names cannot hold spaces or ``+``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .encoding import b64decode_strict, b64encode, parse_decimal_u64
from .errors import CheckpointError
from .hashing import HASH_SIZE
from .keys import NoteSigner, NoteVerifier, is_valid_key_name
from .note import VerifiedNote, open_note, sign_note

__all__ = [
    "Checkpoint",
    "format_checkpoint",
    "open_checkpoint",
    "parse_checkpoint",
    "sign_checkpoint",
]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's signed statement of (origin, tree size, root hash)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()


def _check_line(line: str, what: str) -> None:
    if not line:
        raise CheckpointError(f"{what} must be non-empty")
    if any(c < " " for c in line):
        raise CheckpointError(f"{what} contains a control character or newline")


def format_checkpoint(cp: Checkpoint, *, strict_origin: bool = True) -> str:
    """The note text of ``cp``; validates every field as :func:`parse_checkpoint` would."""
    _check_line(cp.origin, "origin")
    if strict_origin and not is_valid_key_name(cp.origin):
        raise CheckpointError("origin should not contain spaces or '+'")
    if not 0 <= cp.size < 2**64:
        raise CheckpointError("tree size must fit in 64 bits")
    if len(cp.root_hash) != HASH_SIZE:
        raise CheckpointError("root hash must be 32 bytes")
    for ext in cp.extensions:
        _check_line(ext, "extension line")
    lines = [cp.origin, str(cp.size), b64encode(cp.root_hash), *cp.extensions]
    return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse and strictly validate a checkpoint body (the text of a signed note)."""
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint must end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("checkpoint needs origin, size and root hash lines")
    origin, size_line, root_line, *extensions = lines
    _check_line(origin, "origin")
    for ext in extensions:
        _check_line(ext, "extension line")
    try:
        size = parse_decimal_u64(size_line)
    except ValueError as exc:
        raise CheckpointError(f"bad tree size: {exc}") from None
    try:
        root = b64decode_strict(root_line)
    except ValueError as exc:
        raise CheckpointError(f"bad root hash: {exc}") from None
    if len(root) != HASH_SIZE:
        raise CheckpointError("root hash must be 32 bytes")
    return Checkpoint(origin, size, root, tuple(extensions))


def sign_checkpoint(cp: Checkpoint, signers: Sequence[NoteSigner]) -> str:
    """Format ``cp`` and sign it into a signed note (key names SHOULD equal the origin)."""
    return sign_note(format_checkpoint(cp), signers)


def open_checkpoint(
    msg: bytes | str, verifiers: Sequence[NoteVerifier], *, origin: str | None = None
) -> tuple[Checkpoint, VerifiedNote]:
    """Verify a signed checkpoint note, then parse its body.

    ``verifiers`` are the log's keys (unknown signers, e.g. witnesses, are
    ignored). With ``origin`` given, the checkpoint must be for that log.
    Raises a :class:`~truceline.ledger.errors.NoteError` or :class:`CheckpointError`.
    """
    note = open_note(msg, verifiers)
    cp = parse_checkpoint(note.text)
    if origin is not None and cp.origin != origin:
        raise CheckpointError(f"checkpoint origin {cp.origin!r} is not {origin!r}")
    return cp, note
