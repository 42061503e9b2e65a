"""C2SP signed notes (c2sp.org/signed-note@v1.0.0): format, parse, sign, open.

Pure: text in, text out; signing and verification go through the
:class:`~truceline.ledger.keys.NoteSigner` / ``NoteVerifier`` objects passed
in (Ed25519 is deterministic, so signing is a pure function of key and text).

Format (signed-note §Format)::

    <text ending in "\\n">          may contain empty lines
    "\\n"                           the LAST empty line separates text and signatures
    "— <key name> <base64(uint32 key ID || signature)>\\n"   one or more

Rules enforced by :func:`parse_note`: valid UTF-8; no ASCII control character
other than newline; the text ends in a newline; at least one signature line;
every line after the separator is a signature line (so no blank line inside the
signature block and nothing after it); the note ends in a newline; key names are
valid; the base64 is canonical and holds at least 4+1 bytes; at most
``MAX_SIGNATURES`` (100, as Go; the spec requires accepting at least 16).

Verification (signed-note §Signatures, :func:`open_note`): a line is matched to
a known key by the pair (key name, key ID) — sharing only one of them is not
enough; lines of unknown keys are ignored (kept in ``unverified``, identical
repeats dropped); EVERY line of a known key is verified ("MUST verify"), and one
failure rejects the whole note (the spec's SHOULD, made strict); repeated lines
of one known key count once; at least one known key must have signed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .encoding import b64decode_strict, b64encode
from .errors import (
    InvalidSignatureError,
    KeyFormatError,
    MalformedNoteError,
    UnverifiedNoteError,
)
from .keys import NoteSigner, NoteVerifier, is_valid_key_name

__all__ = [
    "MAX_SIGNATURES",
    "Note",
    "NoteSignature",
    "VerifiedNote",
    "check_note_text",
    "format_note",
    "open_note",
    "parse_note",
    "sign_note",
]

MAX_SIGNATURES = 100
_SIG_PREFIX = "\u2014 "  # em dash, space


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: key ``name``, 32-bit ``key_id`` and the ``signature`` bytes after it."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        """The signature line, ``"— name base64(key_id || signature)\\n"``."""
        if not is_valid_key_name(self.name):
            raise KeyFormatError(f"invalid key name {self.name!r}")
        payload = self.key_id.to_bytes(4, "big") + self.signature
        return f"{_SIG_PREFIX}{self.name} {b64encode(payload)}\n"


@dataclass(frozen=True, slots=True)
class Note:
    """A syntactically valid signed note whose signatures have NOT been checked."""

    text: str
    signatures: tuple[NoteSignature, ...]


@dataclass(frozen=True, slots=True)
class VerifiedNote:
    """A note with at least one verified signature by a known key."""

    text: str
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]

    def signed_by(self, name: str, key_id: int) -> bool:
        """True iff a verified signature of key (name, key_id) is on the note."""
        return any(s.name == name and s.key_id == key_id for s in self.verified)


def _check_chars(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedNoteError("note is not valid UTF-8") from None
    if any(c < " " and c != "\n" for c in text):
        raise MalformedNoteError("note contains an ASCII control character")


def check_note_text(text: str) -> None:
    """Raise :class:`MalformedNoteError` unless ``text`` can be the text of a note."""
    _check_chars(text)
    if not text.endswith("\n"):
        raise MalformedNoteError("note text must end in a newline")


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(_SIG_PREFIX):
        raise MalformedNoteError("signature line must start with an em dash and a space")
    name, _, b64 = line[len(_SIG_PREFIX) :].partition(" ")
    if not is_valid_key_name(name) or not b64:
        raise MalformedNoteError("malformed signature line")
    try:
        raw = b64decode_strict(b64)
    except ValueError as exc:
        raise MalformedNoteError(f"signature is not base64: {exc}") from None
    if len(raw) < 5:
        raise MalformedNoteError("signature is shorter than key ID plus one byte")
    return NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def _decode(msg: bytes | str) -> str:
    if isinstance(msg, str):
        return msg
    try:
        return msg.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedNoteError("note is not valid UTF-8") from None


def parse_note(msg: bytes | str, *, max_signatures: int = MAX_SIGNATURES) -> Note:
    """Split and validate a signed note without checking any signature."""
    text = _decode(msg)
    _check_chars(text)
    split = text.rfind("\n\n")
    if split < 0:
        raise MalformedNoteError("note has no blank line before its signatures")
    body, block = text[: split + 1], text[split + 2 :]
    if not block or not block.endswith("\n"):
        raise MalformedNoteError("signature block is empty or lacks its final newline")
    lines = block[:-1].split("\n")
    if len(lines) > max_signatures:
        raise MalformedNoteError(f"note has more than {max_signatures} signatures")
    return Note(body, tuple(_parse_signature_line(line) for line in lines))


def format_note(text: str, signatures: Sequence[NoteSignature]) -> str:
    """Assemble ``text``, the blank line and the signature lines into a note."""
    check_note_text(text)
    if not signatures:
        raise MalformedNoteError("a signed note needs at least one signature")
    return text + "\n" + "".join(sig.line() for sig in signatures)


def sign_note(
    text: str, signers: Sequence[NoteSigner], existing: Sequence[NoteSignature] = ()
) -> str:
    """Sign ``text`` with every signer; keep ``existing`` lines of other keys first (as Go)."""
    check_note_text(text)
    message = text.encode("utf-8")
    fresh = [NoteSignature(s.name, s.key_id, s.sign(message)) for s in signers]
    replaced = {(s.name, s.key_id) for s in fresh}
    kept = [s for s in existing if (s.name, s.key_id) not in replaced]
    return format_note(text, kept + fresh)


def _verifier_table(verifiers: Sequence[NoteVerifier]) -> dict[tuple[str, int], NoteVerifier]:
    table: dict[tuple[str, int], NoteVerifier] = {}
    for v in verifiers:
        if table.setdefault((v.name, v.key_id), v) is not v:
            raise KeyFormatError(f"ambiguous verifiers for key {v.name}+{v.key_id:08x}")
    return table


def open_note(
    msg: bytes | str, verifiers: Sequence[NoteVerifier], *, max_signatures: int = MAX_SIGNATURES
) -> VerifiedNote:
    """Parse ``msg`` and verify it against the known ``verifiers`` (rules in the module doc).

    Raises :class:`MalformedNoteError`, :class:`InvalidSignatureError` (a known key's
    signature is bad) or :class:`UnverifiedNoteError` (no known key signed).
    """
    note = parse_note(msg, max_signatures=max_signatures)
    table = _verifier_table(verifiers)
    message = note.text.encode("utf-8")
    verified: dict[tuple[str, int], NoteSignature] = {}
    unverified: dict[NoteSignature, None] = {}
    for sig in note.signatures:
        verifier = table.get((sig.name, sig.key_id))
        if verifier is None:
            unverified.setdefault(sig, None)
            continue
        if not verifier.verify(message, sig.signature):
            raise InvalidSignatureError(sig.name, sig.key_id)
        verified.setdefault((sig.name, sig.key_id), sig)
    if not verified:
        raise UnverifiedNoteError("no signature by a known key on the note")
    return VerifiedNote(note.text, tuple(verified.values()), tuple(unverified))
