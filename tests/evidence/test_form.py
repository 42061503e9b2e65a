"""The streaming upload form: any split of the body into chunks parses the same way."""

from __future__ import annotations

import hashlib
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truceline.errors import BadRequestError, InputError
from truceline.evidence.form import UploadForm, submission
from truceline.evidence.hashing import Digester

BOUNDARY = "xYzZY"
CT = f"multipart/form-data; boundary={BOUNDARY}"


class Sink:
    """An in-memory staged upload."""

    def __init__(self) -> None:
        self.digest = Digester()
        self.data = bytearray()
        self.discarded = False

    def write(self, chunk: bytes) -> None:
        self.digest.update(chunk)
        self.data += chunk

    def discard(self) -> None:
        self.discarded = True


def body(file: bytes, **fields: str) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="r\u00e9.wav"'
        "\r\nContent-Type: audio/wav\r\n\r\n".encode()
        + file
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def parse(data: bytes, cuts: list[int]) -> tuple[UploadForm, Sink]:
    sink = Sink()
    form = UploadForm(CT, lambda: sink)
    edges = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    for a, b in itertools.pairwise(edges):
        form.feed(data[a:b])
    form.close()
    return form, sink


@given(file=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 10_000), max_size=12))
def test_any_chunking_gives_the_same_file_and_fields(file: bytes, cuts: list[int]) -> None:
    data = body(file, description="north crater\r\n--not a boundary", sensitive="1")
    form, sink = parse(data, cuts)
    assert bytes(sink.data) == file
    assert sink.digest.hexdigest() == hashlib.sha256(file).hexdigest()
    assert form.fields == {"description": "north crater\r\n--not a boundary", "sensitive": "1"}
    assert form.filename == "r\u00e9.wav" and form.declared_type == "audio/wav"


@pytest.mark.parametrize(
    "data,message",
    [
        (body(b"x")[:-20], "ended before"),
        (body(b"x", other="1"), "unknown form field"),
        (body(b"x").replace(b'name="file"', b'name="description"'), "has no 'file'"),
        (body(b"x").replace(f"--{BOUNDARY}--".encode(), b"") + body(b"y"), "one 'file'"),
    ],
)
def test_malformed_forms(data: bytes, message: str) -> None:
    with pytest.raises(BadRequestError, match=message):
        parse(data, [])


def test_not_multipart() -> None:
    with pytest.raises(BadRequestError, match="multipart/form-data"):
        UploadForm("application/json", Sink)


def test_submission_names_every_bad_field() -> None:
    with pytest.raises(InputError) as caught:
        submission(
            {"sensitive": "perhaps", "expected_sha256": "abc", "markings": '{"releasable_to": []}'},
            "a.jpg",
            None,
        )
    assert {p.field for p in caught.value.problems} == {"sensitive", "expected_sha256", "markings"}
    ok = submission(
        {"expected_sha256": "AB" * 32, "markings": '{"releasable_to": ["GBR"]}'},
        "a.jpg",
        "image/jpeg",
    )
    assert ok.expected_sha256 == "ab" * 32 and ok.markings is not None
    assert not ok.sensitive and ok.description is None
