"""Escalation and grave-finding alerts: raised from stored findings, kept as ledger leaves,
read under access control, and handed to the delivery queue. docs/alerts.md describes the
method, the wire format and the API.

One worker step (:class:`AlertWorker`):

1. *raise*: findings stored since the worker's cursor (``worker_progress`` "alerts"): each
   grave finding becomes an immediate alert; when ``fire`` findings arrived (at most once
   a minute), the escalation detector (:mod:`truceline.alerts.detector`) runs over every
   sector's hourly counts of ``fire`` findings (sectors assigned as the statistics assign
   them) and each new alarm becomes an alert, unless the sector had one within the
   hold-off (a continuing escalation raises one alert a day, not one an hour). Alerts are
   written once, each with its ledger leaf, releasable only where every finding they rest
   on is.
2. *enqueue* (alerts younger than a day) and *deliver*:
   :mod:`truceline.services.alert_delivery`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import orjson
import shapely
from sqlalchemy import Connection, and_, func, or_, select

from truceline.access.markings import derive
from truceline.access.policy import Principal
from truceline.agreement import Agreement
from truceline.alerts.cap import cap_alert
from truceline.alerts.detector import CusumDesign, detect
from truceline.alerts.model import Escalation, escalation_alert, grave_alert, sector_rings
from truceline.alerts.retry import RetryPolicy
from truceline.alerts.text import LANGS, Lang
from truceline.errors import BadRequestError, NotFoundError
from truceline.formats.records import Markings
from truceline.geo import ecef_to_geodetic, geodetic_to_ecef
from truceline.services import progress
from truceline.services.agreements import all_agreements, latest_agreement, side_codes
from truceline.services.alert_delivery import Sending, deliver_pending, enqueue
from truceline.services.alert_delivery import alert_view as alert_view
from truceline.services.alert_tables import alerts
from truceline.services.ledger import append_records
from truceline.services.rows import audience, markings_json
from truceline.settings import Settings
from truceline.store import tables
from truceline.store.engine import Store
from truceline.store.visibility import visible

WORKER = "alerts"
COMMIT_SLACK_US = 10 * 1_000_000


@dataclass(frozen=True, slots=True)
class AlertConfig:
    """How alerts are raised and delivered (see the module docstring)."""

    design: CusumDesign = field(default_factory=CusumDesign)
    bin_s: int = 3600
    holdoff_s: int = 24 * 3600
    history_s: int = 45 * 24 * 3600
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sender: str = "truceline@truceline.local"
    status: str = "Actual"
    batch: int = 100
    deliver_within_s: int = 24 * 3600  # older alerts (a first pass over history) are not pushed
    detect_every_s: int = 60  # the escalation detector runs at most this often

    @property
    def sending(self) -> Sending:
        return Sending(self.retry, self.sender, self.status, self.batch)


def cap_sender(settings: Settings) -> str:
    """CAP ``sender`` for this service: ``truceline@`` and the host of the log origin."""
    host = settings.log_origin.split("/", 1)[0] or "truceline.local"
    return f"truceline@{host}"


# --- raising alerts --------------------------------------------------------------------


def _sector_of(agreement: Agreement | None, rows: Sequence[Any]) -> list[str | None]:
    """Each row's first sector in the agreement's order (as the statistics assign them);
    None for a row without a location."""
    out: list[str | None] = [None] * len(rows)
    if agreement is None or not rows:
        return out
    lats = np.array([r.lat if r.lat is not None else np.nan for r in rows], dtype=float)
    lons = np.array([r.lon if r.lon is not None else np.nan for r in rows], dtype=float)
    ok = np.isfinite(lats) & np.isfinite(lons)
    for feature in agreement.features_with_role("sector"):
        inside = ok & shapely.intersects_xy(
            feature.geometry, np.nan_to_num(lons), np.nan_to_num(lats)
        )
        for i in np.flatnonzero(inside):
            if out[i] is None:
                out[i] = feature.label
    return out


def _describe(lat: float | None, lon: float | None) -> dict[str, str]:
    """The place in each language, relative to the nearest settlement (empty if none)."""
    if lat is None or lon is None:
        return {}
    from truceline.gazetteer import default_gazetteer

    try:
        g = default_gazetteer()
        return {lang: g.describe(lat, lon, lang).text for lang in LANGS}
    except ValueError:
        return {}


def _centroid(lats: Sequence[float], lons: Sequence[float]) -> tuple[float, float] | None:
    """Geodesic centroid: the mean of the points in ECEF, projected back to the ellipsoid."""
    if not lats:
        return None
    mean = np.asarray(geodetic_to_ecef(np.asarray(lats), np.asarray(lons))).mean(axis=0)
    lat, lon, _ = ecef_to_geodetic(mean)
    return float(lat), float(lon)


@dataclass(frozen=True, slots=True)
class _Fire:
    id: str
    time_us: int
    lat: float | None
    lon: float | None
    markings: str
    sector: str | None


def _fires(conn: Connection, agreement: Agreement, config: AlertConfig) -> tuple[int, list[_Fire]]:
    """``fire`` findings of the detector's horizon, with their sectors, and its first bin."""
    f = tables.findings
    latest = conn.execute(select(func.max(f.c.time_us)).where(f.c.rule == "fire")).scalar()
    if latest is None:
        return 0, []
    bin_us = config.bin_s * 1_000_000
    day_us = 86_400 * 1_000_000
    begin = int(agreement.effective_from.timestamp()) * 1_000_000 // bin_us * bin_us
    horizon = (int(latest) - config.history_s * 1_000_000) // day_us * day_us
    start = max(begin, horizon)
    rows = conn.execute(
        select(f.c.id, f.c.time_us, f.c.lat, f.c.lon, f.c.markings)
        .where(f.c.rule == "fire", f.c.time_us >= start)
        .order_by(f.c.time_us, f.c.id)
    ).all()
    return start, [
        _Fire(r.id, int(r.time_us), r.lat, r.lon, r.markings, s)
        for r, s in zip(rows, _sector_of(agreement, rows), strict=True)
    ]


