"""Load stored findings and observations as correlation sources (truceline.incidents.Source).

Findings carry their subject events' sensor owners as independence keys, so a finding and a
monitor's report count as two independent lines, while two findings resting on the same
sensor network do not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, select

from truceline.formats.records import Markings, Observation
from truceline.incidents import Source, from_finding, from_observation
from truceline.store import tables

SourceKey = tuple[str, str]
OBSERVATION_KINDS = ("monitor_report", "allegation", "open_source")


def event_owner_keys(conn: Connection, event_ids: Sequence[str]) -> dict[str, frozenset[str]]:
    """Event id -> {"sensor_owner:XXX"} for the owners of the sensors that heard it."""
    if not event_ids:
        return {}
    e, d, s = tables.events, tables.detections, tables.sensors
    out: dict[str, set[str]] = {}
    rows = conn.execute(select(e.c.id, e.c.record).where(e.c.id.in_(list(event_ids)))).all()
    det_ids = {row.id: orjson.loads(row.record)["properties"]["detections"] for row in rows}
    all_dets = [x for ids in det_ids.values() for x in ids]
    owner_of: dict[str, str] = {}
    for i in range(0, len(all_dets), 500):
        q = (
            select(d.c.id, s.c.owner)
            .join(s, s.c.id == d.c.sensor_id)
            .where(d.c.id.in_(all_dets[i : i + 500]))
        )
        owner_of.update({r.id: r.owner for r in conn.execute(q)})
    for ev, ids in det_ids.items():
        out[ev] = {f"sensor_owner:{owner_of[x]}" for x in ids if x in owner_of}
    return {k: frozenset(v) for k, v in out.items()}


def finding_source(conn: Connection, record: dict[str, Any], markings: Markings) -> Source:
    subjects = [s for s in record.get("subjects", []) if s.startswith("ev-")]
    return from_finding(record, markings=markings, subject_keys=event_owner_keys(conn, subjects))


def observation_source(record: dict[str, Any], markings: Markings) -> Source | None:
    """A source for a monitor report, allegation or open-source report; None if it can't be
    placed in time and space well enough to correlate (it still sits in the store)."""
    obs = Observation.model_validate({**record, "markings": markings.model_dump(exclude_none=True)})
    return from_observation(obs, area=observation_area(obs))


def observation_area(obs: Observation) -> Any:
    """The area of a bearing report (observer, direction, distance band), from the rules."""
    if obs.observer is None or obs.direction_deg is None or obs.distance_m is None:
        return None
    from truceline.rules.area import bearing_area

    sector = bearing_area(
        obs.observer.lat, obs.observer.lon, obs.direction_deg, obs.distance_m[0], obs.distance_m[1]
    )
    return sector.polygon


def load_sources(conn: Connection, keys: Iterable[SourceKey]) -> list[Source]:
    """Rebuild stored sources from their records (so grading always uses the record)."""
    wanted = list(keys)
    out: list[Source] = []
    f, o = tables.findings, tables.observations
    fids = [k for kind, k in wanted if kind == "finding"]
    oids = [k for kind, k in wanted if kind != "finding"]
    for i in range(0, len(fids), 500):
        for r in conn.execute(
            select(f.c.record, f.c.markings).where(f.c.id.in_(fids[i : i + 500]))
        ):
            out.append(
                finding_source(
                    conn, orjson.loads(r.record), Markings.model_validate(orjson.loads(r.markings))
                )
            )
    for i in range(0, len(oids), 500):
        q = select(o.c.raw, o.c.markings).where(o.c.id.in_(oids[i : i + 500]))
        for r in conn.execute(q):
            src = observation_source(
                orjson.loads(r.raw), Markings.model_validate(orjson.loads(r.markings))
            )
            if src is not None:
                out.append(src)
    return out
