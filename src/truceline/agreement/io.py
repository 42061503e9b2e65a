"""Read an agreement file (the only module of the package that does I/O)."""

from __future__ import annotations

from pathlib import Path

import orjson

from truceline.agreement.model import Agreement
from truceline.agreement.parse import parse_agreement
from truceline.errors import InputError


def read_agreement_file(path: Path) -> Agreement:
    """Load and validate ``agreement.geojson``; errors name the file and feature."""
    try:
        doc = orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    return parse_agreement(doc, source=str(path))
