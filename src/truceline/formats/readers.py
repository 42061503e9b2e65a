"""Readers for the interchange files and request bodies (pure apart from the byte stream).

Each reader yields, per record, either a :class:`Parsed` record or a :class:`Problem` that
names the source, the line (or record index) and the field. Callers decide what a problem
means: the ingest service aborts the whole file (nothing written) unless skip-and-report
mode was asked for. Readers stream, so a file of a million detections needs steady memory.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from truceline.errors import Problem

M = TypeVar("M", bound=BaseModel)
_FIELD_PREFIX = re.compile(r"^(?:Value error, )?([A-Za-z_][A-Za-z0-9_.]*): (.*)$", re.S)


@dataclass(frozen=True, slots=True)
class Parsed(Generic[M]):
    """A record that passed validation, with the raw object it came from."""

    line: int
    record: M
    raw: dict[str, Any]
    unit: str = "line"


def problems_from_validation(
    exc: ValidationError, *, source: str, line: int | None, record_id: str | None, unit: str
) -> list[Problem]:
    """Turn a pydantic error into problems that name the field as a dotted path."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(p) for p in err["loc"]) or None
        message = err["msg"]
        m = _FIELD_PREFIX.match(message)
        if m is not None:
            field = f"{field}.{m.group(1)}" if field else m.group(1)
            message = m.group(2)
        elif message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if err["type"] == "missing":
            message = "required field is missing"
        out.append(Problem(source, line, field, message, record_id, unit))
    return out


def validate_object(
    obj: object, model: type[M], *, source: str, line: int, unit: str = "line"
) -> Parsed[M] | Problem | list[Problem]:
    """Validate one decoded JSON object as ``model``."""
    if not isinstance(obj, dict):
        return Problem(source, line, None, "expected a JSON object", None, unit)
    rid = obj.get("id") if isinstance(obj.get("id"), str) else None
    try:
        record = model.model_validate(obj)
    except ValidationError as exc:
        return problems_from_validation(exc, source=source, line=line, record_id=rid, unit=unit)
    return Parsed(line, record, obj, unit)


def problems_of(result: object) -> list[Problem]:
    """The problems a reader yielded for one record (none for a :class:`Parsed` one)."""
    if isinstance(result, Problem):
        return [result]
    if isinstance(result, list):
        return result
    return []


def iter_ndjson(
    lines: Iterable[bytes], model: type[M], *, source: str
) -> Iterator[Parsed[M] | Problem | list[Problem]]:
    """Yield one result per non-blank line of a JSON Lines stream."""
    for number, raw_line in enumerate(lines, start=1):
        if not raw_line.strip():
            continue
        try:
            obj = orjson.loads(raw_line)
        except orjson.JSONDecodeError as exc:
            yield Problem(source, number, None, f"not valid JSON ({exc.msg})")
            continue
        yield validate_object(obj, model, source=source, line=number)


def iter_json_array(
    data: bytes, model: type[M], *, source: str
) -> Iterator[Parsed[M] | Problem | list[Problem]]:
    """Yield one result per element of a JSON array; the index is 1-based."""
    try:
        items = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield Problem(source, None, None, f"not valid JSON ({exc.msg})")
        return
    if not isinstance(items, list):
        yield Problem(source, None, None, "expected a JSON array or JSON Lines")
        return
    for index, obj in enumerate(items, start=1):
        yield validate_object(obj, model, source=source, line=index, unit="record")


def iter_body(
    data: bytes, model: type[M], *, source: str, gzipped: bool = False
) -> Iterator[Parsed[M] | Problem | list[Problem]]:
    """Read an HTTP batch: a JSON array or JSON Lines, optionally gzip-compressed."""
    if gzipped or data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            yield Problem(source, None, None, f"not valid gzip ({exc})")
            return
    if data.lstrip()[:1] == b"[":
        yield from iter_json_array(data, model, source=source)
    else:
        yield from iter_ndjson(io.BytesIO(data), model, source=source)


def open_lines(path: Path) -> IO[bytes]:
    """Open a file for line reading, transparently gunzipping ``.gz`` files."""
    if path.suffix == ".gz":
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def iter_csv_rows(
    text: Iterable[str], model: type[M], *, source: str, required: tuple[str, ...]
) -> Iterator[Parsed[M] | Problem | list[Problem]]:
    """Yield one result per CSV row; empty cells mean "not given"; header is line 1."""
    reader = csv.DictReader(text)
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        yield Problem(source, 1, ",".join(missing), "required column is missing")
        return
    for row in reader:
        line = reader.line_num
        obj = {k.strip(): v.strip() for k, v in row.items() if k and v is not None and v.strip()}
        if None in row:
            yield Problem(source, line, None, "more cells than header columns")
            continue
        yield validate_object(obj, model, source=source, line=line)


SENSOR_COLUMNS = ("id", "kind", "lat", "lon", "owner")


def iter_sensor_csv(
    text: Iterable[str], *, source: str
) -> Iterator[Parsed[Any] | Problem | list[Problem]]:
    """Read ``sensors.csv`` (docs/formats/sensors.md): columns in any order."""
    from truceline.formats.records import Sensor

    return iter_csv_rows(text, Sensor, source=source, required=SENSOR_COLUMNS)
