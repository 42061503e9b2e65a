"""Incidents in the store: correlate sources as they arrive, grade, run the workflow.

New findings and observations are attached to incidents one at a time
(``truceline.incidents.assign``): an existing incident when they describe the same
happening, a new one otherwise; look-alike incidents become duplicate proposals for a
person, never a silent merge. Every attachment regrades the incident and appends a new
version of it to the ledger; every workflow step is a Decision stored and logged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, and_, or_, select, update

from truceline.access.markings import derive
from truceline.access.policy import Principal
from truceline.agreement.spatial import AgreementIndex
from truceline.errors import BadRequestError, ForbiddenError, NotFoundError
from truceline.incidents import (
    Actor,
    Decision,
    IncidentCandidate,
    IncidentState,
    Source,
    assign,
    grade,
    open_incident,
    transition,
)
from truceline.incidents.errors import StaleVersionError
from truceline.incidents.location import AreaLocation, PointLocation
from truceline.incidents.requests import Assign, parse_request
from truceline.incidents.workflow import SEALED, allowed_actions, incident_from_dict
from truceline.services.incident_sources import SourceKey, load_sources
from truceline.services.ledger import append_records
from truceline.services.principals import active_principal
from truceline.services.queries import SPECS, list_records
from truceline.services.rows import audience, markings_json
from truceline.store import tables
from truceline.store.visibility import visible
from truceline.timefmt import format_time, from_micros, to_micros

SYSTEM_ACTOR = Actor("system:correlator", "admin")
WINDOW_US = 6 * 3600 * 1_000_000  # incidents this close in time are candidates
CATEGORY_TITLES = {
    "explosion": "Explosions",
    "shelling": "Fire",
    "fire": "Fire",
    "burst": "Bursts of fire",
    "uav_overflight": "UAV overflight",
    "airspace": "Airspace violation",
    "restriction": "Restriction on monitors",
    "weapon_sighting": "Weapons sighted",
    "casualty": "Casualties",
    "presence": "Armed presence",
    "other": "Reported incident",
}


@dataclass(frozen=True, slots=True)
class Attached:
    incident_id: str
    new: bool


def _candidates(
    conn: Connection, source: Source, cache: dict[str, list[Source]]
) -> list[IncidentCandidate]:
    """Incidents near the source in time, with their sources (cached for this batch)."""
    t = tables.incidents
    lo = to_micros(source.time_from) - WINDOW_US
    hi = to_micros(source.time_to) + WINDOW_US
    rows = conn.execute(
        select(t.c.id, t.c.state).where(t.c.time_to_us >= lo, t.c.time_from_us <= hi)
    ).all()
    out = []
    for r in rows:
        if r.id not in cache:
            keys = conn.execute(
                select(tables.incident_sources.c.kind, tables.incident_sources.c.source_id).where(
                    tables.incident_sources.c.incident_id == r.id
                )
            ).all()
            cache[r.id] = load_sources(conn, [(k.kind, k.source_id) for k in keys])
        sealed = r.state in SEALED or r.state == "duplicate"
        out.append(IncidentCandidate(r.id, tuple(cache[r.id]), sealed=sealed))
    return out


def attach_sources(
    conn: Connection, sources: Iterable[Source], *, now_us: int, index: AgreementIndex | None
) -> list[Attached]:
    """Attach each source to its incident (creating incidents as needed); regrade them."""
    cache: dict[str, list[Source]] = {}
    done: dict[str, bool] = {}
    for source in sorted(sources, key=lambda s: (s.time_from, s.kind, s.id)):
        if _attached_to(conn, (_kind_of(source), source.id)) is not None:
            continue
        result = assign(source, _candidates(conn, source, cache))
        if result.new:
            _create(conn, result.incident_id, source, now_us)
            cache[result.incident_id] = []
        conn.execute(
            tables.incident_sources.insert().values(
                incident_id=result.incident_id,
                kind=_kind_of(source),
                source_id=source.id,
                attached_us=now_us,
                reason=result.reason,
            )
        )
        cache.setdefault(result.incident_id, []).append(source)
        for p in result.duplicates:
            _propose(conn, p.incident_a, p.incident_b, p.score, p.reason, now_us)
        done[result.incident_id] = done.get(result.incident_id, False) or result.new
    for incident_id in done:
        _summarise(conn, incident_id, cache[incident_id], now_us=now_us, index=index)
    return [Attached(i, new) for i, new in done.items()]


def _kind_of(source: Source) -> str:
    return "finding" if source.kind == "finding" else "observation"


def _attached_to(conn: Connection, key: SourceKey) -> str | None:
    s = tables.incident_sources
    return conn.execute(
        select(s.c.incident_id).where(s.c.kind == key[0], s.c.source_id == key[1])
    ).scalar()


def _propose(conn: Connection, a: str, b: str, score: float, reason: str, now_us: int) -> None:
    d = tables.duplicate_proposals
    if conn.execute(select(d.c.status).where(d.c.incident_a == a, d.c.incident_b == b)).first():
        return
    conn.execute(
        d.insert().values(
            incident_a=a, incident_b=b, score=score, reason=reason, status="open", created_us=now_us
        )
    )


def _create(conn: Connection, incident_id: str, source: Source, now_us: int) -> None:
    state, decision = open_incident(incident_id, SYSTEM_ACTOR, from_micros(now_us))
    t = to_micros(source.time_from)
    conn.execute(
        tables.incidents.insert().values(
            id=incident_id,
            state=state.state,
            version=state.version,
            state_json=orjson.dumps(state.as_dict()).decode(),
            title="",
            category=source.category,
            time_from_us=t,
            time_to_us=to_micros(source.time_to),
            grade="weak",
            grade_reason="",
            grave=int(source.grave),
            since_us=now_us,
            updated_us=now_us,
            record="{}",
            originator="MISSION",
            markings="{}",
            audience=" NONE ",
            created_us=now_us,
        )
    )
    _store_decision(conn, decision, now_us=now_us)


def _point(sources: Sequence[Source]) -> tuple[float | None, float | None, float | None]:
    """Best location: the most precise point source; else an area's centre."""
    points = [s.location for s in sources if isinstance(s.location, PointLocation)]
    if points:
        best = min(points, key=lambda p: p.radius_m)
        return best.lat, best.lon, best.radius_m
    areas = [s.location for s in sources if isinstance(s.location, AreaLocation)]
    if areas:
        c = areas[0].area.centroid
        return c.y, c.x, None
    return None, None, None


