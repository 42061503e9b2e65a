from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truceline.timefmt import format_time, from_micros, parse_time, to_micros


def test_nine_fraction_digits_round_to_microseconds() -> None:
    assert parse_time("2026-03-01T04:12:33.123456789Z").microsecond == 123457
    assert parse_time("2026-03-01T04:12:33.1234565Z").microsecond == 123456  # half-even
    assert parse_time("2026-03-01T04:12:33.9999999Z") == datetime(2026, 3, 1, 4, 12, 34, tzinfo=UTC)
    # Rounded up into the next second, minute, day and year; half-even at a half.
    want = datetime(2027, 1, 1, tzinfo=UTC)
    assert parse_time("2026-12-31T23:59:59.9999995Z") == want
    assert parse_time("2027-01-01T01:59:59.9999999+02:00") == want
    assert parse_time("2026-03-01T04:12:33.0000015Z").microsecond == 2


def test_offsets_are_converted_to_utc() -> None:
    assert parse_time("2026-03-01T06:00:00+02:00") == datetime(2026, 3, 1, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad", ["2026-03-01", "2026-03-01T04:12:33", "yesterday", "2026-13-01T00:00:00Z"]
)
def test_malformed_times_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_time(bad)


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    )
)
def test_round_trips(value: datetime) -> None:
    assert parse_time(format_time(value)) == value
    assert from_micros(to_micros(value)) == value


def test_early_years_are_zero_padded() -> None:
    assert format_time(datetime(667, 6, 3, tzinfo=UTC)) == "0667-06-03T00:00:00Z"
