"""The streaming fusion engine: detections in, located and paired events out (pure).

The live service feeds batches as they arrive and asks for the events that can no longer
change; the offline ``truceline fuse`` feeds everything and calls :meth:`finish`. Both get
the same events, because every decision is made on a window of *detection time*, never on
a batch:

1. association runs on origin-time blocks ``[k B, (k+1) B)`` anchored at the Unix epoch,
   in four stages (:func:`~truceline.fusion.associate.search_strong`, ``search_middle``,
   ``search_low``, ``search_weak``): block ``k``'s strong stage runs once the watermark
   has passed the last arrival any of its events could have, ``(k+1) B + max_travel +
   2 s``, and each later stage after the stage before it of block ``k + 1``
   (``LOOKAHEAD``: the next block's better-heard events take their picks, which fill
   block ``k``'s pool, before block ``k``'s passes of fewer sensors, and its salvos have
   formed their areas before block ``k``'s halo test needs them); each stage sees exactly
   the picks of its time span that the stages before it left free;
2. pairing commits launches in blocks ``[j P, (j+1) P)``, each solved together with every
   event up to two maximum times of flight later (so a pair across a block boundary is
   judged with all its competitors; a salvo that starts in block ``j`` is committed whole);
   once block ``j`` is committed the events of that span cannot change any more and are
   released.

Each block's well-located events also check the clocks of the sensors around them
(:mod:`truceline.fusion.clocks`); a sensor whose clock is judged off has that offset
taken off its picks in the pools of the blocks whose strong stage follows (read every
``CLOCK_EVERY`` blocks, so fixed by the steps, never by the batches).

Picks older than the block being associated are dropped, and events once released, so
memory stays bounded by a few minutes of input. Detections that arrive after their block
was processed (a broken watermark promise) are counted in ``late`` and ignored; an engine
fed ``live`` holds them and places those that a later block's pool still spans in it
(``recovered``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from truceline.formats.records import Detection, Sensor, Weather
from truceline.fusion.associate import (
    KEY_SPAN_S,
    BlockSearch,
    Located,
    Members,
    neighbours,
    search_low,
    search_middle,
    search_strong,
    search_weak,
    set_foreign,
    shadow_rounds,
)
from truceline.fusion.clocks import (
    CHECK_SENSORS,
    FAR_S,
    REACH_S,
    BlockOffsets,
    Checked,
    ClockCheck,
    ClockWatch,
    Correction,
    Piece,
    block_offsets,
    gate,
)
from truceline.fusion.config import FusionConfig
from truceline.fusion.ellipse import error_ellipse
from truceline.fusion.event import Event, event_id
from truceline.fusion.labels import (
    PHASE_CODE,
    WEAPON_CODE,
    best_weapon,
    phase_from_llr,
    phase_llr,
    weapon_loglik,
)
from truceline.fusion.liveness import working
from truceline.fusion.network import Network, WeatherTable
from truceline.fusion.pairing import (
    PairingCosts,
    PairingInput,
    SalvoMemo,
    impact_groups,
    salvo_groups,
    salvo_phase_llr,
    solve_pairs_scored,
)
from truceline.fusion.partition import PickSet
from truceline.fusion.salvos import salvo_labels
from truceline.fusion.silence import SilenceWatch, blasts_at_sensors
from truceline.fusion.weapons import max_time_of_flight
from truceline.geo import F64, geodetic_to_ecef
from truceline.timefmt import from_micros, to_micros

if TYPE_CHECKING:
    from truceline.agreement.spatial import AgreementIndex

SideOf = Callable[[np.ndarray, np.ndarray], list[str | None]]
LineOf = Callable[[np.ndarray, np.ndarray], np.ndarray]
POOL_MARGIN_S = 2.0
POOL_MARGIN_US = round(POOL_MARGIN_S * 1e6)
FAR_US = round(FAR_S * 1e6)  # the farthest a clock is corrected (clocks.FAR_S), µs
NOWHERE = np.iinfo(np.int64).min  # FusionEngine._live_places: no place for the row
NO_FLOOR = np.iinfo(np.int64).min  # no pool taken yet (read for every detection)
LOOKAHEAD = True  # each stage of the next block before the following stage of this one
ORIGIN_SLACK_S = 1.0
FOREIGN = True  # a block's repeat-source search takes its neighbours' events as masters
SHADOWS = True  # salvo fits count the rounds a launch spot fired that no event holds
CLOCKS = True  # well-located events check the clocks of the sensors around them (.clocks)
CLOCK_FIX = True  # a sensor whose clock is judged off has its picks corrected from then on
CLOCK_EVERY = 5  # blocks between two readings of the clock checks for corrections
FOREIGN_S = 30.0  # how far outside the block's window such a master's origin may lie
# ``live``: a block's events of this many picks or more are given provisional as soon as
# its strong or middle stage finds them, 2–3 minutes before its weak stage; about 1 % of
# them change by then (13 of 916 on the 4-hour moderate input, 8 of 1,531 on hard 1–3:
# withdrawn, and their new form given: FusionEngine.withdrawn).
EARLY_PICKS = 10


def _in_block(f: Located, block_s: float) -> bool:
    """Whether an event a block's search found is the block's own: its origin (relative to
    the block's start) within the block, ``ORIGIN_SLACK_S`` either side; the others are
    its neighbours' to find."""
    return -ORIGIN_SLACK_S <= f.fix.origin < block_s + ORIGIN_SLACK_S


class _Reach(NamedTuple):
    """How far a block's pool reaches before and past its span on the raw clock (µs), and
    which of its rows are blind to its stages (:meth:`FusionEngine._reach`)."""

    back: int
    ahead: int
    blind: np.ndarray


@dataclass
class _Buffer:
    """Detections not yet behind the association front, sorted by (time, id)."""

    t_us: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sensor: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bearing: np.ndarray = field(default_factory=lambda: np.zeros(0))
    sigma_b: np.ndarray = field(default_factory=lambda: np.zeros(0))
    phase: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    weapon: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="<U64"))
    used: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    snr: np.ndarray = field(default_factory=lambda: np.zeros(0))  # dB; NaN: not given
    # The clock correction taken off a row's stamp to place it (µs; t_us + pre is the
    # stamp): nonzero only for a detection of a clock found slow that came behind the
    # floor on its own clock, or, live, of any clock corrected beyond the pools' margin
    # (FusionEngine._placed).
    pre: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    NAMES = ("t_us", "sensor", "bearing", "sigma_b", "phase", "weapon", "ids", "used", "snr",
             "pre")  # fmt: skip

    def stamps(self, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """Rows ``[lo, hi)``'s stamps on their sensors' own clocks (µs)."""
        return np.asarray(self.t_us[lo:hi] + self.pre[lo:hi])

    def __len__(self) -> int:
        return len(self.t_us)

    def extend(self, parts: list[_Buffer]) -> None:
        merged = {n: np.concatenate([getattr(self, n)] + [getattr(p, n) for p in parts])
                  for n in self.NAMES}  # fmt: skip
        order = np.lexsort((merged["ids"], merged["t_us"]))
        for n in self.NAMES:
            setattr(self, n, merged[n][order])

    def drop_before(self, t_us: int) -> list[str]:
        cut = int(np.searchsorted(self.t_us, t_us))
        gone: list[str] = self.ids[:cut].tolist()
        for n in self.NAMES:
            setattr(self, n, getattr(self, n)[cut:])
        return gone


_Row = tuple[int, int, float, float, int, int, str, float, int]  # a _Buffer row, column by column


def _rows_buffer(rows: list[_Row]) -> _Buffer:
    """Rows (:meth:`FusionEngine._row`) as a buffer part, sorted when merged."""
    cols = list(zip(*rows, strict=True))
    return _Buffer(
        np.array(cols[0], dtype=np.int64),
        np.array(cols[1], dtype=np.int64),
        np.array(cols[2], dtype=np.float64),
        np.array(cols[3], dtype=np.float64),
        np.array(cols[4], dtype=np.int64),
        np.array(cols[5], dtype=np.int64),
        np.array(cols[6], dtype="<U64"),
        np.zeros(len(rows), dtype=bool),
        np.array(cols[7], dtype=np.float64),
        np.array(cols[8], dtype=np.int64),
    )


@dataclass
class _Candidate:
    """An associated event waiting for its pairing to be settled."""

    event: Event
    origin: float
    ecef: F64
    llr: float
    wlog: F64
    n_weapon_labels: int
    partner: str | None = None
    role: str | None = None
    weapon: str | None = None
    salvo: str | None = None  # the salvo it belongs to (:mod:`truceline.fusion.salvos`)
    margin: float | None = None  # its pair's margin, nats (:mod:`.pair_margins`)
    line_m: float = math.nan  # distance to the contact line, m (NaN: not known)
    # The least margin each pairing block that chose a pair of this launch gave it, by
    # its impact's id, until one commits it (_pair_block_commit).
    seen: dict[str, float] = field(default_factory=dict)

    @property
    def side(self) -> str | None:
        return self.event.side


@dataclass(frozen=True, slots=True)
class _Shadow:
    """A round fired from a launch spot that no event holds (:mod:`.shadows`): the
    pairing counts it among its salvo's launches, at the spot's place, with the spot's
    events' mean labels, and never pairs it."""

    origin: float
    ecef: F64
    llr: float
    wlog: F64
    side: str | None
    line_m: float


class FusionEngine:
    """Fuse detections into events; identical events however the input is chunked.

    ``side_of(lats, lons)`` maps positions to side codes (``None`` outside every control
    area); without it every event's ``side`` is ``None``. ``line_of(lats, lons)`` gives
    their distances to the contact line (m, NaN unknown), for the pairing to ask whether
    a shot heads across the line (``FusionConfig.not_aimed_cost``); without it, it does
    not ask.

    ``live``: detections come as they arrive (the live worker), not in the order of their
    stamps. Each detection of a clock corrected more than ``POOL_MARGIN_S`` off is then
    placed at its corrected time as it comes (:meth:`_placed`, :meth:`_replace`), and no
    pool reaches past its span on the raw clock for it (:meth:`_reach_us`): in stamp
    order a clock minutes fast has its detections come that much after their blocks, and
    every block waits for them; as they arrive they come on time. Fed live without it,
    a clock corrected 150 s fast held every event back 150 s.
    """

    @classmethod
    def for_agreement(
        cls,
        sensors: Sequence[Sensor],
        weather: Sequence[Weather],
        index: AgreementIndex | None,
        config: FusionConfig = FusionConfig(),
        *,
        live: bool = False,
    ) -> FusionEngine:
        """The engine every caller with an agreement builds (``truceline fuse``, the live
        worker, the benchmarks): sides from its control areas and distances from its
        contact line, both from one index, so that no caller gives one without the other."""
        if index is None:
            return cls(sensors, weather, config=config, live=live)
        return cls(sensors, weather, side_of=index.side_at_many, config=config,
                   line_of=index.contact_line_distances, live=live)  # fmt: skip

    def __init__(
        self,
        sensors: Sequence[Sensor],
        weather: Sequence[Weather],
        side_of: SideOf | None = None,
        config: FusionConfig = FusionConfig(),
        line_of: LineOf | None = None,
        *,
        live: bool = False,
    ) -> None:
        self.config = config
        self.live = live
        self.sensors = list(sensors)
        self.net = Network(sensors)
        self.weather = WeatherTable(weather)
        self.side_of = side_of
        self.line_of = line_of
        self._tof = max_time_of_flight()
        margin = config.search_margin_m
        e, n = self.net.enu[:, 0], self.net.enu[:, 1]
        self._bounds = (e.min() - margin, e.max() + margin, n.min() - margin, n.max() + margin)
        self._buf = _Buffer()
        self._pending: list[_Buffer] = []
        self._seen: set[str] = set()
        self._step: int | None = None  # the next step of association (_run_step)
        self._searches: dict[int, BlockSearch | None] = {}
        self._last: tuple[int, BlockSearch] | None = None  # the last block finished
        self._floor_us = NO_FLOOR
        self._silenced = np.full(len(self.net), -np.inf)  # associate._silenced
        # The picks dropped from the buffer in the last ``alive_window_s`` or so: each
        # block's working sensors are judged on them (liveness.working).
        self._recent_t = np.zeros(0, dtype=np.int64)
        self._recent_s = np.zeros(0, dtype=np.int64)
        self._cands: list[_Candidate] = []
        # ``live``: the candidates made since the last call of provisional(); the events
        # of blocks not finished given early (_give_early): the ids per block, those not
        # given yet, and the ids given that went since the last call of withdrawn().
        self._fresh: list[_Candidate] = []
        self._early: dict[int, set[str]] = {}
        self._early_out: dict[str, Event] = {}
        self._withdrawn: list[str] = []
        self._shadows: list[_Shadow] = []
        self._pair_block: int | None = None
        # Origin time (Unix s) before which every event has been released: -inf before
        # any, +inf once finished (_pair_until).
        self.released_to_s = -math.inf
        self._costs = PairingCosts(config.unpaired_cost, config.same_side_cost,
                                   config.not_aimed_cost)  # fmt: skip
        self._salvo_memo = SalvoMemo()  # salvo fits seen by the pairing blocks before
        self._clocks = ClockWatch(len(self.net))
        self.silence = SilenceWatch(len(self.net))  # sensors silent as blasts near them are heard
        self._correction = Correction.none(len(self.net))  # taken off each sensor's picks
        self._applied: dict[int, Correction] = {}  # the corrections of each block's pool
        # How far each block's pool reaches back and ahead on the raw clock for a clock
        # seconds early or late (µs), and which of its rows lie outside its span once
        # corrected (blind to its stages): _reach.
        self._reaches: dict[int, _Reach] = {}
        # The clock reading due at a step, computed before the step runs (it says when
        # the step is ready) and put in force when it does (_upcoming).
        self._next_reading: tuple[int, Correction, np.ndarray] | None = None
        # Each sensor's corrections so far, each from when its fault began (the last one
        # refined as verdicts come): what a second pass puts in force (clock_schedule).
        self._pieces: dict[int, list[Piece]] = {}
        self._scheduled = False  # the corrections follow a schedule given (follow_schedule)
        self.late = 0
        # Per sensor id: detections taken, and those that came too late (behind a block
        # whose strong stage had run), for a live worker to say which sensor's data it
        # is losing (a clock minutes slow, or a link that delays it).
        self.taken_by: dict[str, int] = {}
        self.late_by: dict[str, int] = {}
        # Per sensor index: the floor (µs) when its last detection came too late. It is
        # sending, so the clock checks predict its arrivals (_senders) for the far search.
        self._late_at: dict[int, int] = {}
        # ``live``: the detections that came too late (with their sensor index and stamp,
        # µs), placed after all where a later block's pool spans their time, corrected
        # once their clock is found (_recover); ``recovered`` counts those, as ``late``
        # counted them.
        self._held: list[tuple[Detection, int, int]] = []
        self._given: set[str] = set()  # ids recovered, whose stamps the far search has
        self.recovered = 0
        self.inactive = 0
        self.duplicates = 0
        self.stats: dict[str, int] = {"unsearched": 0}

    # ------------------------------------------------------------------ input

    def add(self, detections: Sequence[Detection]) -> None:
        """Take a batch of detections (any order; ids already seen are ignored).

        Raises ``ValueError`` for a detection from a sensor that is not in the registry.
        """
        net = self.net
        rows: list[_Row] = []
        late: list[tuple[int, int]] = []
        for d in detections:
            if d.id in self._seen:
                self.duplicates += 1
                continue
            s = net.index.get(d.sensor)
            if s is None:
                raise ValueError(f"detection {d.id}: sensor {d.sensor!r} is not in the registry")
            t_us = to_micros(d.time)
            pre = 0 if t_us >= self._floor_us and not self.live else self._placed(s, t_us)
            if pre is None:
                self.late += 1
                self.late_by[d.sensor] = self.late_by.get(d.sensor, 0) + 1
                late.append((t_us, s))
                if self.live:
                    self._held.append((d, s, t_us))
                continue
            row = self._row(d, s, t_us, pre)
            if row is not None:
                rows.append(row)
        if late:
            self._too_late(late)
        if rows:
            self._pending.append(_rows_buffer(rows))

    def _row(self, d: Detection, s: int, t_us: int, pre: int) -> _Row | None:
        """The buffer row of detection ``d`` (sensor index ``s``, stamped ``t_us``),
        placed ``pre`` µs before its stamp; ``None`` outside its sensor's registered
        activity (counted in ``inactive``)."""
        net = self.net
        if not net.active_from[s] <= t_us <= net.active_to[s]:
            self.inactive += 1
            return None
        self._seen.add(d.id)
        self.taken_by[d.sensor] = self.taken_by.get(d.sensor, 0) + 1
        bearing = math.nan
        if d.bearing_deg is not None and net.is_array[s]:
            bearing = math.radians(d.bearing_deg)
        sb = math.radians(d.bearing_sigma_deg) if d.bearing_sigma_deg else net.sigma_b[s]
        snr = math.nan if d.snr_db is None else d.snr_db
        return (t_us - pre, s, bearing, sb, PHASE_CODE[d.phase], WEAPON_CODE[d.weapon], d.id,
                snr, pre)  # fmt: skip

    def _placed(self, s: int, t_us: int) -> int | None:
        """The correction (µs) taken off sensor ``s``'s stamp ``t_us`` to place its
        detection: 0 at its stamp; ``None`` when it is late.

        Behind the floor on its own clock, a detection is placed at its corrected time
        when that lies past the floor (and so past every pool in progress). A clock found
        minutes slow stamps every detection that much early, and a live worker hands
        them over, as they arrive, behind the floor: without this its detections were
        never fused, though its clock was corrected. Placed at its corrected time, the
        row enters no pool already searched (their rows keep their places); its pools
        take its stamp less the correction in force then, as for any row. ``live``,
        every detection of a clock corrected beyond ``POOL_MARGIN_S`` is placed so."""
        late = round(float(self._correction.at(s, t_us / 1e6)) * 1e6)
        if self.live and abs(late) > POOL_MARGIN_US:
            return late if t_us - late >= self._floor_us else None
        if t_us >= self._floor_us:
            return 0
        if late >= 0 or t_us - late < self._floor_us:
            return None
        return late

    def _live_places(self, sensor: np.ndarray, stamps: np.ndarray, lo_us: int) -> np.ndarray:
        """``live``, at a block's strong stage (its span from ``lo_us`` to the floor): where
        rows of ``sensor`` stamped ``stamps`` (µs) go for the corrections in force. At their
        corrected time (their stamp, for a clock corrected within ``POOL_MARGIN_S``) when
        that is past the floor; when it falls inside the block's span, at the floor's last
        microsecond, which is in the block's pool and in no pool in progress (their pools
        take their stamps less the correction, as for any row); ``NOWHERE`` before it."""
        floor = self._floor_us
        late = np.round(self._correction.at(sensor, stamps / 1e6) * 1e6).astype(np.int64)
        t_us = stamps - np.where(np.abs(late) > POOL_MARGIN_US, late, 0)
        return np.where(t_us >= floor, t_us, np.where(t_us >= lo_us, floor - 1, NOWHERE))

    def _replace(self, lo_us: int) -> None:
        """``live``, once new corrections are in force at a block's strong stage (its
        span from ``lo_us``): the rows past the floor (in no pool yet) placed anew for
        them (:meth:`_live_places`; a row that would go before the span keeps its place).
        A clock's detections that came before its correction lie at their stamps, minutes
        ahead if it runs fast. Left there, the detections of the block's span were lost: 14
        of the busiest sensor's, against 18 for an engine in stamp order, with a clock
        150 s fast found live."""
        buf = self._buf
        cut = int(np.searchsorted(buf.t_us, self._floor_us))
        if cut == len(buf):
            return
        stamps = buf.stamps(cut)
        placed = self._live_places(buf.sensor[cut:], stamps, lo_us)
        t_us = np.where(placed == NOWHERE, buf.t_us[cut:], placed)
        if np.array_equal(t_us, buf.t_us[cut:]):
            return
        order = np.lexsort((buf.ids[cut:], t_us))
        tail = {"t_us": t_us, "pre": stamps - t_us}
        for n in buf.NAMES:
            a = getattr(buf, n)
            setattr(buf, n, np.concatenate([a[:cut], tail.get(n, a[cut:])[order]]))

    def _recover(self, lo_us: int) -> None:
        """``live``, at a block's strong stage (its span from ``lo_us``): the detections
        that came too late placed after all where :meth:`_live_places` finds them a place
        (counted in ``recovered``). A clock minutes slow stamps every detection that much
        early, and each came too late until its clock was found; a link that held a
        detection back less than a pool's span lets it in here. Those that can no longer
        be (their stamps more than ``FAR_S``, the farthest a clock is corrected, before the
        span) are let go."""
        held = [h for h in self._held if h[2] + FAR_US >= lo_us and h[0].id not in self._seen]
        self._held = []
        if not held:
            return
        sensor = np.array([s for _, s, _ in held], dtype=np.int64)
        stamps = np.array([t for _, _, t in held], dtype=np.int64)
        rows: list[_Row] = []
        for (d, s, t_us), at in zip(held, self._live_places(sensor, stamps, lo_us).tolist(),
                                    strict=True):  # fmt: skip
            if at == NOWHERE:
                self._held.append((d, s, t_us))
            elif (row := self._row(d, s, t_us, t_us - at)) is not None:
                rows.append(row)
                self.recovered += 1
                if CLOCKS:
                    self._given.add(d.id)
        if rows:
            self._buf.extend([_rows_buffer(rows)])

    def _too_late(self, late: list[tuple[int, int]]) -> None:
        """Keep what detections too late for fusion still tell: that their sensors are
        sending (their arrivals are predicted for the clock checks, :meth:`_senders`) and
        when on their own clocks (picks for the far search): a clock minutes slow is
        found from them and corrected, and its detections are kept from then on
        (:meth:`_placed`). Without them it was found only offline."""
        if not CLOCKS:
            return
        t, s = np.array(late, dtype=np.int64).T
        self._clocks.add_picks(t / 1e6, s)
        for i in s.tolist():
            self._late_at[i] = self._floor_us

    # ------------------------------------------------------------------ output

    def ready(self, watermark: datetime) -> list[Event]:
        """Events that can no longer change, given that every detection with a time up to
        ``watermark`` has been added. Each event is returned once."""
        return self._advance(to_micros(watermark) / 1e6, final=False)

    def finish(self) -> list[Event]:
        """Every remaining event (the input is complete)."""
        return self._advance(math.inf, final=True)

    def provisional(self) -> list[Event]:
        """``live``: the events located since the last call and not released yet, in
        time order, each once: their pairs not settled, so no ``paired_with`` or salvo
        label, and the phase and weapon the labels and the geometry give alone.

        A blast's event is released some 13 minutes after it, once its pairs are
        settled (two longest times of flight past its pairing block); it is located
        some 6–7 minutes after it, once its block's weak stage has run, or some 4
        minutes after it when ``EARLY_PICKS`` sensors or more heard it (its block's
        strong or middle stage found it). Its released form keeps the id (ids derive
        from the detections), the detections, the place, the time and the ellipse;
        pairing may then set its phase and weapon otherwise. One given early that the
        block's later stages change (a pick added, or taken by another event) is
        withdrawn (:meth:`withdrawn`) and its new form given. Not ``live``, always empty
        (nothing would take them)."""
        pending = {id(c) for c in self._cands}
        out = [self._unpaired(c) for c in self._fresh if id(c) in pending]
        out += self._early_out.values()
        self._fresh, self._early_out = [], {}
        return sorted(out, key=lambda e: (e.time, e.id))

    def withdrawn(self) -> list[str]:
        """``live``: the ids of the events :meth:`provisional` gave that will not be
        released, since the last call: a block's later stages changed what its strong
        or middle stage had found. Their new forms, if any, are given as provisional."""
        out, self._withdrawn = self._withdrawn, []
        return out

    @property
    def accepts_from(self) -> datetime | None:
        """Detections earlier than this would be late (``None`` before any processing)."""
        if self._floor_us == NO_FLOOR:
            return None
        return from_micros(int(self._floor_us))

    # ------------------------------------------------------------------ association

    def _advance(self, watermark: float, *, final: bool) -> list[Event]:
        if self._pending:
            self._buf.extend(self._pending)
            self._pending = []
        b, lag = self.config.block_s, self.config.max_travel_s + POOL_MARGIN_S
        while (j := self._next_step()) is not None:
            ahead = self._reach_us(self._upcoming(j).every_at(j * b))
            if not final and (j + 1) * b + lag + ahead / 1e6 > watermark:
                break  # block j's pool is not complete yet
            self._run_step(j)
        return self._pair_until(math.inf if final else self._assoc_done(watermark))

    def _next_step(self) -> int | None:
        """The next step (see :meth:`_run_step`), or ``None`` when nothing is left. Empty
        stretches of time are skipped: with no block holding picks in progress, the next
        step is the first block whose pool holds the earliest pick left."""
        if any(s is not None for s in self._searches.values()):
            return self._step
        self._searches.clear()
        if not len(self._buf):
            return None
        first = self._first_block(int(self._buf.t_us[0]))
        return first if self._step is None else max(self._step, first)

    def _first_block(self, t_us: int) -> int:
        """The first block whose pool holds a detection at ``t_us``: a pool reaches ahead
        as far as the latest clock in force is late (:meth:`_reach`)."""
        b, lag = self.config.block_s, self.config.max_travel_s + POOL_MARGIN_S
        t_us -= self._reach_us(self._correction.every_at(t_us / 1e6))
        return math.ceil((t_us / 1e6 - lag) / b) - 1

    def _reading_due(self, j: int) -> bool:
        """Whether step j reads the clock checks for corrections: every ``CLOCK_EVERY``
        blocks, where block j's pool holds picks, unless the corrections follow a
        schedule."""
        if not (CLOCKS and CLOCK_FIX) or self._scheduled or j % CLOCK_EVERY:
            return False
        lo, hi, _, _ = self._pool_rows(j, 0, 0)
        return hi > lo

    def _upcoming(self, j: int) -> Correction:
        """The corrections step j will run with: the reading due at it
        (:meth:`_reading`, on the clock checks as they stand), else those in force. It is
        computed before the step is known to be ready (its corrections say how far block
        j's pool reaches ahead, :meth:`_reach`, and so when the step is) and put in
        force only when the step runs (:meth:`_search_strong`); a step run before it (a
        detection earlier than the buffer's first, in a later batch) sees the
        corrections in force, and the reading is taken again after it. So the steps, and
        the events, are the same however the input is chunked."""
        if not self._reading_due(j):
            return self._correction
        if self._next_reading is None or self._next_reading[0] != j:
            self._next_reading = (j, *self._reading())
        return self._next_reading[1]

    def _reach_us(self, late: F64) -> int:
        """How far past a span a pool reaches on the raw clock for the latest of ``late``
        (each sensor's correction, s): a clock more than ``POOL_MARGIN_S`` late has the
        picks of the span's last seconds after it. Given ``-late``, how far before the
        span it reaches for the earliest clock. ``live``, not at all: such a clock's
        detections are placed at their corrected times (:meth:`_placed`)."""
        if self.live:
            return 0
        return round(max(0.0, float(late.max(initial=0.0)) - POOL_MARGIN_S) * 1e6)

    def _run_step(self, j: int) -> None:
        """Step ``j``: block ``j``'s strong stage, then block ``j − 1``'s middle stage, block
        ``j − 2``'s low one and block ``j − 3``'s weak one (all four on block ``j`` without
        ``LOOKAHEAD``). Each stage of a block thus runs after the stage before it of the
        next block, so the next block's better-heard events have taken their picks, which
        fill this block's pool, first. The order is fixed by the step, never by the
        batches: the same events however the input is chunked."""
        d = 1 if LOOKAHEAD else 0
        self._search_strong(j)
        self._search_middle(j - d)
        self._search_low(j - 2 * d)
        k = j - 3 * d
        self._search_weak(k)
        self._step = j + 1
        self._next_reading = None  # the clock checks moved on: a reading is taken anew
        b = self.config.block_s
        floor = round(((k + 1) * b - POOL_MARGIN_S) * 1e6)
        keep = round(floor - (self.config.alive_window_s + 2 * b) * 1e6)
        # The pools still in progress may reach back before it (_reach).
        floor -= max((r.back for r in self._reaches.values()), default=0)
        cut = int(np.searchsorted(self._buf.t_us, floor))
        if CLOCKS:  # the picks fusion is done with, for the far clock search
            new = np.ones(cut, dtype=bool)
            if self._given:  # recovered: the search had them when they came late
                new = ~np.isin(self._buf.ids[:cut], list(self._given))
                self._given.difference_update(self._buf.ids[:cut][~new].tolist())
            self._clocks.add_picks(self._buf.stamps(0, cut)[new] / 1e6,
                                   self._buf.sensor[:cut][new])  # fmt: skip
        t = np.concatenate([self._recent_t, self._buf.t_us[:cut]])
        s = np.concatenate([self._recent_s, self._buf.sensor[:cut]])
        first = int(np.searchsorted(t, keep))
        self._recent_t, self._recent_s = t[first:], s[first:]
        for gone in self._buf.drop_before(floor):
            self._seen.discard(gone)

    def _assoc_done(self, watermark: float) -> float:
        """Origin time before which every event is known: blocks before the first whose
        weak stage has not run are done, and so are empty blocks up to the first that
        the buffer's earliest pick, or a detection still to come (at the watermark or
        later), could reach."""
        if self._step is None:
            return -math.inf
        b = self.config.block_s
        first = self._step - (3 if LOOKAHEAD else 0)
        if not any(s is not None for s in self._searches.values()):
            reach = self._first_block(round(watermark * 1e6))
            if len(self._buf):
                reach = min(reach, self._first_block(int(self._buf.t_us[0])))
            first = max(first, reach)
        return first * b - ORIGIN_SLACK_S

    def _pool_rows(self, k: int, back: int | None = None, ahead: int | None = None
                   ) -> tuple[int, int, int, int]:  # fmt: skip
        """Buffer rows ``[lo, hi)`` of block k's pool and the start and end of its span
        (µs); the rows reach back ``back`` µs before the span's start and ``ahead`` µs
        past its end (by default, as far as block k's strong stage reached: :meth:`_reach`)."""
        cfg = self.config
        b = cfg.block_s
        lo_us = round((k * b - POOL_MARGIN_S) * 1e6)
        hi_us = round(((k + 1) * b + cfg.max_travel_s + POOL_MARGIN_S) * 1e6)
        reach = self._reaches.get(k)
        if back is None:
            back = reach.back if reach is not None else 0
        if ahead is None:
            ahead = reach.ahead if reach is not None else 0
        lo, hi = np.searchsorted(self._buf.t_us, [lo_us - back, hi_us + ahead])
        return int(lo), int(hi), lo_us, hi_us

    def _reach(self, k: int, lo: int, hi: int, lo_us: int, hi_us: int) -> tuple[int, int]:
        """The rows of block k's pool, reaching back before its span and ahead past it:
        a clock corrected more than ``POOL_MARGIN_S`` early has picks of the span on its
        raw clock before it (29 s early, a block lost the arrivals of its first 27 s),
        one corrected late has them after it (a clock 272 s late had none of its picks
        in any pool, found and corrected though it was). The other sensors' picks there,
        and the corrected clock's own that lie outside the span once corrected, are
        blind to the block's stages (:meth:`_used`)."""
        late = self._correction.every_at(k * self.config.block_s)
        back, ahead = self._reach_us(-late), self._reach_us(late)
        if back == 0 and ahead == 0:
            return lo, hi
        first, last, _, _ = self._pool_rows(k, back, ahead)
        buf = self._buf

        def corrected(a: int, z: int) -> F64:
            t = buf.stamps(a, z) / 1e6
            return np.asarray(t - self._correction.at(buf.sensor[a:z], t))

        blind = np.concatenate([corrected(first, lo) < lo_us / 1e6,
                                np.zeros(hi - lo, dtype=bool),
                                corrected(hi, last) >= hi_us / 1e6])  # fmt: skip
        self._reaches[k] = _Reach(back, ahead, blind)
        return first, last

    def _used(self, k: int, lo: int, hi: int) -> np.ndarray:
        """Block k's pool rows' ``used`` flags, its blind rows taken (:meth:`_reach`)."""
        used = self._buf.used[lo:hi].copy()
        if k in self._reaches:
            used |= self._reaches[k].blind
        return used

    def _put_used(self, k: int, lo: int, hi: int, used: np.ndarray) -> None:
        """Write block k's pool rows' ``used`` flags back, its blind rows left as they were."""
        if k in self._reaches:
            used = np.where(self._reaches[k].blind, self._buf.used[lo:hi], used)
        self._buf.used[lo:hi] = used

    def _search_strong(self, k: int) -> None:
        """Block k's strong stage; from now on a detection in its pool would be late: in
        its span, or past it as far as the pool reaches ahead for a clock corrected late.
        The watermark promised none would come there, but live a clock minutes slow, or
        a link that holds detections back, breaks the promise; a row put in a pool in
        progress shifts its rows, and the engine had crashed on it."""
        cfg, buf = self.config, self._buf
        ref = k * cfg.block_s
        lo, hi, lo_us, hi_us = self._pool_rows(k)
        self._floor_us = max(self._floor_us, hi_us)
        if hi - lo == 0:
            self._searches[k] = None
            return
        if self._reading_due(k):
            self._put_reading(k)
            if self.live:
                self._replace(lo_us)
        if self.live:
            self._recover(lo_us)
            lo, hi, _, _ = self._pool_rows(k)
        if CLOCKS:
            self._applied[k] = self._correction  # taken back by the block's weak stage
        in_pool = np.zeros(len(self.net), dtype=bool)
        in_pool[buf.sensor[lo:hi]] = True
        start = lo  # the span's first row: liveness is judged on the rows before it
        lo, hi = self._reach(k, lo, hi, lo_us, hi_us)
        if k in self._reaches:  # the rows as far as its pool reaches ahead are its own now
            self._floor_us = max(self._floor_us, hi_us + self._reaches[k].ahead)
        t = (buf.stamps(lo, hi) - round(ref * 1e6)) / 1e6
        pool = PickSet(
            t - self._correction.at(buf.sensor[lo:hi], ref + t),
            buf.sensor[lo:hi],
            buf.bearing[lo:hi],
            buf.sigma_b[lo:hi],
            snr=buf.snr[lo:hi],
        )
        alive = working(
            np.concatenate([self._recent_t, buf.t_us[:start]]),
            np.concatenate([self._recent_s, buf.sensor[:start]]), len(self.net), in_pool,
            ref_us=round(ref * 1e6), lo_us=lo_us, hi_us=hi_us,
            window_s=cfg.alive_window_s, silence_p=cfg.silence_p,
            registered=(self.net.active_from <= lo_us) & (self.net.active_to >= hi_us),
        )  # fmt: skip
        used = self._used(k, lo, hi)
        self._searches[k] = search_strong(
            pool, used, self.net, self.weather, cfg, ref=ref, window=(0.0, cfg.block_s),
            bounds=self._bounds, alive=alive, foreign=self._foreign(k), silenced=self._silenced,
        )  # fmt: skip
        self._put_used(k, lo, hi, used)
        if self.live:
            self._give_early(k)

    def _run_stage(self, k: int, stage: Callable[[BlockSearch, np.ndarray], None]) -> None:
        """Run a middle or low ``stage`` of block k on its pool's ``used`` rows (updated)."""
        search = self._searches.get(k)
        if search is None:
            return
        lo, hi, _, _ = self._pool_rows(k)
        used = self._used(k, lo, hi)
        set_foreign(search, self._foreign(k))
        stage(search, used)
        self._put_used(k, lo, hi, used)

    def _search_middle(self, k: int) -> None:
        """Block k's middle stage (after block k + 1's strong one), its walks knowing the
        salvo areas of blocks k − 1 and k + 1 so far."""
        self._run_stage(k, lambda search, used: search_middle(search, used, self._nearby(k)))
        if self.live:
            self._give_early(k)

    def _search_low(self, k: int) -> None:
        """Block k's low stage (after block k + 1's middle one), its halo test knowing the
        salvo areas of blocks k − 1 and k + 1 so far."""
        self._run_stage(k, lambda search, used: search_low(search, used, self._nearby(k)))

    def _nearby(self, k: int) -> Members:
        """The events found so far in blocks k − 1 and k + 1, in block k's time frame
        (their salvo areas count in block k's halo test)."""
        return neighbours(self._neighbours(k))

    def _neighbours(self, k: int) -> list[tuple[BlockSearch, float]]:
        """The searches of blocks k − 1 (finished or not) and k + 1 that exist, each with
        its reference time minus block k's."""
        b = self.config.block_s
        before = self._searches.get(k - 1)
        if before is None and self._last is not None and self._last[0] == k - 1:
            before = self._last[1]
        found = [(before, -b), (self._searches.get(k + 1), b)]
        return [(s, shift) for s, shift in found if s is not None]

    def _foreign(self, k: int) -> list[tuple[Located, float]]:
        """The events found so far in blocks k − 1 and k + 1 whose origin lies within
        ``FOREIGN_S`` of block k's window, each with the shift into its time frame:
        masters for its repeat-source search (:func:`truceline.fusion.associate.set_foreign`),
        so a salvo fired across the edge is followed from the rounds found on the other
        side. Fixed by the steps (which stages of the neighbours have run), never by the
        batches."""
        if not FOREIGN:
            return []
        b = self.config.block_s
        return [(e, shift) for search, shift in self._neighbours(k) for e in search.found
                if -FOREIGN_S <= e.fix.origin + shift < b + FOREIGN_S]  # fmt: skip

    def _search_weak(self, k: int) -> None:
        """Block k's weak stage (after block k + 1's low one); its events become
        pairing candidates."""
        search = self._searches.pop(k, None)
        if search is None:
            return
        b = self.config.block_s
        lo, hi, _, _ = self._pool_rows(k)
        used = self._used(k, lo, hi)
        set_foreign(search, self._foreign(k))
        found = search_weak(search, used, self.stats, self._nearby(k))
        keep = []
        for f in found:
            if _in_block(f, b):
                keep.append(f)
            else:
                used[f.picks] = False
        self._put_used(k, lo, hi, used)
        self._reaches.pop(k, None)
        search.found = keep  # what block k + 1's stages see of it (_nearby)
        self._last = (k, search)
        if CLOCKS:
            self._check_clocks(search, keep, k)
        made = self._make_candidates(keep, k * b, lo) if keep else []
        if self.live:
            self._fresh += self._settle_early(k, made)
        if keep and SHADOWS:
            self._add_shadows(search, keep, made, k * b)

    def _give_early(self, k: int) -> None:
        """``live``: give block k's events found so far of ``EARLY_PICKS`` picks or more
        (with an origin its weak stage keeps) not given yet, and withdraw those given
        before that are no longer found: no detection is in two events given."""
        search = self._searches.get(k)
        if search is None:
            return
        b = self.config.block_s
        lo = self._pool_rows(k)[0]
        found = {self._event_id(f, lo): f for f in search.found
                 if len(f.picks) >= EARLY_PICKS and _in_block(f, b)}  # fmt: skip
        given = self._early.get(k, set())
        self._withdraw(given - found.keys())
        new = [f for i, f in found.items() if i not in given]  # only these are built
        for c in self._candidates(new, k * b, lo):
            self._early_out[c.event.id] = self._unpaired(c)
        self._early[k] = set(found)

    def _settle_early(self, k: int, made: list[_Candidate]) -> list[_Candidate]:
        """``live``: block k's weak stage made its candidates (``made``): withdraw the
        events given early that are not among them; returns those still to be given
        (an event given early and not taken yet is given as a candidate, so that one
        released meanwhile is not given)."""
        given = self._early.pop(k, set())
        self._withdraw(given - {c.event.id for c in made})
        out = []
        for c in made:  # one given early and still held back is given as its candidate
            if c.event.id not in given or self._early_out.pop(c.event.id, None) is not None:
                out.append(c)
        return out

    def _withdraw(self, ids: set[str]) -> None:
        """Withdraw events given early: those not taken yet are simply not given."""
        for i in sorted(ids):
            if self._early_out.pop(i, None) is None:
                self._withdrawn.append(i)

    def _check_clocks(self, search: BlockSearch, events: list[Located], k: int) -> None:
        """Block k's well-located events' offsets at the sensors around them
        (:func:`.clocks.block_offsets`), into the clock watch, as offsets of the raw
        clocks (the pool's times had the block's corrections taken off)."""
        applied = self._applied.pop(k, Correction.none(len(self.net)))
        events = [e for e in events if len(e.picks) >= CHECK_SENSORS]
        if not events:
            return
        ctx = search.ctx
        picks = np.concatenate([e.picks for e in events])
        fx = [e.fix for e in events]
        checked = Checked(
            np.array([f.lat for f in fx]), np.array([f.lon for f in fx]),
            np.array([f.height for f in fx]), np.array([f.origin for f in fx]),
            np.array([f.cov for f in fx]), np.array([e.weather.temperature_c for e in events]),
            np.array([e.weather.wind_u_ms for e in events]),
            np.array([e.weather.wind_v_ms for e in events]), ctx.pool.sensor[picks],
            ctx.pool.t[picks], np.concatenate([[0], np.cumsum([len(e.picks) for e in events])]),
        )  # fmt: skip
        ref = k * self.config.block_s
        got = block_offsets(checked, self.net.ecef, self.net.sigma_t,
                            self._senders(ctx.alive, ref), ctx.keys, KEY_SPAN_S)  # fmt: skip
        t = ref + got.at  # the picks' times, not the events': 300 ppm is 9 ms over 30 s
        was = applied.at(got.sensor, t)
        raw = got.offset + was
        # A block in flight when a clock was found seconds off measured its offsets within
        # REACH_S of the wrong times: chance ones, which undid moderate 9's correction
        # as inconsistent 5 minutes on (the earlier ones are forgotten at the jump).
        now = np.abs(was - self._correction.at(got.sensor, t)) <= REACH_S
        self._clocks.add(t[now], got.sensor[now], raw[now])
        self._clocks.add_expected(ref + got.expected, got.unheld)
        self._watch_silence(got, ctx.keys, ctx.pool.sensor, ref, checked.origin)

    def _watch_silence(self, got: BlockOffsets, keys: F64, pool_sensor: np.ndarray,
                       ref: float, origin: F64) -> None:  # fmt: skip
        """Block ``ref``'s well-located events' hits and misses at every sensor
        (:mod:`.silence`): a miss is a registered sensor, not known to send late, that
        sent nothing in the pool (``pool_sensor``; ``keys`` its picks as
        ``sensor · KEY_SPAN_S + t``) though sensors beyond it held the blast."""
        n_ev, n_s = got.dist.shape
        q = np.tile(np.arange(n_s), n_ev) * KEY_SPAN_S + got.arrival.ravel()
        near = np.searchsorted(keys, q + REACH_S, side="right") > np.searchsorted(keys, q - REACH_S)
        heard = near.reshape(n_ev, n_s)
        sent = np.bincount(pool_sensor, minlength=n_s)
        ref_us = round(ref * 1e6)
        listening = (self.net.active_from <= ref_us) & (self.net.active_to >= ref_us)
        listening[self._late_near(ref)] = False
        blasts = blasts_at_sensors(got.dist, got.held, heard, sent, listening)
        self.silence.add(ref + origin, ref + got.arrival, blasts)

    def _late_near(self, ref: float) -> list[int]:
        """The sensors whose detections came too late within ``alive_window_s`` of block
        ``ref``: they are sending (:meth:`_too_late`), whatever their pools hold."""
        since = round((ref - self.config.alive_window_s) * 1e6)
        return [i for i, at in self._late_at.items() if at >= since]

    def _senders(self, alive: np.ndarray, ref: float) -> np.ndarray:
        """The sensors whose arrivals block ``ref``'s events predict for the clock checks:
        its working ones, and those whose detections came too late for fusion within
        ``alive_window_s`` of it (:meth:`_too_late`; association counts them as down, as
        it has none of their picks)."""
        late = self._late_near(ref)
        if not late:
            return alive
        out = alive.copy()
        out[late] = True
        return out

    def _put_reading(self, k: int) -> None:
        """Put the clock reading due at step k (:meth:`_upcoming`) in force, noted for a
        second pass (:meth:`_note_pieces`)."""
        fresh = self._upcoming(k)
        assert self._next_reading is not None
        judged = self._next_reading[2]
        # A correction that jumps seconds (a clock found far off, or such a correction
        # undone): the offsets measured before were measured around the wrong times.
        carried = self._correction.every_at(fresh.now)
        jumped = np.nonzero(np.abs(fresh.offset - carried) > REACH_S)[0]
        self._note_pieces(fresh, judged, self._pieces)
        if len(jumped):
            self._clocks.forget(jumped, fresh.now)
        self._correction = fresh

    def _reading(self) -> tuple[Correction, np.ndarray]:
        """Each sensor's clock correction now: the offset (and drift) of a clock judged off
        (:meth:`.clocks.ClockWatch.verdicts`, measured from the corrections in force);
        the one in force, carried on, for a clock with too few offsets to say (a
        quiet hour is no sign that it reads right); none for every other. And which
        sensors were judged (all but those with too few offsets)."""
        verdicts = self._clocks.verdicts(self.net.sigma_t, self._correction)
        off = np.array([v.status == "offset" for v in verdicts], dtype=bool)
        few = np.array([v.status == "few" for v in verdicts], dtype=bool)
        latest = self._clocks.latest
        now = latest if math.isfinite(latest) else 0.0
        carried = self._correction.every_at(now)
        offset = np.where(off, [v.offset for v in verdicts], np.where(few, carried, 0.0))
        drift = np.where(off, [v.drift for v in verdicts],
                         np.where(few, self._correction.drift, 0.0))  # fmt: skip
        return Correction(offset, drift, now), off | ~few

    def _note_pieces(self, fresh: Correction, judged: np.ndarray,
                     into: dict[int, list[Piece]]) -> None:  # fmt: skip
        """Keep each sensor's corrections for a second pass (:meth:`clock_schedule`): one
        that moves beyond the sensor's gate from the last starts a piece, from when the
        window's evidence says its clock began to read so (:meth:`.ClockWatch.onset`;
        the verdict comes minutes after), in place of any from then on; one within it,
        judged anew, refines the last."""
        now = fresh.now
        g, late = gate(self.net.sigma_t), fresh.every_at(now)
        for i in np.nonzero(judged)[0].tolist():
            pieces = into.setdefault(i, [])
            last = pieces[-1] if pieces else Piece(i, -math.inf, 0.0, 0.0, now)
            new = Piece(i, last.since, float(fresh.offset[i]), float(fresh.drift[i]), now)
            if abs(late[i] - last.at(now)) <= g[i]:
                if pieces:
                    pieces[-1] = new
                continue
            since = self._clocks.onset(last, new, g[i])
            new = new._replace(since=now if since is None else min(since, now))
            # The evidence says the clock read so from ``since`` on: pieces from then on
            # were wrong (a correction undone for a while, then found again).
            while pieces and pieces[-1].since >= new.since:
                pieces.pop()
            pieces.append(new)

    def clock_pieces(self) -> list[Piece]:
        """Every clock correction this engine made, and those the checks call for now
        (a clock found off in the last minutes, too late for this pass), each from when
        its fault began by the evidence (:meth:`.ClockWatch.onset`), in time order."""
        pieces = {i: list(ps) for i, ps in self._pieces.items()}
        if CLOCKS and CLOCK_FIX and not self._scheduled and math.isfinite(self._clocks.latest):
            self._note_pieces(*self._reading(), pieces)
        return sorted((p for ps in pieces.values() for p in ps), key=lambda p: p.since)

    def clock_schedule(self, pieces: list[Piece] | None = None) -> Correction | None:
        """``pieces`` (by default :meth:`clock_pieces`) as one schedule (``None``: no
        correction made): for a second pass over the same input (:meth:`follow_schedule`),
        which gives back what a fault cost in the minutes before it was found."""
        pieces = self.clock_pieces() if pieces is None else pieces
        return Correction.schedule(len(self.net), pieces) if pieces else None

    def follow_schedule(self, schedule: Correction) -> None:
        """Take each sensor's clock as ``schedule`` says (:meth:`clock_schedule`) instead of
        judging it anew (before any input). The clock checks still run, on it."""
        self._correction = schedule
        self._scheduled = True

    @property
    def clocks_as_of(self) -> datetime | None:
        """The latest pick time the clock checks have seen (``None``: none yet)."""
        latest = self._clocks.latest
        return None if not math.isfinite(latest) else from_micros(round(latest * 1e6))

    def clock_corrections(self) -> dict[str, object]:
        """The clock corrections in force, to carry over to a later engine
        (:meth:`restore_clock_corrections`): ``now`` (Unix s) and, for each corrected
        sensor, its offset then (s) and drift (s/s). A restarted live worker replays only
        minutes, too few for a verdict; without them a clock followed past ``REACH_S``
        would never be found again."""
        c = self._correction
        fixed = np.nonzero((c.offset != 0.0) | (c.drift != 0.0))[0]
        return {"now": c.now, "sensors": {self.sensors[i].id: [float(c.offset[i]),
                                                               float(c.drift[i])]
                                          for i in fixed.tolist()}}  # fmt: skip

    def restore_clock_corrections(self, saved: Mapping[str, object]) -> None:
        """Put in force the corrections :meth:`clock_corrections` gave (before any input:
        sensors no longer registered are left out). They hold until the checks judge
        their clocks anew."""
        now, by_sensor = saved.get("now"), saved.get("sensors")
        if not isinstance(now, int | float) or not isinstance(by_sensor, Mapping):
            raise ValueError("clock corrections: expected 'now' and 'sensors'")
        offset, drift = np.zeros(len(self.net)), np.zeros(len(self.net))
        for sensor, value in by_sensor.items():
            i = self.net.index.get(sensor)
            if i is not None:
                offset[i], drift[i] = (float(x) for x in value)
        self._correction = Correction(offset, drift, float(now))

    def silences(self) -> list[tuple[str, datetime, int]]:
        """The sensors silent as blasts they should have heard were heard beyond them
        (:mod:`.silence`): each id, when its run of misses began (the first missed
        arrival) and how many such blasts it missed."""
        w = self.silence
        return [(self.sensors[i].id, from_micros(round(float(w.since[i]) * 1e6)), int(w.run[i]))
                for i in w.silent().tolist()]  # fmt: skip

    def heard(self, sensor: str) -> datetime | None:
        """When a blast ``sensor`` heard last reached it (:mod:`.silence`; ``None``: not
        yet)."""
        t = float(self.silence.heard[self.net.index[sensor]])
        return None if math.isnan(t) else from_micros(round(t * 1e6))

    def clock_checks(self) -> list[ClockCheck]:
        """Every sensor's clock as the well-located events of the last hour of fused
        event time saw it (:mod:`truceline.fusion.clocks`), with the correction in force,
        in registry order."""
        verdicts = self._clocks.verdicts(self.net.sigma_t, self._correction)
        latest = self._clocks.latest
        c = self._correction
        now = c.every_at(latest if math.isfinite(latest) else c.now)
        return [ClockCheck(s.id, s.timing_sigma_ms, v, float(now[i]), float(c.drift[i]))
                for i, (s, v) in enumerate(zip(self.sensors, verdicts, strict=True))]  # fmt: skip

    def _add_shadows(self, search: BlockSearch, keep: list[Located], made: list[_Candidate],
                     ref: float) -> None:  # fmt: skip
        """The block's shadow rounds (:func:`.associate.shadow_rounds`), from spots whose
        events' labels say launch on the whole."""
        for members, times in shadow_rounds(search, keep):
            spot = [made[m] for m in members.tolist()]
            llr = float(np.mean([c.llr for c in spot]))
            if llr <= 0.0:
                continue
            wlog = np.mean([c.wlog for c in spot], axis=0)
            best = spot[0]  # the spot's best-heard event
            self._shadows += [_Shadow(ref + t, best.ecef, llr, wlog, best.side, best.line_m)
                              for t in times.tolist()]  # fmt: skip

    def _make_candidates(self, found: list[Located], ref: float, offset: int
                         ) -> list[_Candidate]:  # fmt: skip
        """Pairing candidates of a block's events (``found``, origins relative to ``ref``,
        picks relative to the buffer row ``offset``), added and returned."""
        made = self._candidates(found, ref, offset)
        self._cands += made
        return made

    def _detection_ids(self, f: Located, offset: int) -> tuple[str, ...]:
        """The ids of ``f``'s detections, sorted (picks relative to the buffer row
        ``offset``): what its event's id derives from."""
        return tuple(sorted(self._buf.ids[f.picks + offset].tolist()))  # str, as held

    def _event_id(self, f: Located, offset: int) -> str:
        """The id :meth:`_candidates` gives ``f``'s event, without building it."""
        return event_id(self._detection_ids(f, offset))

    def _candidates(self, found: list[Located], ref: float, offset: int
                    ) -> list[_Candidate]:  # fmt: skip
        """The pairing candidates :meth:`_make_candidates` makes of ``found``, not added."""
        cfg, buf = self.config, self._buf
        made: list[_Candidate] = []
        lats = np.array([f.fix.lat for f in found])
        lons = np.array([f.fix.lon for f in found])
        sides: list[str | None] = (
            list(self.side_of(lats, lons)) if self.side_of else [None] * len(found)
        )
        line_m = self.line_of(lats, lons) if self.line_of else np.full(len(found), np.nan)
        for f, side, to_line in zip(found, sides, line_m.tolist(), strict=True):
            rows = f.picks + offset
            ids = self._detection_ids(f, offset)
            sensors = np.unique(buf.sensor[rows])
            fix = f.fix
            scale = max(1.0, fix.chi2 / fix.dof) if fix.dof > 0 else 1.0
            cov = fix.cov * scale
            ell = error_ellipse(cov[:2, :2])
            origin = ref + fix.origin
            wcodes = buf.weapon[rows]
            event = Event(
                id=event_id(ids),
                time=from_micros(round(origin * 1e6)),
                lat=fix.lat,
                lon=fix.lon,
                height_m=fix.height,
                phase="unknown",
                weapon="unknown",
                detections=ids,
                n_sensors=len(sensors),
                semi_major_m=ell.semi_major_m,
                semi_minor_m=ell.semi_minor_m,
                azimuth_deg=ell.azimuth_deg,
                side=side,
                paired_with=None,
                rms_residual_ms=float(np.sqrt(np.mean(fix.res_t**2)) * 1e3),
                n_bearings=int(f.uses_bearing.sum()),
                chi2=fix.chi2,
                dof=fix.dof,
                covariance=tuple(tuple(float(v) for v in row) for row in cov),
            )
            made.append(
                _Candidate(
                    event,
                    origin,
                    geodetic_to_ecef(fix.lat, fix.lon, fix.height),
                    phase_llr(buf.phase[rows], cfg.label_accuracy),
                    weapon_loglik(wcodes, cfg.label_accuracy),
                    int(np.sum(wcodes < len(WEAPON_CODE) - 1)),
                    line_m=to_line,
                )
            )
        return made

    # ------------------------------------------------------------------ pairing

    def _pair_until(self, assoc_done: float) -> list[Event]:
        p = self.config.pair_block_s
        out: list[Event] = []
        while self._cands:
            self._cands.sort(key=lambda c: (c.origin, c.event.id))
            first = self._cands[0].origin
            j = math.floor(first / p)
            if self._pair_block is not None:
                j = max(j, self._pair_block)
            if (j + 1) * p + 2.0 * self._tof > assoc_done:
                self._pair_block = j
                break
            self._pair_block_commit(j)
            self._pair_block = j + 1
            end = (j + 1) * p
            done = [c for c in self._cands if c.origin < end]
            self._cands = [c for c in self._cands if c.origin >= end]
            self._shadows = [h for h in self._shadows if h.origin >= end]
            out.extend(self._final(c) for c in done)
        # Every event before the first block left uncommitted (and its first candidate) has
        # been released; with none left, every event associated so far.
        front = math.inf
        if self._cands and self._pair_block is not None:
            front = min(self._pair_block * p, self._cands[0].origin)
        self.released_to_s = max(self.released_to_s, min(front, assoc_done))
        return out

    def _pair_block_commit(self, j: int) -> None:
        p = self.config.pair_block_s
        lo, hi = j * p, (j + 1) * p + 2.0 * self._tof
        group = [c for c in self._cands if lo <= c.origin < hi and c.partner is None]
        if len(group) < 2:
            return
        n = len(group)
        rows: list[_Candidate | _Shadow] = [*group]
        rows += [h for h in self._shadows if lo <= h.origin < hi]
        inp = PairingInput(
            origin=np.array([r.origin - lo for r in rows]),
            ecef=np.array([r.ecef for r in rows]),
            phase_llr=np.array([r.llr for r in rows]),
            weapon_loglik=np.array([r.wlog for r in rows]),
            side=[r.side for r in rows],
            line_m=np.array([r.line_m for r in rows]),
            shadow=np.arange(len(rows)) >= n if len(rows) > n else None,
        )
        # A salvo that starts in this block is committed whole, even past its end.
        salvo = salvo_groups(inp)
        area = impact_groups(inp, salvo)
        end = (j + 1) * p
        early = {int(g) for g, c in zip(salvo[:n], group, strict=True) if c.origin < end} - {-1}
        applied: list[tuple[int, int]] = []
        for a, bb, weapon, margin in solve_pairs_scored(inp, self._costs, salvo, self._salvo_memo,
                                                         area):  # fmt: skip
            launch, impact = group[a], group[bb]
            # A pair is no surer than any block that chose it found it: a later block
            # no longer holds the pairs committed before it, nor their alternatives.
            margin = min(margin, launch.seen.get(impact.event.id, math.inf))
            if launch.origin >= end and int(salvo[a]) not in early:
                launch.seen[impact.event.id] = margin
                continue
            launch.partner, impact.partner = impact.event.id, launch.event.id
            launch.role, impact.role = "launch", "impact"
            launch.weapon = impact.weapon = weapon
            launch.margin = impact.margin = margin
            launch.seen = {}
            applied.append((a, bb))
        llr = salvo_phase_llr(inp, salvo, area)
        for a, c in enumerate(group):
            if c.partner is None and llr[a] != c.llr:
                # A round of a salvo's spot or impact area left unpaired: its phase from
                # its labels and the salvo together, as the pairing took it. By its labels
                # alone a launch could read as an impact carrying the salvo's id, whose
                # side the rules would then take from the salvo's launch.
                c.role = phase_from_llr(float(llr[a]))
        prior = [c.salvo for c in group]
        if not early and not any(prior):  # no salvo in play: every label stays None
            return
        labels = salvo_labels([c.event.id for c in group], inp.origin[:n], salvo[:n],
                              area[:n], applied, early, prior)  # fmt: skip
        for c, label in zip(group, labels, strict=True):
            c.salvo = label

    def _unpaired(self, c: _Candidate) -> Event:
        """Candidate ``c``'s event before pairing (:meth:`provisional`): the phase and
        weapon the labels and the geometry give alone."""
        return replace(c.event, phase=phase_from_llr(c.llr),
                       weapon=best_weapon(c.wlog, c.n_weapon_labels))  # fmt: skip

    def _final(self, c: _Candidate) -> Event:
        """Candidate ``c``'s event as released: its pairing's phase, weapon, pair and salvo
        where the pairing set them, else those of :meth:`_unpaired`."""
        base = self._unpaired(c)
        return replace(base, phase=c.role or base.phase, weapon=c.weapon or base.weapon,
                       paired_with=c.partner, salvo=c.salvo, pair_margin=c.margin)  # fmt: skip
