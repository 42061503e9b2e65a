"""Media types from signatures, never from names or claims."""

from __future__ import annotations

import pytest

from truceline.evidence.sniff import OCTET_STREAM, SNIFF_BYTES, sniff_media_type

CASES = [
    (b"\xff\xd8\xff\xe1\x00\x18Exif\x00\x00", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    (b"GIF89a\x01\x00", "image/gif"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3", "application/pdf"),
    (b"RIFF\x24\x08\x00\x00WAVEfmt ", "audio/wav"),
    (b"RIFF\x24\x08\x00\x00WEBPVP8 ", "image/webp"),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "video/mp4"),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "video/quicktime"),
    (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", "video/quicktime"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "image/heic"),
    (b"\x1aE\xdf\xa3\x9fB\x86\x81\x01", "video/webm"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
    (b"Patrol 12 report\r\nHeard 3 impacts.\n", "text/plain"),
    ("Звіт патруля: три вибухи".encode(), "text/plain"),
    (b"\x00\x01\x02\x03binary", OCTET_STREAM),
    (b"", OCTET_STREAM),
]


@pytest.mark.parametrize("head,expected", CASES)
def test_signatures(head: bytes, expected: str) -> None:
    assert sniff_media_type(head) == expected


def test_html_claiming_to_be_anything_is_only_text() -> None:
    assert sniff_media_type(b"<html><script>alert(1)</script></html>") == "text/plain"


def test_a_character_cut_by_the_window_is_still_text() -> None:
    text = ("ї" * SNIFF_BYTES).encode()  # two bytes each
    head = text[: SNIFF_BYTES - 1] + text[SNIFF_BYTES - 1 : SNIFF_BYTES]
    assert len(head) == SNIFF_BYTES and sniff_media_type(head) == "text/plain"
    assert sniff_media_type("ї".encode()[:1]) == OCTET_STREAM  # a whole file cannot end so


def test_control_bytes_are_not_text() -> None:
    assert sniff_media_type(b"abc\x1bdef") == OCTET_STREAM
