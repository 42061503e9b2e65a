"""A store for the browser tests: the demo data set, a few located events, the judge's
findings and incidents, and principals with different roles.

Fusing the whole demo day takes minutes, so the events are built from the demo's ground
truth (``truth.ndjson``: each blast's place, time, detections and pairing) with error
ellipses drawn from a seeded generator, and stored through the service that live fusion
uses (``truceline.services.events.store_events``); the judge then runs on them as in the
service, so findings and incidents come from the real rules and correlator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from truceline.cli.ingest_cmds import ingest_file
from truceline.cli.sensors_cmds import read_status_file
from truceline.fusion.event import Event, event_id
from truceline.services import sensors as sensors_svc
from truceline.services.demo import demo_dir, load_demo
from truceline.services.events import store_events
from truceline.services.judge import Judge
from truceline.services.principals import add_principal
from truceline.store.engine import Store
from truceline.timefmt import parse_time, to_micros

SEED_NOW_US = to_micros(parse_time("2026-03-02T12:00:00Z"))
ROLES: dict[str, tuple[tuple[str, ...], str, str | None]] = {
    "analyst": (("analyst",), "GBR", None),
    "investigator": (("investigator",), "FRA", None),
    "observer": (("observer",), "USA", None),
    "admin": (("admin",), "MISSION", None),
}


@dataclass(frozen=True, slots=True)
class Seeded:
    tokens: dict[str, str]
    events: int
    findings: int
    incidents: int
    last_day: str  # UTC day (YYYY-MM-DD) of the latest event


def truth_events(limit: int, rng: np.random.Generator) -> list[Event]:
    """The first ``limit`` blasts of the demo's ground truth as located events."""
    blasts = []
    for line in (demo_dir() / "truth.ndjson").read_bytes().splitlines():
        row = orjson.loads(line)
        if row.get("kind") == "blast":
            blasts.append(row)
    chosen = blasts[:limit]
    ids = {b["id"]: event_id(b["detections"]) for b in blasts}
    salvo, unpaired = _salvos(chosen, ids)
    events = []
    for b in chosen:
        major = float(rng.uniform(40.0, 400.0))
        events.append(
            Event(
                id=ids[b["id"]],
                time=parse_time(b["time"]),
                lat=b["lat"],
                lon=b["lon"],
                height_m=b["alt_m"],
                phase=b["phase"],
                weapon=b["weapon"],
                detections=tuple(b["detections"]),
                n_sensors=len(set(b["sensors"])),
                semi_major_m=major,
                semi_minor_m=major * float(rng.uniform(0.3, 1.0)),
                azimuth_deg=float(rng.uniform(0.0, 180.0)),
                side=b["side"],
                paired_with=ids.get(b["pair"])
                if b.get("pair") and b["id"] not in unpaired
                else None,
                rms_residual_ms=float(rng.uniform(0.5, 5.0)),
                salvo=salvo.get(b["id"]),
            )
        )
    return events


UNPAIRED_ROUNDS = 3  # a salvo's last rounds, left unpaired as fusion leaves rounds it cannot tell


def _salvos(chosen: list[dict[str, Any]], ids: dict[str, str]) -> tuple[dict[str, str], set[str]]:
    """Each salvo blast's label (its salvo's first launch's event id, as fusion gives it),
    and the blasts of each salvo's last rounds, left unpaired."""
    launches: dict[str, list[dict[str, Any]]] = {}
    for b in chosen:
        if b.get("salvo") and b["phase"] == "launch":
            launches.setdefault(b["salvo"], []).append(b)
    label, unpaired = {}, set()
    for rounds in launches.values():
        rounds.sort(key=lambda b: b["time"])
        for b in chosen:
            if b.get("salvo") == rounds[0]["salvo"]:
                label[b["id"]] = ids[rounds[0]["id"]]
        for b in rounds[-UNPAIRED_ROUNDS:]:
            unpaired.update((b["id"], b["pair"]))
    return label, unpaired


def seed(
    store: Store,
    *,
    n_events: int = 150,
    now_us: int = SEED_NOW_US,
    log: Callable[[str], None] = lambda _m: None,
) -> Seeded:
    """Load the demo and derived records into a migrated store; returns tokens by role."""
    for line in load_demo(
        store,
        ingest_file=ingest_file,
        record_status=lambda s, p: sensors_svc.record_status(
            s, read_status_file(Path(p)), source=str(p), now_us=now_us
        ),
        now_us=now_us,
    ):
        log(line)
    events = truth_events(n_events, np.random.default_rng(20260302))
    with store.write() as conn:
        stored = store_events(conn, events, side_codes=("UA", "RU"), now_us=now_us)
    made = Judge(store, clock_us=lambda: now_us).step()
    tokens = {
        role: add_principal(
            store,
            name=f"web-{role}",
            nation=nation,
            roles=list(roles),
            side=side,
            expires_us=None,
            now_us=now_us,
            actor="test",
        ).token
        for role, (roles, nation, side) in ROLES.items()
    }
    last_day = max(e.time for e in events).date().isoformat()
    return Seeded(tokens, len(stored), made["findings"], made["incidents"], last_day)