def _majority(values: Iterable[str | None]) -> str | None:
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else None


def _summarise(
    conn: Connection,
    incident_id: str,
    sources: Sequence[Source],
    *,
    now_us: int,
    index: AgreementIndex | None,
) -> None:
    """Recompute what the incident row shows from its sources; log the new version."""
    verdict = grade(sources)
    lat, lon, radius = _point(sources)
    technical = [s for s in sources if s.kind == "finding"]
    basis = technical or list(sources)
    category = _majority(s.category for s in basis) or "other"
    sector = None
    if index is not None and lat is not None and lon is not None:
        found = index.sectors_at(lat, lon)
        sector = found[0].label if found else None
    side_codes = index.agreement.side_codes if index else ()
    mk = derive([s.markings for s in sources if s.markings is not None], side_codes=side_codes)
    title = CATEGORY_TITLES.get(category, category.replace("_", " ").capitalize())
    if sector:
        title += f", {sector} sector"
    values = {
        "title": title,
        "category": category,
        "time_from_us": min(to_micros(s.time_from) for s in sources),
        "time_to_us": max(to_micros(s.time_to) for s in sources),
        "lat": lat,
        "lon": lon,
        "uncertainty_m": radius,
        "sector": sector,
        "grade": verdict.grade,
        "grade_reason": verdict.reason,
        "grave": int(any(s.grave for s in sources)),
        "responsible_side": _majority(s.claims.responsible_side for s in technical),
        "affected_side": _majority(s.claims.affected_side for s in technical),
        "markings": markings_json(mk),
        "audience": audience(mk),
        "updated_us": now_us,
    }
    values["record"] = orjson.dumps(
        {
            "id": incident_id,
            **{k: v for k, v in values.items() if k not in ("markings", "audience")},
            "sources": sorted([[_kind_of(s), s.id] for s in sources]),
        }
    ).decode()
    conn.execute(
        update(tables.incidents).where(tables.incidents.c.id == incident_id).values(**values)
    )
    version = {
        "id": f"{incident_id}@{now_us}",
        "incident_id": incident_id,
        "record": values["record"],
        "originator": "MISSION",
        "markings": values["markings"],
        "audience": values["audience"],
        "created_us": now_us,
    }
    if (
        conn.execute(
            select(tables.incident_versions.c.id).where(
                tables.incident_versions.c.id == version["id"]
            )
        ).first()
        is None
    ):
        conn.execute(tables.incident_versions.insert().values(**version))
        append_records(conn, "incident_version", [version], now_us=now_us)


