"""Hash names, uploaded filenames and download headers."""

from __future__ import annotations

from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from truceline.evidence.names import (
    MAX_FILENAME,
    clean_filename,
    content_disposition,
    normalise_sha256,
    parse_flag,
)

SHA = "ab" * 32


def test_sha256_names() -> None:
    assert normalise_sha256(" " + SHA.upper() + "\n") == SHA
    assert normalise_sha256(SHA[:-1]) is None
    assert normalise_sha256(SHA[:-1] + "g") is None
    assert normalise_sha256("../" + SHA) is None


def test_filenames_lose_paths_and_controls() -> None:
    assert clean_filename("C:\\Users\\x\\IMG_1.jpg", SHA) == "IMG_1.jpg"
    assert clean_filename("../../etc/passwd", SHA) == "passwd"
    assert clean_filename("a\r\nb.txt", SHA) == "ab.txt"
    assert clean_filename("..", SHA) == f"evidence-{SHA[:12]}"
    assert clean_filename(None, SHA) == f"evidence-{SHA[:12]}"


@given(st.text(max_size=400))
def test_clean_filenames_are_single_safe_components(name: str) -> None:
    cleaned = clean_filename(name, SHA)
    assert 0 < len(cleaned) <= MAX_FILENAME
    assert "/" not in cleaned and "\\" not in cleaned and cleaned not in (".", "..")
    assert all(ord(c) >= 0x20 and c != "\x7f" for c in cleaned)


@given(st.text(min_size=1, max_size=100))
def test_content_disposition_round_trips_and_cannot_break_the_header(name: str) -> None:
    header = content_disposition(name)
    assert header.startswith("attachment; ")
    assert "\r" not in header and "\n" not in header
    assert unquote(header.split("filename*=UTF-8''", 1)[1], errors="strict") == name
    assert header.split('filename="', 1)[1].split('"', 1)[0].isascii()


def test_flags() -> None:
    assert [parse_flag(v) for v in ("1", "TRUE", "on", "0", "", None, "no", "maybe")] == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        None,
    ]
