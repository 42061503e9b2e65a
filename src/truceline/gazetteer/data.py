"""Loading the shipped gazetteer tables (I/O: package data via importlib.resources).

The tables are read once, on first use, and the resulting :class:`Gazetteer` is shared.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

from truceline.gazetteer.core import Gazetteer

SETTLEMENTS_FILE = "settlements.csv.gz"
ADMIN_FILE = "admin_units.csv.gz"


def _rows(filename: str) -> Iterator[dict[str, str]]:
    blob = resources.files("truceline.gazetteer").joinpath("data").joinpath(filename).read_bytes()
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(blob)), encoding="utf-8") as text:
        yield from csv.DictReader(text)


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer built from the shipped GeoNames and OCHA data (loaded once, lazily)."""
    return Gazetteer.from_rows(_rows(SETTLEMENTS_FILE), _rows(ADMIN_FILE))
