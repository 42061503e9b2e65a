"""Names around an evidence file: its hash, its filename, its download header (pure).

A file's identity is its SHA-256 (FIPS 180-4), written as 64 lowercase hex digits. The
filename is whatever the uploader's device called it: kept for the reader's orientation,
never used as a path, and cleaned so it cannot carry a path, a control character or a
header injection into a download.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
MAX_FILENAME = 255


def normalise_sha256(value: str) -> str | None:
    """``value`` as 64 lowercase hex digits, or None when it is not a SHA-256 hex digest."""
    value = value.strip()
    return value.lower() if _HEX64.fullmatch(value) else None


def clean_filename(name: str | None, sha256: str) -> str:
    """The last path component of ``name`` without control characters, at most 255 chars.

    Windows uploads send ``C:\\Users\\...\\photo.jpg``; only ``photo.jpg`` is kept. An
    empty result falls back to ``evidence-<first 12 hex digits>``.
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    if base in ("", ".", ".."):
        base = f"evidence-{sha256[:12]}"
    return base[:MAX_FILENAME]


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 §4.3, RFC 8187).

    Always ``attachment``: evidence is saved and opened deliberately, never rendered inline
    by the browser that fetched it.
    """
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\;' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def parse_flag(value: str | None) -> bool | None:
    """A form or query flag: True, False, or None when it is neither."""
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None