def _store_decision(conn: Connection, decision: Decision, *, now_us: int) -> None:
    row = {
        "id": decision.id,
        "incident_id": decision.incident_id,
        "version": decision.version,
        "action": decision.action,
        "actor": decision.actor,
        "role": decision.role,
        "at_us": to_micros(decision.at),
        "record": orjson.dumps(decision.as_dict()).decode(),
    }
    conn.execute(tables.decisions.insert().values(**row))
    append_records(conn, "decision", [row], now_us=now_us)


# --- the workflow --------------------------------------------------------------------


def _role_for(principal: Principal, state: IncidentState, action: str) -> Actor:
    """The principal acting in a role the workflow allows for ``action`` now."""
    for role in sorted(principal.roles):
        actor = Actor(principal.name, role)  # type: ignore[arg-type]
        if action in allowed_actions(state, actor):
            return actor
    raise ForbiddenError(
        f"incident {state.id} is {state.state}: {principal.name} "
        f"({', '.join(sorted(principal.roles))}) may not {action} it now"
    )


def act(
    conn: Connection,
    incident_id: str,
    action: str,
    body: dict[str, Any],
    principal: Principal,
    *,
    now_us: int,
) -> dict[str, Any]:
    """Apply one workflow action with optimistic locking; returns the incident."""
    t = tables.incidents
    row = conn.execute(
        select(t).where(t.c.id == incident_id, visible(t, principal)).with_for_update()
    ).first()
    if row is None:
        raise NotFoundError(f"incident {incident_id!r} not found")
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise BadRequestError("version: the incident version you last saw is required (integer)")
    payload = {k: v for k, v in body.items() if k != "version"}
    request = parse_request(action, payload)
    state = incident_from_dict(orjson.loads(row.state_json))
    if version != state.version:  # stale first: the caller must see what changed (409)
        raise StaleVersionError(
            f"incident {incident_id}: {action!r} was sent for version {version} but the "
            f"incident is at version {state.version} ({state.state!r}); reload it and decide again"
        )
    actor = _role_for(principal, state, action)
    if isinstance(request, Assign) and request.investigator is not None:
        _check_investigator(conn, request.investigator)
    new_state, decision = transition(state, request, actor, version, from_micros(now_us))
    conn.execute(
        update(t)
        .where(t.c.id == incident_id)
        .values(
            state=new_state.state,
            version=new_state.version,
            state_json=orjson.dumps(new_state.as_dict()).decode(),
            updated_us=now_us,
        )
    )
    _store_decision(conn, decision, now_us=now_us)
    return incident_view(conn, incident_id, principal)


def _check_investigator(conn: Connection, name: str) -> None:
    found = active_principal(conn, name)
    if found is None or "investigator" not in found.roles:
        raise BadRequestError(
            f"investigator: {name!r} is not an active principal with the investigator role"
        )


# --- reading -------------------------------------------------------------------------


def _decisions(conn: Connection, incident_id: str) -> list[dict[str, Any]]:
    d = tables.decisions
    rows = conn.execute(
        select(d.c.record).where(d.c.incident_id == incident_id).order_by(d.c.version)
    )
    return [orjson.loads(r.record) for r in rows]


