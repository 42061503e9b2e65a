"""The upload form, parsed as it streams: the file part to a sink, the text fields to memory.

``multipart/form-data`` (RFC 7578) is fed chunk by chunk to ``python_multipart``'s
push parser, so the file is never held in memory nor spooled by the web framework: each
piece goes straight to the sink (a staging file that hashes it and enforces the size
limit). Text fields are small by nature and are capped at :data:`MAX_FIELD_BYTES`.
No I/O happens here beyond what the sink does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson
from pydantic import ValidationError
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from truceline.errors import BadRequestError, InputError, Problem
from truceline.evidence.names import normalise_sha256, parse_flag
from truceline.evidence.storage import Staged
from truceline.formats.records import Markings

FILE_FIELD = "file"
TEXT_FIELDS = frozenset({"sensitive", "description", "expected_sha256", "markings"})
MAX_FIELD_BYTES = 64 * 1024
MAX_DESCRIPTION = 10_000
SOURCE = "upload form"


class UploadForm:
    """A push parser for one upload: ``feed`` the body's chunks, then ``close``."""

    def __init__(self, content_type: str, open_sink: Callable[[], Staged]) -> None:
        kind, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise BadRequestError("send the evidence as multipart/form-data with a boundary")
        self._open_sink = open_sink
        self.sink: Staged | None = None
        self.filename: str | None = None
        self.declared_type: str | None = None
        self.fields: dict[str, str] = {}
        self._ended = False
        self._headers: dict[str, bytes] = {}
        self._hname = self._hvalue = b""
        self._name: str | None = None
        self._buffer = bytearray()
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise BadRequestError(f"the multipart body is malformed: {exc}") from None

    def close(self) -> None:
        """Check that the body ended properly and held a file."""
        if not self._ended:
            raise BadRequestError("the multipart body ended before its closing boundary")
        if self.sink is None:
            raise BadRequestError(f"the form has no {FILE_FIELD!r} part")

    # --- parser callbacks ------------------------------------------------------------

    def _part_begin(self) -> None:
        self._headers, self._name = {}, None
        self._buffer.clear()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._hname += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._hvalue += data[start:end]

    def _header_end(self) -> None:
        name = self._hname.decode("latin-1").lower()
        self._headers[name] = self._hvalue
        self._hname = self._hvalue = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", b""))
        name = _text(options.get(b"name", b""))
        if name == FILE_FIELD:
            if self.sink is not None:
                raise BadRequestError(f"send one {FILE_FIELD!r} part per upload")
            raw_name = options.get(b"filename")
            self.filename = _text(raw_name) if raw_name else None
            declared = self._headers.get("content-type")
            self.declared_type = _text(declared)[:128] if declared else None
            self.sink = self._open_sink()
        elif name not in TEXT_FIELDS:
            raise BadRequestError(
                f"unknown form field {name!r}; expected {FILE_FIELD!r} and any of "
                + ", ".join(sorted(TEXT_FIELDS))
            )
        elif name in self.fields:
            raise BadRequestError(f"form field {name!r} is given twice")
        self._name = name

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._name == FILE_FIELD:
            assert self.sink is not None
            self.sink.write(data[start:end])
            return
        self._buffer += data[start:end]
        if len(self._buffer) > MAX_FIELD_BYTES:
            raise BadRequestError(f"form field {self._name!r} is longer than {MAX_FIELD_BYTES} B")

    def _part_end(self) -> None:
        if self._name is None or self._name == FILE_FIELD:
            return
        try:
            self.fields[self._name] = self._buffer.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequestError(f"form field {self._name!r} is not UTF-8") from None

    def _end(self) -> None:
        self._ended = True


def _text(raw: bytes) -> str:
    """A header parameter: browsers send UTF-8 (RFC 7578 §4.2); older clients Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@dataclass(frozen=True, slots=True)
class Submission:
    """What the uploader said about the file, checked (the bytes are in the sink)."""

    filename: str | None
    declared_type: str | None
    sensitive: bool
    description: str | None
    expected_sha256: str | None
    markings: Markings | None


def submission(fields: dict[str, str], filename: str | None, declared: str | None) -> Submission:
    """Check the text fields; every bad one is named in one :class:`InputError` (422)."""
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(SOURCE, None, field, message))

    sensitive = parse_flag(fields.get("sensitive"))
    if sensitive is None:
        bad("sensitive", "give true or false (1/0, yes/no, on/off)")
    description = (fields.get("description") or "").strip() or None
    if description is not None and len(description) > MAX_DESCRIPTION:
        bad("description", f"longer than {MAX_DESCRIPTION} characters")
    expected = None
    if fields.get("expected_sha256", "").strip():
        expected = normalise_sha256(fields["expected_sha256"])
        if expected is None:
            bad("expected_sha256", "not 64 hexadecimal digits")
    markings = None
    if fields.get("markings", "").strip():
        try:
            markings = Markings.model_validate(orjson.loads(fields["markings"]))
        except (orjson.JSONDecodeError, ValidationError) as exc:
            bad("markings", f"not valid markings: {_first_line(exc)}")
    if problems:
        raise InputError("the upload form has invalid fields; nothing was kept", problems=problems)
    return Submission(filename, declared, bool(sensitive), description, expected, markings)


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        return f"{where}: {err['msg']}" if where else str(err["msg"])
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
