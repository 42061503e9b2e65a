"""Ground truth of a simulated scenario (``truth.ndjson``): records, reader and writer.

The format is documented in ``docs/simulation.md``. One JSON object per line, told apart by
``kind``:

- ``scenario``: one header line (seed, preset, start, end, format version);
- ``blast``: one true blast (a launch or an impact) with its position, its shot partner
  (``pair``), its side from the agreement's control areas, its distance to the contact line
  and the ids of the detections it caused (``detections`` with the parallel ``sensors``),
  of which ``outliers`` were mis-timed on purpose;
- ``false_alarm``: one detection that no blast caused;
- ``outage``: a span in which a sensor heard nothing;
- ``clock_fault``: a sensor whose clock ran off by ``offset_ms`` from ``start`` on, and
  drifted by ``drift_ppm`` from then.

The record types and the encoding are pure; only :func:`write_truth` and :func:`read_truth`
touch files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from truceline.errors import InputError, Problem
from truceline.timefmt import format_time, parse_time

TRUTH_VERSION = 1
PHASES = ("launch", "impact")


@dataclass(frozen=True, slots=True)
class TrueBlast:
    """One real blast: the muzzle blast of a launch or the detonation of an impact."""

    id: str
    time: datetime
    lat: float
    lon: float
    alt_m: float
    phase: str
    weapon: str
    pair: str | None
    shot: str
    salvo: str | None
    side: str | None
    line_distance_m: float
    detections: tuple[str, ...]
    sensors: tuple[str, ...]
    outliers: tuple[str, ...] = ()

    def hearing_sensors(self, *, include_outliers: bool = True) -> tuple[str, ...]:
        """Distinct sensors that picked this blast, in first-pick order."""
        skip = set() if include_outliers else set(self.outliers)
        seen: dict[str, None] = {}
        for det, sensor in zip(self.detections, self.sensors, strict=True):
            if det not in skip:
                seen.setdefault(sensor, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class FalseAlarm:
    """A detection that no blast caused."""

    detection: str
    sensor: str


@dataclass(frozen=True, slots=True)
class Outage:
    """A span in which a sensor was down (heard nothing)."""

    sensor: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class ClockFault:
    """A sensor whose clock ran off from ``start`` to the scenario's end: its detections
    from then on carry times ``offset_ms + drift_ppm · 1e-3 · (t − start)`` ms late (t in
    seconds; early when negative)."""

    sensor: str
    start: datetime
    offset_ms: float
    drift_ppm: float = 0.0

    def offset_at(self, when: datetime) -> float:
        """How late the sensor's clock was at ``when``, ms (0 before the fault)."""
        if when < self.start:
            return 0.0
        return self.offset_ms + self.drift_ppm * 1e-3 * (when - self.start).total_seconds()


@dataclass(frozen=True)
class Truth:
    """Everything the simulator knows and the fusion engine must find out."""

    blasts: tuple[TrueBlast, ...]
    false_alarms: tuple[FalseAlarm, ...] = ()
    outages: tuple[Outage, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    clock_faults: tuple[ClockFault, ...] = ()

    def source_of(self) -> dict[str, str]:
        """Map each blast-caused detection id to its blast id."""
        return {d: b.id for b in self.blasts for d in b.detections}

    def outlier_ids(self) -> frozenset[str]:
        return frozenset(d for b in self.blasts for d in b.outliers)

    def false_alarm_ids(self) -> frozenset[str]:
        return frozenset(f.detection for f in self.false_alarms)


def _blast_obj(b: TrueBlast) -> dict[str, Any]:
    return {
        "kind": "blast",
        "id": b.id,
        "time": format_time(b.time),
        "lat": round(b.lat, 7),
        "lon": round(b.lon, 7),
        "alt_m": round(b.alt_m, 2),
        "phase": b.phase,
        "weapon": b.weapon,
        "pair": b.pair,
        "shot": b.shot,
        "salvo": b.salvo,
        "side": b.side,
        "line_distance_m": round(b.line_distance_m, 1),
        "detections": list(b.detections),
        "sensors": list(b.sensors),
        "outliers": list(b.outliers),
    }


def truth_lines(truth: Truth) -> Iterator[bytes]:
    """Encode ``truth`` as JSON Lines (each line ends with a newline)."""
    yield orjson.dumps({"kind": "scenario", "version": TRUTH_VERSION, **truth.meta}) + b"\n"
    for b in truth.blasts:
        yield orjson.dumps(_blast_obj(b)) + b"\n"
    for f in truth.false_alarms:
        obj = {"kind": "false_alarm", "detection": f.detection, "sensor": f.sensor}
        yield orjson.dumps(obj) + b"\n"
    for o in truth.outages:
        obj = {
            "kind": "outage",
            "sensor": o.sensor,
            "start": format_time(o.start),
            "end": format_time(o.end),
        }
        yield orjson.dumps(obj) + b"\n"
    for c in truth.clock_faults:
        fault: dict[str, object] = {"kind": "clock_fault", "sensor": c.sensor}
        fault.update(start=format_time(c.start), offset_ms=c.offset_ms, drift_ppm=c.drift_ppm)
        yield orjson.dumps(fault) + b"\n"


def write_truth(truth: Truth, path: Path) -> None:
    """Write ``truth.ndjson``."""
    with path.open("wb") as fh:
        fh.writelines(truth_lines(truth))


def _str_list(obj: dict[str, Any], name: str) -> tuple[str, ...]:
    value = obj.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{name}: expected a list of strings")
    return tuple(value)


def _opt_str(obj: dict[str, Any], name: str) -> str | None:
    value = obj.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name}: expected a string or null")
    return value


