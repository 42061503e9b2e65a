"""Load stored findings and observations as correlation sources (truceline.incidents.Source).

Findings carry their subject events' sensor owners as independence keys, so a finding and a
monitor's report count as two independent lines, while two findings resting on the same
sensor network do not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from shapely.geometry import Polygon
from sqlalchemy import Connection, select

from truceline.formats.records import Markings, Observation
from truceline.incidents import Source, from_finding, from_observation
from truceline.rules.area import bearing_area
from truceline.store import tables

SourceKey = tuple[str, str]


def event_owner_keys(conn: Connection, event_ids: Sequence[str]) -> dict[str, frozenset[str]]:
    """Event id -> {"sensor_owner:XXX"} for the owners of the sensors that heard it."""
    e, d, s = tables.events, tables.detections, tables.sensors
    det_ids: dict[str, list[str]] = {}
    for i in range(0, len(event_ids), 500):
        q = select(e.c.id, e.c.record).where(e.c.id.in_(list(event_ids[i : i + 500])))
        det_ids.update(
            {r.id: orjson.loads(r.record)["properties"]["detections"] for r in conn.execute(q)}
        )
    all_dets = [x for ids in det_ids.values() for x in ids]
    owner_of: dict[str, str] = {}
    for i in range(0, len(all_dets), 500):
        q = (
            select(d.c.id, s.c.owner)
            .join(s, s.c.id == d.c.sensor_id)
            .where(d.c.id.in_(all_dets[i : i + 500]))
        )
        owner_of.update({r.id: r.owner for r in conn.execute(q)})
    return {
        ev: frozenset(f"sensor_owner:{owner_of[x]}" for x in ids if x in owner_of)
        for ev, ids in det_ids.items()
    }


def finding_sources(
    conn: Connection, findings: Sequence[tuple[dict[str, Any], Markings]]
) -> list[Source]:
    """Sources for findings (record, markings), their events' owners read in one pass."""
    events = sorted({s for r, _ in findings for s in r.get("subjects", []) if s.startswith("ev-")})
    keys = event_owner_keys(conn, events)
    return [from_finding(r, markings=m, subject_keys=keys) for r, m in findings]


def observation_source(record: dict[str, Any], markings: Markings) -> Source:
    """A source for a monitor report, allegation or open-source report; raises
    ``ValueError`` or a ``TrucelineError`` when the record cannot be read as one."""
    obs = Observation.model_validate({**record, "markings": markings.model_dump(exclude_none=True)})
    return from_observation(obs, area=observation_area(obs))


def observation_area(obs: Observation) -> Polygon | None:
    """The area of a bearing report (observer, direction, distance band), from the rules."""
    if obs.observer is None or obs.direction_deg is None or obs.distance_m is None:
        return None
    sector = bearing_area(
        obs.observer.lat, obs.observer.lon, obs.direction_deg, obs.distance_m[0], obs.distance_m[1]
    )
    return sector.polygon


def load_sources(conn: Connection, keys: Iterable[SourceKey]) -> list[Source]:
    """Rebuild stored sources from their records (so grading always uses the record)."""
    wanted = list(keys)
    f, o = tables.findings, tables.observations
    fids = [k for kind, k in wanted if kind == "finding"]
    oids = [k for kind, k in wanted if kind != "finding"]
    findings = []
    for i in range(0, len(fids), 500):
        q = select(f.c.record, f.c.markings).where(f.c.id.in_(fids[i : i + 500]))
        findings += [(orjson.loads(r.record), _markings(r.markings)) for r in conn.execute(q)]
    out = finding_sources(conn, findings)
    for i in range(0, len(oids), 500):
        q = select(o.c.raw, o.c.markings).where(o.c.id.in_(oids[i : i + 500]))
        out += [
            observation_source(orjson.loads(r.raw), _markings(r.markings)) for r in conn.execute(q)
        ]
    return out


def _markings(stored: str) -> Markings:
    return Markings.model_validate(orjson.loads(stored))
