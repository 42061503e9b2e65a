"""Validated records of the interchange formats (pure).

One pydantic model per format in ``docs/formats``. Unknown fields are kept (the specs say
they are stored with the record and otherwise ignored), so every model allows extras.
Times accept up to nine fractional digits (see :mod:`truceline.timefmt`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)

from truceline.formats.vocab import (
    SUBTYPES,
    CasualtyGroup,
    Category,
    CountQualifier,
    Means,
    ObservationType,
    Phase,
    SensorKind,
    Tlp,
    TrackObject,
    WeaponClass,
    WeaponLabel,
)
from truceline.timefmt import format_time, parse_time

ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
CODE_PATTERN = r"^[A-Za-z0-9_+-]{1,32}$"


# Times are stored as integer microseconds and committed to the ledger as RFC 8785 JSON,
# whose integers must stay within 2**53: about 285 years either side of 1970. Nothing a
# ceasefire mission records lies outside these years.
MIN_YEAR, MAX_YEAR = 1900, 2200


def _parse_time_value(value: object) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("time must carry a zone (use Z for UTC)")
        parsed = value
    elif isinstance(value, str):
        parsed = parse_time(value)
    else:
        raise ValueError("expected an RFC 3339 time string")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(f"year {parsed.year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return parsed


Time = Annotated[
    datetime,
    PlainValidator(_parse_time_value),
    PlainSerializer(format_time, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Id = Annotated[str, Field(pattern=ID_PATTERN)]
Code = Annotated[str, Field(pattern=CODE_PATTERN)]
Lat = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)]
Lon = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False)]
Height = Annotated[float, Field(ge=-500.0, le=50_000.0, allow_inf_nan=False)]


class Record(BaseModel):
    """Base of every interchange record: extras kept, immutable once parsed.

    Cross-field checks raise ``ValueError("field: reason")``; the readers turn the leading
    name into the problem's field, since pydantic gives such errors no location.
    """

    model_config = ConfigDict(extra="allow", frozen=True)


class Markings(Record):
    """Who may see a record (docs/formats/markings.md)."""

    releasable_to: list[Code] = Field(default_factory=lambda: ["MISSION"], min_length=1)
    originator_controlled: bool = False
    tlp: Tlp = "AMBER"
    originator: Code | None = None


DEFAULT_MARKINGS = Markings()


class Sensor(Record):
    """One row of ``sensors.csv``."""

    id: Id
    kind: SensorKind
    lat: Lat
    lon: Lon
    alt_m: Height = 0.0
    owner: Code
    timing_sigma_ms: Annotated[float, Field(gt=0, le=10_000)] = 2.0
    bearing_sigma_deg: Annotated[float, Field(gt=0, le=180)] = 5.0
    active_from: Time | None = None
    active_to: Time | None = None

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.active_from and self.active_to and self.active_to <= self.active_from:
            raise ValueError("active_to: must be after active_from")
        return self

    def active_at(self, when: datetime) -> bool:
        """Whether a detection at ``when`` falls inside the sensor's active span."""
        if self.active_from is not None and when < self.active_from:
            return False
        return not (self.active_to is not None and when > self.active_to)


class Detection(Record):
    """One line of ``detections.ndjson``: one pick by one sensor."""

    id: Id
    sensor: Id
    time: Time
    bearing_deg: Annotated[float, Field(ge=0.0, lt=360.0, allow_inf_nan=False)] | None = None
    bearing_sigma_deg: Annotated[float, Field(gt=0, le=180)] | None = None
    phase: Phase = "unknown"
    weapon: WeaponLabel = "unknown"
    snr_db: Annotated[float, Field(allow_inf_nan=False)] | None = None
    markings: Markings | None = None


class Weather(Record):
    """One line of ``weather.ndjson``; holds from ``time`` until the next record."""

    time: Time
    temperature_c: Annotated[float, Field(ge=-90, le=65, allow_inf_nan=False)] = 15.0
    wind_u_ms: Annotated[float, Field(ge=-120, le=120, allow_inf_nan=False)] = 0.0
    wind_v_ms: Annotated[float, Field(ge=-120, le=120, allow_inf_nan=False)] = 0.0


class Location(Record):
    lat: Lat
    lon: Lon
    uncertainty_m: Annotated[float, Field(ge=0, le=1_000_000)] | None = None


class Position(Record):
    lat: Lat
    lon: Lon


class Casualties(Record):
    killed: Annotated[int, Field(ge=0)] = 0
    injured: Annotated[int, Field(ge=0)] = 0
    group: CasualtyGroup = "unknown"


class Observation(Record):
    """One line of ``observations.ndjson``: a monitor report, allegation or open source."""

    id: Id
    type: ObservationType
    originator: Code
    time_from: Time
    time_to: Time
    reported_at: Time | None = None
    location: Location | None = None
    observer: Position | None = None
    direction_deg: Annotated[float, Field(ge=0, le=360, allow_inf_nan=False)] | None = None
    distance_m: (
        Annotated[
            list[Annotated[float, Field(ge=0, le=500_000)]], Field(min_length=2, max_length=2)
        ]
        | None
    ) = None
    place: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    category: Category
    subtype: str | None = None
    count: Annotated[int, Field(ge=0)] = 1
    count_qualifier: CountQualifier = "exact"
    means: Means | None = None
    casualties: Casualties | None = None
    weapon_class: WeaponClass | None = None
    side: Code | None = None
    accused_side: Code | None = None
    text: Annotated[str, Field(max_length=100_000)] | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")] | None = None
    source_url: Annotated[str, Field(max_length=2048)] | None = None
    attachments: list[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] | None = None
    markings: Markings | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.time_to < self.time_from:
            raise ValueError("time_to: is before time_from")
        bearing = (self.observer, self.direction_deg, self.distance_m)
        has_bearing = all(v is not None for v in bearing)
        if any(v is not None for v in bearing) and not has_bearing:
            raise ValueError("observer: observer, direction_deg and distance_m go together")
        if self.location is None and not has_bearing and self.place is None:
            raise ValueError(
                "location: give location, or observer+direction_deg+distance_m, or place"
            )
        if self.distance_m is not None and self.distance_m[0] > self.distance_m[1]:
            raise ValueError("distance_m: must be [min, max]")
        allowed = SUBTYPES.get(self.category)
        if self.subtype is not None and (allowed is None or self.subtype not in allowed):
            raise ValueError(f"subtype: {self.subtype!r} does not apply to {self.category}")
        if self.type == "allegation" and self.accused_side is None:
            raise ValueError("accused_side: an allegation names its accused_side")
        return self


class TrackPoint(Record):
    time: Time
    lat: Lat
    lon: Lon
    alt_m: Height | None = None


class Track(Record):
    """One line of ``tracks.ndjson``: a moving object seen by radar, camera or UAV."""

    id: Id
    sensor: Id
    object: TrackObject
    weapon_class: WeaponClass | None = None
    points: Annotated[list[TrackPoint], Field(min_length=2)]
    uncertainty_m: Annotated[float, Field(gt=0, le=100_000)] = 50.0
    markings: Markings | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        for i in range(1, len(self.points)):
            if self.points[i].time < self.points[i - 1].time:
                raise ValueError(f"points.{i}.time: earlier than the point before it")
        return self


def to_json_dict(record: BaseModel) -> dict[str, Any]:
    """The record as interchange JSON: times in RFC 3339, unset optionals left out."""
    return record.model_dump(mode="json", exclude_none=True)