def _req(obj: dict[str, Any], name: str) -> Any:
    if name not in obj:
        raise ValueError(f"{name}: required field is missing")
    return obj[name]


def _time(obj: dict[str, Any], name: str) -> datetime:
    try:
        return parse_time(_req(obj, name))
    except ValueError as exc:
        msg = str(exc)
        raise ValueError(msg if msg.startswith(f"{name}:") else f"{name}: {msg}") from None


def _num(obj: dict[str, Any], name: str) -> float:
    value = _req(obj, name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}: expected a number")
    return float(value)


def parse_blast(obj: dict[str, Any]) -> TrueBlast:
    """Decode one ``blast`` record; ``ValueError("field: reason")`` when malformed."""
    phase = _req(obj, "phase")
    if phase not in PHASES:
        raise ValueError("phase: expected launch or impact")
    detections, sensors = _str_list(obj, "detections"), _str_list(obj, "sensors")
    if len(detections) != len(sensors):
        raise ValueError("sensors: must be as long as detections")
    return TrueBlast(
        id=str(_req(obj, "id")),
        time=_time(obj, "time"),
        lat=_num(obj, "lat"),
        lon=_num(obj, "lon"),
        alt_m=_num(obj, "alt_m") if "alt_m" in obj else 0.0,
        phase=phase,
        weapon=str(obj.get("weapon", "unknown")),
        pair=_opt_str(obj, "pair"),
        shot=str(obj.get("shot", "")),
        salvo=_opt_str(obj, "salvo"),
        side=_opt_str(obj, "side"),
        line_distance_m=_num(obj, "line_distance_m") if "line_distance_m" in obj else 0.0,
        detections=detections,
        sensors=sensors,
        outliers=_str_list(obj, "outliers"),
    )


def parse_truth(lines: Iterable[bytes], *, source: str) -> Truth:
    """Decode truth lines; raise :class:`InputError` naming line and field of every problem."""
    blasts: list[TrueBlast] = []
    alarms: list[FalseAlarm] = []
    outages: list[Outage] = []
    faults: list[ClockFault] = []
    meta: dict[str, Any] = {}
    problems: list[Problem] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
            if not isinstance(obj, dict):
                raise ValueError("expected a JSON object")
            kind = obj.get("kind")
            if kind == "blast":
                blasts.append(parse_blast(obj))
            elif kind == "false_alarm":
                det, sensor = _req(obj, "detection"), _req(obj, "sensor")
                alarms.append(FalseAlarm(str(det), str(sensor)))
            elif kind == "outage":
                sensor = str(_req(obj, "sensor"))
                outages.append(Outage(sensor, _time(obj, "start"), _time(obj, "end")))
            elif kind == "clock_fault":
                sensor = str(_req(obj, "sensor"))
                drift = _num(obj, "drift_ppm") if "drift_ppm" in obj else 0.0
                faults.append(ClockFault(sensor, _time(obj, "start"), _num(obj, "offset_ms"),
                                         drift))  # fmt: skip
            elif kind == "scenario":
                meta = {k: v for k, v in obj.items() if k not in ("kind", "version")}
            else:
                raise ValueError(f"kind: unknown record kind {kind!r}")
        except orjson.JSONDecodeError as exc:
            problems.append(Problem(source, number, None, f"not valid JSON ({exc.msg})"))
        except ValueError as exc:
            name, _, msg = str(exc).partition(": ")
            if msg and name.isidentifier():
                problems.append(Problem(source, number, name, msg))
            else:
                problems.append(Problem(source, number, None, str(exc)))
    if problems:
        raise InputError(f"{source}: invalid truth file", problems=problems)
    return Truth(tuple(blasts), tuple(alarms), tuple(outages), meta, tuple(faults))


def read_truth(path: Path) -> Truth:
    """Read ``truth.ndjson``."""
    with path.open("rb") as fh:
        return parse_truth(fh, source=str(path))
