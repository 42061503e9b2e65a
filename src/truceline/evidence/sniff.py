"""The media type of a file from its first bytes, never from what the client claims (pure).

An uploader's ``Content-Type`` is a claim, and a claim about evidence must not decide how
the mission later opens it (a "photo" that is really HTML would run in a browser). So the
type is read from the file's signature ("magic number") as published for each format:

* JPEG ``FF D8 FF`` (ISO/IEC 10918-1, SOI marker followed by a marker);
* PNG ``89 50 4E 47 0D 0A 1A 0A`` (RFC 2083 §3.1 / ISO/IEC 15948);
* GIF ``GIF87a`` / ``GIF89a``; TIFF ``II*\\0`` / ``MM\\0*`` (TIFF 6.0 §2);
* WebP / WAV: RIFF container ``RIFF <size> WEBP`` / ``RIFF <size> WAVE``;
* PDF ``%PDF-`` (ISO 32000-1 §7.5.2);
* ISO base media files (MP4, MOV, M4A, HEIC, ISO/IEC 14496-12 §4.3): ``ftyp`` at offset 4,
  then the major brand (``qt  `` is QuickTime); older QuickTime files start with a
  ``moov``/``mdat``/``wide``/``free`` atom instead;
* Matroska/WebM ``1A 45 DF A3`` (EBML), Ogg ``OggS``, FLAC ``fLaC``, MP3 with an ``ID3``
  tag (a bare MPEG frame sync is too weak a signature: UTF-16 text would match it);
* plain text: valid UTF-8 without NUL or control characters other than TAB, LF, CR, FF.

Anything else is ``application/octet-stream``: stored and served as opaque bytes.
"""

from __future__ import annotations

SNIFF_BYTES = 512
"""How many leading bytes :func:`sniff_media_type` needs (more are ignored)."""

OCTET_STREAM = "application/octet-stream"

_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"%PDF-", "application/pdf"),
    (b"\x1aE\xdf\xa3", "video/webm"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"ID3", "audio/mpeg"),
)
_RIFF = {b"WAVE": "audio/wav", b"WEBP": "image/webp", b"AVI ": "video/x-msvideo"}
_BRANDS = {
    b"qt  ": "video/quicktime",
    b"M4A ": "audio/mp4",
    b"M4B ": "audio/mp4",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
}
_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_TEXT_CONTROLS = frozenset(b"\t\n\r\f")


def sniff_media_type(head: bytes) -> str:
    """The media type the first bytes of a file show (see the module docstring)."""
    for prefix, media_type in _PREFIXES:
        if head.startswith(prefix):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        return _RIFF[head[8:12]]
    if head[4:8] == b"ftyp" and len(head) >= 12:
        return _BRANDS.get(head[8:12], "video/mp4")
    if head[4:8] in _QUICKTIME_ATOMS and int.from_bytes(head[:4], "big") >= 8:
        return "video/quicktime"
    if head and _is_text(head[:SNIFF_BYTES], whole=len(head) < SNIFF_BYTES):
        return "text/plain"
    return OCTET_STREAM


def _is_text(head: bytes, *, whole: bool) -> bool:
    """UTF-8 with no binary control characters.

    When ``head`` is only the start of a longer file, a multi-byte character may straddle
    the end of the window, so up to three trailing bytes may be an incomplete sequence.
    """
    if any(b < 0x20 and b not in _TEXT_CONTROLS for b in head) or 0x7F in head:
        return False
    for cut in range(1 if whole else 4):
        try:
            head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False
