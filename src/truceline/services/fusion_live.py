"""Live fusion: the same engine as `truceline fuse`, fed from the store as detections land.

The worker polls the detections table (so detections ingested by any process, the API or
the CLI, are fused) and feeds the streaming engine; the engine's windows are anchored on
detection time, so the events equal those of the offline command on the same input.

Watermark: detections may arrive out of order by up to ``lateness_s``; the watermark is the
latest detection time seen minus that allowance. With live data (the latest rows read
stamped, by their median, within an hour of the wall clock) it never passes the wall clock
minus that allowance: a sensor whose clock runs fast stamps its detections in the future,
and would carry the watermark past every other sensor's, making theirs late. A detection
that comes behind the watermark anyway is not fused, and its sensor is flagged
(``degraded``); the engine still takes it as a sign its sensor is sending and as a pick
for the far clock search, so a clock minutes slow is found, corrected, and its later
detections placed at their corrected time and fused; the clock check's span then says why.
The engine runs ``live`` (:class:`~truceline.fusion.engine.FusionEngine`): it places
every detection of a clock corrected minutes off at its corrected time as it comes, so a
clock found fast holds no event back, and once a clock is found it recovers the late
detections that still fall in a pool.
When the line falls quiet, the wall clock advances it, so the last blasts before a lull
are not held back.

Restart: the released watermark is kept in ``fusion_progress``; a new worker replays from a
lookback before it, and stores only the events past it (every event up to it was released
before; the replay, starting cold, could decide them otherwise). Events already stored are
skipped by id besides.
The clock corrections in force are kept with it and put back in force: the replay's
minutes are too few to judge a clock anew, and a clock followed beyond the reach of the
checks would not be found again. So is the release front (``complete_us``: every event with
an earlier origin time is stored, written with the events, and moved on through quiet
stretches), which ``GET /api/v1/events`` gives as ``complete_to``; a restarted worker's
replay, starting behind it, never moves it back.

Clocks: when the engine's clock checks (:mod:`truceline.fusion.clocks`) judge a sensor's
clock off, the worker records a ``degraded`` status span for it from when the evidence
says the fault began (minutes before the check that found it), its reason the offset
found (the span goes to the ledger like any status); so it does, from the check, for a
sensor judged ``inconsistent`` (it sends plenty, and its picks meet none of the arrivals
predicted for it: a clock hours off, a wrong position); when
the clock reads right again, an ``operational`` one. A sensor whose detections come
stamped ahead of the worker's clock runs fast, however far: it is flagged at once
(:mod:`truceline.services.fusion_ahead`). A sensor that sent nothing as the blasts near
it were heard by sensors farther away is recorded ``non_operational`` from the first of
them (:mod:`truceline.fusion.silence`), and ``operational`` once it hears one again. A
sensor already recorded so at that time gets nothing new, so a restarted worker does not
record it twice.
"""

from __future__ import annotations

import math
import statistics
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select, update

from truceline.agreement.spatial import AgreementIndex
from truceline.formats.records import Detection, Weather
from truceline.fusion.config import FusionConfig
from truceline.fusion.engine import FusionEngine
from truceline.services.agreements import in_force
from truceline.services.events import store_events, store_provisional
from truceline.services.fusion_ahead import AheadWatch
from truceline.services.sensors import StatusSpan, load_registry, record_status, status_at
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import format_time, from_micros, to_micros

LOOKBACK_US = 15 * 60 * 1_000_000  # replay window before the saved watermark on restart
COMMIT_SLACK_US = 10 * 1_000_000  # rows may commit this long after their ingested_us
LIVE_HORIZON_US = 3600 * 1_000_000
LATE_FLAG = 5  # a sensor's detections too late for fusion before it is flagged, and on time after

OnEvents = Callable[[list[dict[str, Any]]], None]