def _held_off(
    conn: Connection, sector: str, time_us: int, config: AlertConfig, raised: Sequence[int]
) -> bool:
    """Whether the sector had an escalation alert within the hold-off of ``time_us``
    (stored, or ``raised`` earlier in this pass)."""
    a = alerts
    hold = config.holdoff_s * 1_000_000
    if any(abs(t - time_us) < hold for t in raised):
        return True
    found = conn.execute(
        select(a.c.id).where(
            a.c.kind == "escalation",
            a.c.sector == sector,
            a.c.time_us > time_us - hold,
            a.c.time_us < time_us + hold,
        )
    ).first()
    return found is not None


def _derived_markings(texts: Sequence[str], side_codes: Sequence[str]) -> Markings:
    return derive([Markings.model_validate(orjson.loads(t)) for t in texts], side_codes=side_codes)


def detect_escalations(
    conn: Connection, config: AlertConfig, agreement: Agreement, side_codes: Sequence[str]
) -> list[tuple[dict[str, Any], int]]:
    """New escalation alerts (record, crossing time) from the stored ``fire`` findings,
    per sector of ``agreement``; ``side_codes`` are every stored agreement's sides."""
    start, fires = _fires(conn, agreement, config)
    if not fires:
        return []
    bin_us = config.bin_s * 1_000_000
    bins = (fires[-1].time_us - start) // bin_us + 1
    out = []
    for feature in agreement.features_with_role("sector"):
        mine = [x for x in fires if x.sector == feature.label]
        if not mine:
            continue
        index = np.array([(x.time_us - start) // bin_us for x in mine])
        chart = detect(np.bincount(index, minlength=bins), config.design)
        raised: list[int] = []
        for alarm in chart.alarms:
            in_bin = [x for x, i in zip(mine, index, strict=True) if i == alarm.bin]
            crossing = in_bin[alarm.crossing_count - 1]
            if _held_off(conn, feature.label, crossing.time_us, config, raised):
                continue
            raised.append(crossing.time_us)
            run = [x for x, i in zip(mine, index, strict=True) if alarm.start_bin <= i <= alarm.bin]
            placed = [x for x in run if x.lat is not None and x.lon is not None]
            centre = _centroid([x.lat for x in placed], [x.lon for x in placed])  # type: ignore[misc]
            geom = feature.geometry
            polygons = [geom] if geom.geom_type == "Polygon" else list(getattr(geom, "geoms", []))
            escalation = Escalation(
                sector=feature.label,
                rings=sector_rings([list(p.exterior.coords) for p in polygons]),
                alarm=alarm,
                onset_us=start + alarm.start_bin * bin_us,
                time_us=crossing.time_us,
                bin_start_us=start + alarm.bin * bin_us,
                subjects=tuple(x.id for x in run),
                centre=centre,
                place=_describe(*(centre or (None, None))),
                agreement=(agreement.id, agreement.version),
                design=config.design,
                bin_s=config.bin_s,
            )
            mk = _derived_markings([x.markings for x in run], side_codes)
            record = escalation_alert(escalation, mk.model_dump(mode="json", exclude_none=True))
            out.append((record, crossing.time_us))
    return out


def grave_alerts(
    rows: Sequence[Any], agreement: Agreement | None
) -> list[tuple[dict[str, Any], int]]:
    """One immediate alert per grave finding among ``rows`` (findings table rows), placed in
    ``agreement``'s sectors."""
    graves = [r for r in rows if r.grave]
    out = []
    for row, sector in zip(graves, _sector_of(agreement, graves), strict=True):
        finding = orjson.loads(row.record)
        record = grave_alert(
            finding,
            sector=sector,
            place=_describe(row.lat, row.lon),
            markings=orjson.loads(row.markings),
            time_us=int(row.time_us),
        )
        out.append((record, int(row.time_us)))
    return out


def store_alert(conn: Connection, record: dict[str, Any], time_us: int, *, now_us: int) -> bool:
    """Insert an alert and its ledger leaf; False when it exists already (same cause)."""
    if conn.execute(select(alerts.c.id).where(alerts.c.id == record["id"])).first():
        return False
    mk = Markings.model_validate(record["markings"])
    loc = record.get("location") or {}
    row = {
        "id": record["id"],
        "kind": record["kind"],
        "sector": record.get("sector"),
        "severity": record["severity"],
        "time_us": time_us,
        "lat": loc.get("lat"),
        "lon": loc.get("lon"),
        "agreement_id": (record.get("agreement") or {}).get("id"),
        "record": orjson.dumps(record).decode(),
        "originator": "MISSION",
        "markings": markings_json(mk),
        "audience": audience(mk),
        "created_us": now_us,
    }
    conn.execute(alerts.insert().values(**row))
    append_records(conn, "alert", [row], now_us=now_us)
    return True


@dataclass(frozen=True, slots=True)
class Raised:
    """What one raising pass did: the new alerts, whether ``fire`` findings arrived, and
    whether the escalation detector ran."""

    ids: list[str]
    fire_seen: bool
    detected: bool


def raise_alerts(
    store: Store,
    config: AlertConfig,
    *,
    now_us: int,
    detect: bool | None = None,
) -> Raised:
    """Raise alerts for findings stored since the cursor.

    ``detect``: run the escalation detector (True), not (False), or when ``fire`` findings
    arrived (None). The detector runs on a read snapshot (it may take a moment the first
    time a baseline level is seen); the alerts, their leaves, the deliveries and the cursor
    are then written in one transaction. Alerts older than ``deliver_within_s`` (a first
    pass over history) are stored but not pushed to subscribers.
    """
    f = tables.findings
    with store.read() as conn:
        cursor = progress.cursor(conn, WORKER)
        fresh = conn.execute(
            select(f)
            .where(f.c.created_us >= max(0, cursor - COMMIT_SLACK_US))
            .order_by(f.c.created_us, f.c.id)
        ).all()
        fire_seen = any(r.rule == "fire" for r in fresh)
        run = fire_seen if detect is None else detect
        if not fresh and not run:
            return Raised([], False, False)
        agreement = latest_agreement(conn)
        found = grave_alerts(fresh, agreement)
        if run and agreement is not None:
            sides = side_codes(all_agreements(conn))
            found += detect_escalations(conn, config, agreement, sides)
    fresh_enough = now_us - config.deliver_within_s * 1_000_000
    with store.write() as conn:
        made = [(rec["id"], t) for rec, t in found if store_alert(conn, rec, t, now_us=now_us)]
        enqueue(conn, [i for i, t in made if t >= fresh_enough], now_us=now_us)
        newest = max([cursor, *(int(r.created_us) for r in fresh)])
        progress.save_cursor(conn, WORKER, newest)
    return Raised([i for i, _ in made], fire_seen, run)


# --- reading alerts --------------------------------------------------------------------


def list_alerts(
    conn: Connection,
    principal: Principal,
    *,
    kind: str | None = None,
    sector: str | None = None,
    since_us: int | None = None,
    limit: int = 100,
    cursor: str | None = None,
    lang: Lang = "en",
) -> dict[str, Any]:
    """Alerts the caller may see, newest first; ``next`` is the cursor of the next page."""
    a = alerts
    q = select(a).where(visible(a, principal))
    if kind:
        q = q.where(a.c.kind == kind)
    if sector:
        q = q.where(a.c.sector == sector)
    if since_us is not None:
        q = q.where(a.c.time_us >= since_us)
    if cursor:
        t, _, last = cursor.partition(":")
        if not t.lstrip("-").isdigit() or not last:
            raise BadRequestError("cursor: not one this service issued")
        q = q.where(or_(a.c.time_us < int(t), and_(a.c.time_us == int(t), a.c.id < last)))
    rows = conn.execute(q.order_by(a.c.time_us.desc(), a.c.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [alert_view(r, lang) for r in rows],
        "next": f"{rows[-1].time_us}:{rows[-1].id}" if more else None,
    }


def get_alert(conn: Connection, principal: Principal, alert_id: str) -> Any:
    """The alert row, if the caller may see it (404 otherwise, as for any hidden record)."""
    row = conn.execute(
        select(alerts).where(alerts.c.id == alert_id, visible(alerts, principal))
    ).first()
    if row is None:
        raise NotFoundError(f"alert {alert_id!r} not found")
    return row


def alert_cap(row: Any, config: AlertConfig, langs: Sequence[Lang] = ("en",)) -> bytes:
    return cap_alert(
        orjson.loads(row.record),
        sender=config.sender,
        sent_us=int(row.created_us),
        langs=langs,
        status=config.status,
    )


# --- the worker ------------------------------------------------------------------------


class AlertWorker:
    """Raise, enqueue and deliver; ``step()`` is one pass (the CLI's ``alerts deliver``)."""

    def __init__(
        self,
        store: Store,
        *,
        clock_us: Callable[[], int],
        config: AlertConfig | None = None,
        transport: httpx.BaseTransport | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        self.store = store
        self.clock_us = clock_us
        self.config = config or AlertConfig()
        self.transport = transport
        self.rng = rng or np.random.default_rng()
        self._lock = threading.Lock()
        self._pending = True  # look for escalations on the first pass
        self._detected_us = -(2**62)

    def client(self) -> httpx.Client:
        return httpx.Client(
            transport=self.transport, timeout=self.config.retry.timeout_s, follow_redirects=False
        )

    def _raise(self) -> list[str]:
        """Grave alerts every pass; the escalation detector when ``fire`` findings arrived,
        at most every ``detect_every_s`` (findings held back by that are looked at on the
        next allowed pass, and the first pass after a start always looks)."""
        now = self.clock_us()
        allowed = now - self._detected_us >= self.config.detect_every_s * 1_000_000
        if not allowed:
            raised = raise_alerts(self.store, self.config, now_us=now, detect=False)
            self._pending = self._pending or raised.fire_seen
            return raised.ids
        raised = raise_alerts(
            self.store, self.config, now_us=now, detect=True if self._pending else None
        )
        if raised.detected:
            self._detected_us, self._pending = now, False
        return raised.ids

    def step(self, *, scan: bool = True) -> dict[str, int]:
        with self._lock:
            raised = self._raise() if scan else []
            with self.client() as client:
                report = deliver_pending(
                    self.store,
                    self.config.sending,
                    client=client,
                    clock_us=self.clock_us,
                    rng=self.rng,
                )
        return {"alerts": len(raised), **report.as_dict()}