def incident_summary(row: Any) -> dict[str, Any]:
    """The list form of an incident (see docs/incidents.md)."""
    state = orjson.loads(row.state_json)
    record = orjson.loads(row.record) if row.record != "{}" else {}
    return {
        "id": row.id,
        "state": row.state,
        "version": row.version,
        "title": row.title,
        "category": row.category,
        "time_from": format_time(from_micros(row.time_from_us)),
        "time_to": format_time(from_micros(row.time_to_us)),
        "location": (
            {"lat": row.lat, "lon": row.lon, "uncertainty_m": row.uncertainty_m}
            if row.lat is not None
            else None
        ),
        "sector": row.sector,
        "grade": row.grade,
        "grade_reason": row.grade_reason,
        "grave": bool(row.grave),
        "responsible_side": row.responsible_side,
        "affected_side": row.affected_side,
        "investigator": state.get("investigator"),
        "duplicate_of": state.get("duplicate_of"),
        "since": state.get("since"),
        "created_at": format_time(from_micros(row.created_us)),
        "updated_at": format_time(from_micros(row.updated_us)),
        "sources": [{"kind": k, "id": i} for k, i in record.get("sources", [])],
        "markings": orjson.loads(row.markings),
    }


def list_incidents(
    conn: Connection,
    principal: Principal,
    *,
    state: str | None = None,
    grade_: str | None = None,
    sector: str | None = None,
    side: str | None = None,
    start_us: int | None = None,
    end_us: int | None = None,
    limit: int = 100,
    after: tuple[int, str] | None = None,
) -> tuple[list[dict[str, Any]], tuple[int, str] | None]:
    t = tables.incidents
    q = select(t).where(visible(t, principal))
    for col, val in ((t.c.state, state), (t.c.grade, grade_), (t.c.sector, sector)):
        if val is not None:
            q = q.where(col == val)
    if side is not None:
        q = q.where(or_(t.c.responsible_side == side, t.c.affected_side == side))
    if start_us is not None:
        q = q.where(t.c.time_to_us >= start_us)
    if end_us is not None:
        q = q.where(t.c.time_from_us < end_us)
    if after is not None:
        q = q.where(
            or_(t.c.time_from_us > after[0], and_(t.c.time_from_us == after[0], t.c.id > after[1]))
        )
    rows = conn.execute(q.order_by(t.c.time_from_us, t.c.id).limit(limit + 1)).all()
    nxt = (rows[limit - 1].time_from_us, rows[limit - 1].id) if len(rows) > limit else None
    return [incident_summary(r) for r in rows[:limit]], nxt


def incident_view(conn: Connection, incident_id: str, principal: Principal) -> dict[str, Any]:
    """One incident with its timeline, findings, events, observations, evidence, actions."""
    t = tables.incidents
    row = conn.execute(select(t).where(t.c.id == incident_id, visible(t, principal))).first()
    if row is None:
        raise NotFoundError(f"incident {incident_id!r} not found")
    out = incident_summary(row)
    keys = [(s["kind"], s["id"]) for s in out["sources"]]
    findings = _records(conn, "findings", [i for k, i in keys if k == "finding"], principal)
    event_ids = sorted({s for f in findings for s in f.get("subjects", []) if s.startswith("ev-")})
    out["findings"] = findings
    out["events"] = _records(conn, "events", event_ids, principal)
    out["observations"] = _records(
        conn, "observations", [i for k, i in keys if k == "observation"], principal
    )
    out["timeline"] = _decisions(conn, incident_id)
    out["determination"] = _determination(out["timeline"])
    from truceline.services.evidence import list_for_incident

    out["evidence"] = list_for_incident(conn, incident_id, principal)
    state = incident_from_dict(orjson.loads(row.state_json))
    actions: set[str] = set()
    for role in principal.roles:
        actions.update(allowed_actions(state, Actor(principal.name, role)))  # type: ignore[arg-type]
    out["allowed_actions"] = sorted(actions)
    return out


def _records(
    conn: Connection, kind: str, ids: Sequence[str], principal: Principal
) -> list[dict[str, Any]]:
    """The ``kind`` records among ``ids`` that ``principal`` may see (no ids: none, not all)."""
    if not ids:
        return []
    shown = visible(SPECS[kind].table, principal)
    return list_records(conn, kind, ids=ids, limit=1000, visible=shown).items


def _determination(timeline: list[dict[str, Any]]) -> dict[str, Any] | None:
    current = None
    dissents = []
    for d in timeline:
        payload = d.get("payload") or {}
        if d["action"] in ("determine", "amend") and payload.get("determination"):
            current = dict(payload["determination"])
            current["decision"] = d["id"]
        if d["action"] == "dissent":
            dissents.append({"by": d["actor"], "text": payload.get("text")})
    if current is not None:
        current["dissents"] = [*current.get("dissents", []), *dissents]
    return current