class LiveFusion:
    """One fusion worker over a store. ``step()`` does one poll; ``run()`` loops."""

    def __init__(
        self,
        store: Store,
        *,
        clock_us: Callable[[], int],
        lateness_s: float = 60.0,
        config: FusionConfig | None = None,
        on_events: OnEvents | None = None,
    ) -> None:
        self.store = store
        self.clock_us = clock_us
        self.lateness_us = int(lateness_s * 1e6)
        self.config = config or FusionConfig()
        self.on_events = on_events
        self._lock = threading.Lock()
        self._engine: FusionEngine | None = None
        self._sensor_count = -1
        self._cursor_us = 0  # ingested_us already read (minus slack on each poll)
        self._max_time_us = 0
        self._live = False  # the latest rows read were stamped within an hour of the wall clock
        self._released_us = 0
        self._complete_us = 0  # every event before it stored (FusionEngine.released_to_s)
        self._side_codes: tuple[str, ...] = ()
        # Sensors whose clock this worker found off ("offset") or whose picks meet no
        # event ("inconsistent").
        self._clock_off: dict[str, str] = {}
        # Sensors whose detections come too late for fusion: (late, taken) counts when
        # last flagged or when their last late one came (_record_late).
        self._late_flagged: dict[str, tuple[int, int]] = {}
        self._late_base: dict[str, int] = {}  # late counts already answered for
        self._fed: dict[str, int] = {}  # ids fed, with their ingested_us (_feed)
        self._ahead = AheadWatch()  # sensors stamping ahead of the worker's clock
        # Sensors recorded non_operational for their silence (by this worker, or by one
        # before it: read from the store at the first step, so a restart still clears them).
        self._silent: set[str] | None = None
        # A new engine (a new worker, or a new registry) replays the lookback cold: the
        # provisional events stored before are replaced by those it locates (_store).
        self._replaced = False

    # -- state ---------------------------------------------------------------------

    def _build_engine(self) -> FusionEngine:
        with self.store.read() as conn:
            sensors = list(load_registry(conn).values())
            weather = [
                Weather.model_validate(orjson.loads(r.raw))
                for r in conn.execute(
                    select(tables.weather.c.raw).order_by(tables.weather.c.time_us)
                )
            ]
            agreements = in_force(conn, from_micros(self.clock_us()))
            p = tables.fusion_progress
            saved = conn.execute(select(p.c.watermark_us, p.c.clocks, p.c.complete_us)).first()
        index = None
        if agreements:
            index = AgreementIndex(agreements[0])
            self._side_codes = agreements[0].side_codes
        self._sensor_count = len(sensors)
        engine = FusionEngine.for_agreement(sensors, weather, index, self.config, live=True)
        if saved is not None:
            self._released_us = int(saved.watermark_us)
            self._complete_us = max(self._complete_us, int(saved.complete_us or 0))
            if saved.clocks is not None:
                engine.restore_clock_corrections(orjson.loads(saved.clocks))
        return engine

    def _registry_changed(self) -> bool:
        with self.store.read() as conn:
            from sqlalchemy import func

            n = conn.execute(select(func.count()).select_from(tables.sensors)).scalar_one()
        return int(n) != self._sensor_count

    # -- one poll ------------------------------------------------------------------

    def step(self, *, final: bool = False) -> int:
        """Read newly stored detections, release what is final, store events; returns
        how many events were stored."""
        with self._lock:
            if self._engine is None or self._registry_changed():
                self._engine = self._build_engine()
                self._cursor_us = 0
                self._fed.clear()
                self._replaced = True
            fed = self._feed(self._engine)
            events = self._engine.finish() if final else self._engine.ready(self._watermark(fed))
            provisional = self._engine.provisional()
            stored = self._store(events, self._front(self._engine), provisional,
                                 self._engine.withdrawn())  # fmt: skip
            self._record_clocks(self._engine)
            self._record_late(self._engine)
            self._record_ahead()
            self._record_silent(self._engine)
            return stored

    def _feed(self, engine: FusionEngine) -> bool:
        t = tables.detections
        since = max(0, self._cursor_us - COMMIT_SLACK_US)
        floor = max(0, self._released_us - LOOKBACK_US)
        query = (
            select(t.c.raw, t.c.ingested_us, t.c.time_us)
            .where(t.c.ingested_us >= since, t.c.time_us >= floor)
            .order_by(t.c.time_us, t.c.id)
        )
        batch: list[Detection] = []
        times: list[int] = []
        now = self.clock_us()
        with self.store.read() as conn:
            for row in conn.execute(query.add_columns(t.c.id)):
                self._cursor_us = max(self._cursor_us, row.ingested_us)
                if row.id in self._fed:
                    continue  # read again for the commit slack: the engine has it
                self._fed[row.id] = row.ingested_us
                batch.append(Detection.model_validate(orjson.loads(row.raw)))
                self._ahead.see(batch[-1].sensor, row.time_us, now)
                self._max_time_us = max(self._max_time_us, row.time_us)
                times.append(row.time_us)
        # Only rows ingested within the slack are read again.
        self._fed = {k: v for k, v in self._fed.items() if v >= self._cursor_us - COMMIT_SLACK_US}
        if times:  # by their median: one sensor stamping days off does not decide it
            self._live = abs(statistics.median_low(times) - self.clock_us()) < LIVE_HORIZON_US
        if batch:
            engine.add(batch)
        return bool(batch)

    def _watermark(self, fed: bool) -> datetime:
        """The latest detection time less the allowance; with live data (the latest rows
        read stamped, by their median, within an hour of the wall clock) never past the
        wall clock less it: a sensor whose clock runs fast stamps its detections in the
        future, and its latest time carried the watermark past every other sensor's,
        whose detections, arriving on time, were then late and dropped (a clock 150 s
        fast silenced the line; one reset to a day ahead would have, however live the
        rest). When the line falls quiet, the wall clock advances it."""
        mark = self._max_time_us - self.lateness_us
        now = self.clock_us()
        if self._live:
            mark = min(mark, now - self.lateness_us)
        if not fed and 0 < now - self._max_time_us < LIVE_HORIZON_US:
            mark = max(mark, now - self.lateness_us)
        return from_micros(max(mark, 0))

    def _front(self, engine: FusionEngine) -> int | None:
        """The engine's release front (µs) when it moved past the one stored: every event
        with an earlier origin time has been released. Once finished (the input complete,
        every event released), the latest detection time read: what comes after it is not
        known yet. A restarted worker's replay starts behind the front stored."""
        front = engine.released_to_s
        if front == -math.inf:
            return None
        at = self._max_time_us if front == math.inf else round(front * 1e6)
        return at if at > self._complete_us else None

    def _store(self, events: list[Any], front: int | None = None,
               provisional: Sequence[Any] = (), withdrawn: Sequence[str] = ()
               ) -> int:  # fmt: skip
        """Store the events released past the released watermark, the release ``front``
        when it moved, and the ``provisional`` events (located, not released yet), and
        withdraw those the engine has ``withdrawn`` (given early, then changed), in one
        transaction (a reader never sees the front past an event not yet stored, nor an
        event both provisional and released, nor a detection in two provisional events);
        returns how many events were released.
        A new engine's first step replaces every provisional event stored before: its
        replay locates again all that are not released, and may decide some otherwise
        (another event holding their detections).

        Events are released a pairing block at a time, in time order, so every event no
        later than the watermark was released before. A restarted worker (or one whose
        engine was rebuilt for a new registry) replays the lookback, and can decide those
        otherwise: its engine starts cold, with the clock corrections found since in
        force from the start. Its versions, with other picks and so other ids, were
        stored beside the first ones: after a restart with a clock minutes slow, 11 pairs
        of events shared a detection. Nor is an event before the release front stored
        (readers were told every event before it was): past the last event stored, a
        quiet stretch moves the front on, and a replay could decide an event there."""
        past = max(self._released_us + 1, self._complete_us)
        events = [e for e in events if to_micros(e.time) >= past]
        if not (events or front is not None or provisional or withdrawn or self._replaced):
            return 0
        features: list[dict[str, Any]] = []
        with self.store.write() as conn:
            if events:
                features = store_events(
                    conn, events, side_codes=self._side_codes, now_us=self.clock_us()
                )
                newest = max(to_micros(e.time) for e in events)
                self._released_us = max(self._released_us, newest)
            if front is not None:
                self._complete_us = front
            store_provisional(conn, provisional, side_codes=self._side_codes,
                              now_us=self.clock_us(), front_us=self._complete_us,
                              replace=self._replaced, withdrawn=withdrawn)  # fmt: skip
            self._save_progress(conn)
        self._replaced = False  # once committed: a failed step replaces them at the next
        if features and self.on_events is not None:
            self.on_events(features)
        return len(features)

    def _record_clocks(self, engine: FusionEngine) -> int:
        """Status spans for the sensors whose clock the checks found off or whose picks
        meet no event (``degraded``), or that read right again (``operational``), since
        the last step; returns how many."""
        at = engine.clocks_as_of
        if at is None:
            return 0
        spans = []
        onsets: dict[str, datetime] | None = None
        with self.store.read() as conn:
            for check in engine.clock_checks():
                v, sensor = check.verdict, check.sensor
                prior = self._clock_off.get(sensor)
                if v.status in ("offset", "inconsistent") and prior not in (v.status, "offset"):
                    self._clock_off[sensor] = v.status
                    if self._says_more(conn, sensor, v.status, prior, at):
                        onsets = _onsets(engine) if onsets is None else onsets
                        start = min(onsets.get(sensor, at), at)
                        reason = f"fusion clock check: {check.describe()}"
                        if start < at:
                            reason += f" (off since {format_time(start)}, its first evidence)"
                        spans.append(StatusSpan(sensor, "degraded", start, None, reason))
                elif v.status == "ok" and prior is not None:
                    del self._clock_off[sensor]
                    if status_at(conn, sensor, at) == "degraded":
                        reason = (f"fusion clock check: sensor {sensor}'s clock reads right "
                                  f"again ({v.offset * 1e3:+.1f} ms)")  # fmt: skip
                        spans.append(StatusSpan(sensor, "operational", at, None, reason))
        return self._record(spans, "fusion clock check")

    def _says_more(self, conn: Any, sensor: str, status: str, prior: str | None,
                   at: datetime) -> bool:  # fmt: skip
        """Whether a clock verdict of ``status`` is recorded for a sensor: where its
        status is not ``degraded`` yet, and, where it is, when the verdict says more than
        what made it so. A clock found off says how far, and that it is corrected, where
        lateness, stamps ahead of arrival or picks meeting no event (``prior``) flagged
        it; lateness or stamps ahead explain picks that meet no event."""
        if status_at(conn, sensor, at) != "degraded":
            return True
        flagged = sensor in self._late_flagged or sensor in self._ahead.flagged
        return status == "offset" and (flagged or prior == "inconsistent")

    def _record(self, spans: list[StatusSpan], source: str) -> int:
        """Record a step's status spans from ``source`` (none: nothing); how many are new."""
        if not spans:
            return 0
        return record_status(self.store, spans, source=source, now_us=self.clock_us())

    def _record_late(self, engine: FusionEngine) -> int:
        """Status spans for the sensors whose detections came too late for fusion, and for
        those whose detections come on time again (:meth:`_late_span`); returns how many.
        A clock more than the allowance slow, or a link that holds detections back, does
        it: the detections are not fused (a slow clock is found from them and corrected,
        :meth:`FusionEngine._too_late`), and silence is no calm."""
        if not engine.late_by:  # nothing came late: no status to read
            return 0
        at = self._watermark(True)
        with self.store.read() as conn:
            found = [self._late_span(conn, sensor, late, engine.taken_by.get(sensor, 0), at)
                     for sensor, late in engine.late_by.items()]  # fmt: skip
        spans = [span for span in found if span is not None]
        return self._record(spans, "fusion lateness")

    def _record_silent(self, engine: FusionEngine) -> int:
        """``non_operational`` for each sensor that sent nothing as blasts it should have
        heard were heard beyond it (:mod:`truceline.fusion.silence`), from its first such
        blast's arrival; ``operational`` once it hears one again. Nobody may have said it
        went down, and its coverage would have shown a working sensor over a quiet
        stretch. Not for a sensor stamping ahead (:meth:`_record_ahead`): it is sending,
        into the future. The sensors recorded so are read from the store at the first
        step, and cleared only once heard, so a restarted worker, whose engine starts
        cold, clears them too."""
        silent = {sensor: (since, missed) for sensor, since, missed in engine.silences()}
        spans = []
        with self.store.read() as conn:
            if self._silent is None:
                self._silent = _recorded_silent(conn)
            for sensor, (since, missed) in silent.items():
                # Stamping ahead, its detections wait in the future: it is sending.
                if sensor in self._silent or sensor in self._ahead.flagged:
                    continue
                self._silent.add(sensor)
                if status_at(conn, sensor, since) != "non_operational":
                    reason = (f"{SILENT_REASON.format(sensor=sensor)} {missed} blasts that "
                              "sensors beyond it heard, sending nothing around them: is it "
                              "down?")  # fmt: skip
                    spans.append(StatusSpan(sensor, "non_operational", since, None, reason))
            for sensor in sorted(self._silent - silent.keys()):
                at = engine.heard(sensor) if sensor in engine.net.index else None
                if at is None:  # not heard yet (a restarted worker's engine starts cold)
                    continue
                self._silent.discard(sensor)
                if status_at(conn, sensor, at) == "non_operational":
                    reason = f"fusion: sensor {sensor} hears blasts again"
                    spans.append(StatusSpan(sensor, "operational", at, None, reason))
        return self._record(spans, "fusion silence check")

    def _record_ahead(self) -> int:
        """Status spans for the sensors stamping their detections ahead of the worker's
        clock, and for those stamping in the past again (:mod:`.fusion_ahead`)."""
        with self.store.read() as conn:
            spans = self._ahead.spans(conn, from_micros(self.clock_us()))
        return self._record(spans, "fusion clock check")

    def _late_span(self, conn: Any, sensor: str, late: int, taken: int, at: datetime
                   ) -> StatusSpan | None:  # fmt: skip
        """``degraded`` once ``LATE_FLAG`` of a sensor's detections came too late since it
        was last answered for (``late`` and ``taken``: its detections dropped as late and
        taken so far), ``operational`` once ``LATE_FLAG`` came on time with none late
        since; a status already so is not recorded again (a restarted worker)."""
        flagged = self._late_flagged.get(sensor)
        if flagged is None:
            if late - self._late_base.get(sensor, 0) < LATE_FLAG:
                return None
            self._late_flagged[sensor] = (late, taken)
            if status_at(conn, sensor, at) == "degraded":
                return None
            reason = (f"fusion: {late} of sensor {sensor}'s detections came more than "
                      f"{self.lateness_us / 1e6:g} s behind the latest and were left out: "
                      "check its clock (slow?) and its link")  # fmt: skip
            return StatusSpan(sensor, "degraded", at, None, reason)
        if late > flagged[0]:
            self._late_flagged[sensor] = (late, taken)  # still late
            return None
        if taken - flagged[1] < LATE_FLAG:
            return None
        del self._late_flagged[sensor]
        self._late_base[sensor] = late
        if sensor in self._clock_off or status_at(conn, sensor, at) != "degraded":
            return None  # on time by a correction: the clock check says when it reads right
        reason = f"fusion: sensor {sensor}'s detections come on time again"
        return StatusSpan(sensor, "operational", at, None, reason)

    def _save_progress(self, conn: Any) -> None:
        p = tables.fusion_progress
        assert self._engine is not None
        values = {
            "watermark_us": self._released_us,
            "clocks": orjson.dumps(self._engine.clock_corrections()).decode(),
            "complete_us": self._complete_us or None,
        }
        if conn.execute(select(p.c.id)).first() is None:
            conn.execute(p.insert().values(id=1, **values))
        else:
            conn.execute(update(p).where(p.c.id == 1).values(**values))


SILENT_REASON = "fusion: sensor {sensor} heard none of the"  # how a silence span begins


def _recorded_silent(conn: Any) -> set[str]:
    """The sensors whose latest status span is a silence check's ``non_operational``."""
    t = tables.sensor_status
    rows = conn.execute(
        select(t.c.sensor_id, t.c.status, t.c.reason).order_by(t.c.recorded_us, t.c.seq)
    )
    latest = {r.sensor_id: r for r in rows}
    return {sensor for sensor, r in latest.items() if r.status == "non_operational"
            and str(r.reason).startswith(SILENT_REASON.format(sensor=sensor))}  # fmt: skip


def _onsets(engine: FusionEngine) -> dict[str, datetime]:
    """When each sensor's latest clock correction began by the evidence
    (:meth:`FusionEngine.clock_pieces`): a clock is found off minutes after it went, and
    the sensor was as degraded then."""
    return {engine.sensors[p.sensor].id: from_micros(round(p.since * 1e6))
            for p in engine.clock_pieces()}  # fmt: skip
