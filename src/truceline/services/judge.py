"""The judge: run the rules on new events, observations and tracks, store the findings,
and attach findings and people's reports to incidents. Runs in the service as inputs
arrive (a polling worker, so inputs stored by any process are judged) and on demand.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Table, select

from truceline.access.markings import derive
from truceline.agreement.spatial import AgreementIndex
from truceline.errors import TrucelineError
from truceline.formats.records import Markings, Observation, Track
from truceline.incidents import Source
from truceline.rules import Finding, check
from truceline.services import progress
from truceline.services.agreements import all_agreements, latest_agreement, side_codes
from truceline.services.events import markings_of
from truceline.services.incident_sources import finding_sources, observation_source
from truceline.services.incidents import attach_sources
from truceline.services.ledger import append_records
from truceline.services.rows import audience, markings_json
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import to_micros

log = logging.getLogger("truceline.judge")
WORKER = "judge"
COMMIT_SLACK_US = 10 * 1_000_000


def _new(conn: Connection, table: Table, stamp: str, since: int) -> list[Any]:
    query = select(table).where(table.c[stamp] >= since).order_by(table.c[stamp])
    return list(conn.execute(query).all())


def store_findings(
    conn: Connection, findings: Sequence[Finding], *, side_codes: Sequence[str], now_us: int
) -> list[dict[str, Any]]:
    """Insert findings not stored yet, releasable only where all their subjects are."""
    t = tables.findings
    ids = [f.id for f in findings]
    known = set(conn.execute(select(t.c.id).where(t.c.id.in_(ids))).scalars()) if ids else set()
    fresh = [f for f in findings if f.id not in known]
    subjects = sorted({s for f in fresh for s in f.subjects})
    marks = markings_of(conn, subjects, tables.events, tables.observations, tables.tracks)
    stored = []
    for f in fresh:
        mk = derive([marks[s] for s in f.subjects if s in marks], side_codes=side_codes)
        record = f.to_dict()
        record["markings"] = mk.model_dump(mode="json", exclude_none=True)
        row = {
            "id": f.id,
            "rule": f.rule,
            "time_us": to_micros(f.time),
            "lat": f.location[0] if f.location else None,
            "lon": f.location[1] if f.location else None,
            "responsible_side": f.responsible_side,
            "affected_side": f.affected_side,
            "grave": int(f.grave),
            "agreement_id": f.agreement_id,
            "agreement_version": f.agreement_version,
            "record": orjson.dumps(record).decode(),
            "originator": "MISSION",
            "markings": markings_json(mk),
            "audience": audience(mk),
            "created_us": now_us,
        }
        conn.execute(t.insert().values(**row))
        append_records(conn, "finding", [row], now_us=now_us)
        stored.append(record)
    return stored


class Judge:
    """A polling worker; ``step()`` judges what arrived since the last step."""

    def __init__(
        self,
        store: Store,
        *,
        clock_us: Callable[[], int],
        on_findings: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self.store = store
        self.clock_us = clock_us
        self.on_findings = on_findings
        self._lock = threading.Lock()

    def step(self) -> dict[str, int]:
        """Judge new inputs in one transaction; returns counts of what was made."""
        with self._lock, self.store.write() as conn:
            now = self.clock_us()
            since = max(0, progress.cursor(conn, WORKER) - COMMIT_SLACK_US)
            events = _new(conn, tables.events, "created_us", since)
            observations = _new(conn, tables.observations, "ingested_us", since)
            track_rows = _new(conn, tables.tracks, "ingested_us", since)
            newest = max(
                [
                    since,
                    *(r.created_us for r in events),
                    *(r.ingested_us for r in [*observations, *track_rows]),
                ]
            )
            latest = latest_agreement(conn)
            if latest is None or not (events or observations or track_rows):
                progress.save_cursor(conn, WORKER, newest)
                return {"findings": 0, "incidents": 0}
            features = self._with_pairs(conn, [orjson.loads(r.record) for r in events])
            obs = [
                Observation.model_validate(
                    {**orjson.loads(r.raw), "markings": orjson.loads(r.markings)}
                )
                for r in observations
            ]
            trk = [
                Track.model_validate({**orjson.loads(r.raw), "markings": orjson.loads(r.markings)})
                for r in track_rows
            ]
            agreements = all_agreements(conn)
            findings = check(agreements, events=features, observations=obs, tracks=trk)
            sides = side_codes(agreements)
            stored = store_findings(conn, findings, side_codes=sides, now_us=now)
            sources = self._sources(conn, stored, observations)
            attached = attach_sources(conn, sources, now_us=now, index=AgreementIndex(latest))
            progress.save_cursor(conn, WORKER, newest)
        if stored and self.on_findings is not None:
            self.on_findings(stored)
        return {"findings": len(stored), "incidents": len(attached)}

    def _with_pairs(self, conn: Connection, features: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add stored partners of paired events, so a pair is judged as one shot, and the
        first launch of each salvo an unpaired impact belongs to, which names who fired it."""
        have = {f["properties"]["id"] for f in features}
        named = {f["properties"].get(k) for f in features for k in ("paired_with", "salvo")}
        missing = named - have - {None}
        if missing:
            rows = conn.execute(
                select(tables.events.c.record).where(tables.events.c.id.in_(missing))
            )
            features += [orjson.loads(r.record) for r in rows]
        return features

    def _sources(
        self, conn: Connection, findings: list[dict[str, Any]], observations: list[Any]
    ) -> list[Source]:
        out = finding_sources(conn, [(f, Markings.model_validate(f["markings"])) for f in findings])
        for r in observations:
            try:
                markings = Markings.model_validate(orjson.loads(r.markings))
                out.append(observation_source(orjson.loads(r.raw), markings))
            except (ValueError, TrucelineError) as exc:  # unplaceable: stays stored
                log.info("observation %s not correlated: %s", r.id, exc)
        return out
