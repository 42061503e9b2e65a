from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truceline.errors import BadRequestError
from truceline.ogc.params import (
    CRS84,
    DEFAULT_LIMIT,
    EPSG4326,
    ITEMS_PARAMS,
    MAX_LIMIT,
    parse_bbox,
    parse_datetime,
    parse_items_query,
    parse_limit,
    single_values,
)
from truceline.services.queries import BBox


def test_bbox_four_and_six_numbers() -> None:
    assert parse_bbox("37.5,48,38.5,48.6") == BBox(37.5, 48.0, 38.5, 48.6)
    assert parse_bbox("37.5,48,-10,38.5,48.6,500") == BBox(37.5, 48.0, 38.5, 48.6)


def test_bbox_west_greater_than_east_is_kept_for_the_antimeridian() -> None:
    box = parse_bbox("179,-10,-179,10")
    assert box.min_lon > box.max_lon


def test_bbox_in_epsg4326_is_latitude_first() -> None:
    assert parse_bbox("48,37.5,48.6,38.5", EPSG4326) == parse_bbox("37.5,48,38.5,48.6", CRS84)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1,2,3",
        "1,2,3,4,5",
        "a,b,c,d",
        "0,10,1,5",
        "0,-91,1,0",
        "-181,0,0,1",
        "0,0,nan,1",
        "0,0,inf,1",
    ],
)
def test_bad_bbox(text: str) -> None:
    with pytest.raises(BadRequestError, match="bbox"):
        parse_bbox(text)


def test_datetime_instant_and_intervals() -> None:
    t = datetime(2026, 3, 2, 4, tzinfo=UTC)
    u = datetime(2026, 3, 2, 5, tzinfo=UTC)
    instant = parse_datetime("2026-03-02T04:00:00Z")
    assert instant.start == instant.end == t
    closed = parse_datetime("2026-03-02T04:00:00Z/2026-03-02T05:00:00Z")
    assert (closed.start, closed.end) == (t, u)
    for open_start in ("../2026-03-02T05:00:00Z", "/2026-03-02T05:00:00Z"):
        assert parse_datetime(open_start).start is None
        assert parse_datetime(open_start).end == u
    assert parse_datetime("2026-03-02T04:00:00Z/..").end is None


def test_a_full_date_stands_for_its_day() -> None:
    day = parse_datetime("2026-03-02")
    assert day.start == datetime(2026, 3, 2, tzinfo=UTC)
    assert day.end == datetime(2026, 3, 2, 23, 59, 59, 999999, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "..",
        "yesterday",
        "2026-03-02T04:00:00",
        "2026-03-02T05:00:00Z/2026-03-02T04:00:00Z",
        "a/b/c",
        "2026-02-30",
        "0001-01-01T00:00:00+01:00",
    ],
)
def test_bad_datetime(text: str) -> None:
    with pytest.raises(BadRequestError, match="datetime"):
        parse_datetime(text)


def test_limit_default_clamp_and_errors() -> None:
    assert parse_limit(None) == DEFAULT_LIMIT
    assert parse_limit("7") == 7
    assert parse_limit(str(MAX_LIMIT * 5)) == MAX_LIMIT  # served at the maximum, not refused
    for bad in ("0", "-3", "ten", "1.5", "unlimited"):
        with pytest.raises(BadRequestError, match="limit"):
            parse_limit(bad)


def test_unknown_and_repeated_parameters_are_refused() -> None:
    with pytest.raises(BadRequestError, match="unknown query parameter 'ooga'"):
        single_values([("ooga", "booga")], ITEMS_PARAMS)
    with pytest.raises(BadRequestError, match="more than once"):
        single_values([("limit", "1"), ("limit", "2")], ITEMS_PARAMS)
    with pytest.raises(BadRequestError, match="f="):
        single_values([("f", "html")], ITEMS_PARAMS)


def test_items_query() -> None:
    q = parse_items_query(
        [
            ("bbox", "48,37,49,38"),
            ("bbox-crs", EPSG4326),
            ("limit", "3"),
            ("datetime", "2026-03-02"),
            ("crs", EPSG4326),
            ("f", "json"),
        ]
    )
    assert q.bbox == BBox(37.0, 48.0, 38.0, 49.0) and q.limit == 3 and q.crs == EPSG4326
    with pytest.raises(BadRequestError, match="bbox-crs"):
        parse_items_query([("bbox-crs", CRS84)])
    with pytest.raises(BadRequestError, match="crs"):
        parse_items_query([("crs", "http://www.opengis.net/def/crs/EPSG/0/3857")])


@given(st.floats(-180, 180), st.floats(-90, 90), st.floats(-180, 180), st.floats(-90, 90))
def test_any_valid_box_round_trips(w: float, s: float, e: float, n: float) -> None:
    s, n = min(s, n), max(s, n)
    assert parse_bbox(f"{w!r},{s!r},{e!r},{n!r}") == BBox(w, s, e, n)
