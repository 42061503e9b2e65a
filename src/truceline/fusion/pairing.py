"""Launch–impact pairing as one consistent assignment (pure, numpy/scipy).

Each event may be the launch of at most one shot or the impact of at most one shot, never
both, and a pair's launch comes first. That is a matching on a general graph (an event is
not a priori a launch or an impact), which we solve with ``linear_sum_assignment`` on the
*bipartite double cover*: a symmetric cost matrix with ``M[a, b] = M[b, a]`` the cost of
pairing ``a`` and ``b`` and ``M[a, a] = 2 u`` the cost of leaving ``a`` unpaired. An optimal
permutation of a symmetric matrix is the optimum of the fractional matching relaxation; it
splits into 2-cycles (pairs), fixed points (unpaired) and, rarely, longer cycles, which are
cut into the cheapest alternating matching along the cycle (Edmonds' half-integrality
result; e.g. Schrijver, *Combinatorial Optimization*, 2003, §30).

The cost of a pair is a negative log-likelihood:

- time of flight: for each weapon class whose range band holds the distance, ``z`` is the
  position of ``ln Δt`` in the class's band of ``ln`` time of flight for that range
  (:mod:`truceline.fusion.weapons`; ``z = ±1`` at its edges) and costs ``z² / 2``: flat
  enough to accept any plausible time, convex so that a salvo's rounds pair in order;
- the Jacobians that make it a density in space and time: the band is a density over
  ``ln Δt`` (the elevation is unknown, not the time), so the density over ``Δt`` carries
  ``1 / Δt``; and a range drawn from the class's band in a direction across the line
  spreads the impact over an area growing with ``R``, so the density at the impact carries
  ``1 / R``. Both cost ``ln(Δt / T₀) + ln(R / R₀)`` (``T₀ = 40 s``, ``R₀ = 15 km``: only
  shift the balance with ``unpaired``). Without them a launch took any plausible impact,
  however far: on perfectly associated simulated blasts they raised single-shot pairing
  from 0.68–0.85 to 0.81–0.90 (moderate load, seeds 4–6);
- weapon: ``−ln(P(class | a's labels) P(class | b's labels) / P(class))`` (flat prior over
  the labels), labels right with probability ``q`` and otherwise spread over the other
  labels. That is the weapon part of the likelihood ratio of "one shot made both
  events" against "each came from a shot of its own", so labels that disagree cost what
  they say against the pair. It was ``−ln P(class | both events' labels)``, the class
  posterior given the two label sets together, which normalised the disagreement away:
  a mortar-labelled launch with an MLRS-labelled impact cost ``ln 2`` as either class.
  Over the 26 scenarios of seeds 1–13 this took pairing from 0.729–0.882 to
  0.854–0.945 on the hard load and from 0.774–0.956 to 0.811–1.000 on the moderate one;
- phase: ``−ln P(a is a launch) − ln P(b is an impact)`` from the phase labels' log-odds,
  those of a salvo's launch spot raised by ``SALVO_LAUNCH_LLR`` and those of its impact
  area lowered by ``IMPACT_AREA_LLR`` (:func:`salvo_phase_llr`);
- side: ``same_side_cost`` when both lie in the same side's control area (fire crosses
  the line more often than not; only used when an agreement gives sides). 1.5 is the
  log-odds of 18 % of shots landing on their own side: between this project's simulator
  (8 %, for which 3 was tuned) and the independent generator (29 %, shots aimed across
  that fall short), where 3 paired cross-line pairs wrongly (docs/fusion.md);
- aim: ``not_aimed`` when the shot does not head across the contact line, that is when
  it comes nearer the other side by less than ``AIM_COS`` of its range (from each
  event's distance to the line, ``line_m``; only where both events' sides and distances
  are known). Both generators the engine is measured on aim about 91 % of their shots
  within 60° of straight across, whatever the share that falls short; 2.0 (docs/fusion.md).

Salvos are paired as a group. The rounds of one launcher's salvo leave one spot seconds
apart and fly nearly the same time (same charge, range and weather), so the most likely
assignment of a salvo's launches to its impacts keeps their order; the band term is far
too flat to say so (0.5 s in 60 s moves ``z`` by 0.01) and the per-pair weapon term would
scramble the order. Launches within ``SALVO_LINK_M`` and ``SALVO_GAP_S`` of one another
(chained), ``SALVO_MIN`` or more, form a group; the band term of the group's launches is
replaced by Huber's cost of ``z = (Δt − T sqrt(R / R̄)) / σ`` (:func:`round_cost`),
feasible within ``SALVO_ZMAX`` σ: the time of flight grows with the range of each round,
and ``T`` and ``σ`` are fitted to the salvo (see :func:`_salvo_fit`). The cost is convex,
so the optimum keeps the order.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.special import logsumexp

from truceline.fusion.linked import linked_groups
from truceline.fusion.pair_margins import BIG, pair_margins
from truceline.fusion.weapons import ENVELOPES, LABELS
from truceline.geo import F64

I64 = NDArray[np.int64]

AIM_COS = 0.5  # a shot heads across when it nears the other side by this share of its range
TOF_SCALE_S = 40.0
RANGE_SCALE_M = 15_000.0
EDGE_TOL = 0.1
SALVO_LINK_M = 100.0
IMPACT_LINK_M = 600.0
SALVO_LINK_S = 3.0
SALVO_MIN = 5
SALVO_GAP_S = 10.0  # a salvo's events at one spot chain across gaps up to this long
SHADOW_ISOLATED = 4.0  # a shadow round this many cadences from every other round is none
SALVO_BY_SPOT = True  # a salvo's launches are grouped by spot, their labels summed
SALVO_LAUNCH_LLR = 3.0  # log-odds that an event of a salvo's launch spot is a launch
IMPACT_AREA_LLR = 3.0  # log-odds that an event of a salvo's impact area is an impact
SALVO_SIGMA_S = 1.0
ALIGNMENT_CAP = 8.0  # nats: a salvo's other alignments costing more are not costed
SALVO_SIGMAS_S = (1.0, 0.5, 0.25, 0.12, 0.06)
SALVO_HUBER = 1.5  # z beyond which a round's cost grows linearly
SALVO_ZMAX = 6.0  # the farthest a round's pair may lie from the salvo's fit, in σ
# ln of the normalising constant of exp(−round_cost) (the Gaussian's is ½ ln 2π): the
# pair costs leave it out, so round_stay takes it off.
SALVO_CONST = math.log(math.sqrt(2.0 * math.pi) * math.erf(SALVO_HUBER / math.sqrt(2.0))
                       + 2.0 * math.exp(-0.5 * SALVO_HUBER**2) / SALVO_HUBER)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PairingInput:
    """Candidate events for one assignment; row ``i`` is one event.

    ``phase_llr`` is the log-odds launch-versus-impact from the labels; ``weapon_loglik``
    has one column per :data:`LABELS` entry.
    """

    origin: F64
    ecef: F64
    phase_llr: F64
    weapon_loglik: F64
    side: Sequence[str | None]
    line_m: F64 | None = None  # each event's distance to the contact line, NaN unknown
    shadow: np.ndarray | None = None  # rows that are shadow rounds (:mod:`.shadows`)


@dataclass(frozen=True, slots=True)
class PairingCosts:
    unpaired: float = 3.0
    same_side: float = 1.5
    not_aimed: float = 0.0


def _log_sigmoid(x: F64) -> F64:
    return np.asarray(-np.logaddexp(0.0, -x), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class _Terms:
    """The pairwise quantities every cost term needs, computed once per assignment:
    ``dt[a, b]`` and ``dist[a, b]`` from ``a`` to ``b``, and ``extra[a, b]``, the phase and
    side terms of ``a`` as the launch and ``b`` as the impact."""

    dt: F64
    dist: F64
    extra: F64


def _terms(inp: PairingInput, costs: PairingCosts, llr: F64 | None = None) -> _Terms:
    """The pairwise terms of ``inp``; the phase term from ``llr`` (default: the labels'
    log-odds, ``inp.phase_llr``; :func:`salvo_phase_llr` adds what a salvo says)."""
    llr = inp.phase_llr if llr is None else llr
    phase = -_log_sigmoid(llr)[:, None] - _log_sigmoid(-llr)[None, :]
    side = np.array([s if s is not None else "" for s in inp.side], dtype=object)
    same = (side[:, None] == side[None, :]) & (side[:, None] != "")
    dist = np.linalg.norm(inp.ecef[:, None, :] - inp.ecef[None, :, :], axis=2)
    extra = phase + np.where(same, costs.same_side, 0.0)
    if costs.not_aimed and inp.line_m is not None:
        extra = extra + np.where(_aimed(side, same, inp.line_m, dist), 0.0, costs.not_aimed)
    return _Terms(dt=inp.origin[None, :] - inp.origin[:, None], dist=dist, extra=extra)


def _aimed(side: np.ndarray, same: np.ndarray, line_m: F64, dist: F64) -> np.ndarray:
    """Whether the shot from ``a`` (row) to ``b`` (column) heads across the line: it
    comes nearer the other side by at least ``AIM_COS`` of its range, so within 60° of
    straight across where the line is straight. True where a side or a distance is
    unknown (no term then)."""
    known = (side != "") & np.isfinite(line_m)
    # b's distance counted positive on a's side and negative beyond the line
    ahead = line_m[:, None] - np.where(same, line_m[None, :], -line_m[None, :])
    ok = ahead >= AIM_COS * np.maximum(dist, 1.0)
    return np.asarray(ok | ~(known[:, None] & known[None, :]))


def _reach() -> tuple[float, float, float]:
    """The least and greatest range and the longest time of flight that some envelope's
    test in :func:`_pair_costs` lets a pair have (``|z| ≤ 1 + EDGE_TOL`` in log time:
    up to ``hi · (hi / lo)^(EDGE_TOL / 2)``, longest at the greatest range), the last
    widened a little against rounding: pairs beyond them are not scored."""
    longest = 0.0
    for e in ENVELOPES:
        lo, hi = (float(v[0]) for v in e.tof_band(np.array([e.range_m[1] * 1.05])))
        longest = max(longest, hi * (hi / lo) ** (EDGE_TOL / 2))
    near = min(e.range_m[0] for e in ENVELOPES) * 0.9
    return near, max(e.range_m[1] for e in ENVELOPES) * 1.05, longest * 1.001


_REACH = _reach()


def _pair_costs(inp: PairingInput, t: _Terms) -> tuple[F64, np.ndarray]:
    """Cost of launch ``a`` (row) with impact ``b`` (column), ``BIG`` if implausible, and
    the weapon class (index into :data:`LABELS`) that explains the pair best.

    Only the pairs some envelope could hold are scored (the impact after the launch,
    within the longest time of flight, at a range some class reaches: ``_REACH``); the
    rest of a pairing block's matrix is ``BIG`` as their tests would make it, and the
    values scored are the same, each pair's cost depending on its own terms only."""
    n = len(t.dt)
    best = np.full((n, n), BIG)
    cls = np.full((n, n), -1, dtype=np.int64)
    near, far, longest = _REACH
    a, b = np.nonzero((t.dt > 0) & (t.dt <= longest) & (t.dist >= near) & (t.dist <= far))
    dt, dist = t.dt[a, b], t.dist[a, b]
    # ln(P(c | a's labels) P(c | b's labels) / P(c)): how much more likely both label
    # sets are if one class made both than if each came from its own (flat prior).
    own = inp.weapon_loglik - logsumexp(inp.weapon_loglik, axis=1, keepdims=True)
    pb = np.full(len(dt), BIG)
    pc = np.full(len(dt), -1, dtype=np.int64)
    log_dt = np.log(np.maximum(dt, 1e-3))
    jacobian = log_dt - np.log(TOF_SCALE_S) + np.log(np.maximum(dist, 100.0) / RANGE_SCALE_M)
    for env in ENVELOPES:
        k = LABELS.index(env.name)
        lo, hi = env.tof_band(np.maximum(dist, 1.0))
        mid, half = 0.5 * (np.log(lo) + np.log(hi)), 0.5 * (np.log(hi) - np.log(lo))
        z = (log_dt - mid) / half
        ok = np.abs(z) <= 1.0 + EDGE_TOL  # the reach has taken dt > 0 (and so a ≠ b)
        ok &= (dist >= env.range_m[0] * 0.9) & (dist <= env.range_m[1] * 1.05)
        c = np.where(ok, 0.5 * z * z - (own[a, k] + own[b, k] + math.log(len(LABELS))), BIG)
        better = c < pb
        pb = np.where(better, c, pb)
        pc = np.where(better, k, pc)
    best[a, b] = np.where(pb < BIG, pb + jacobian + t.extra[a, b], BIG)
    cls[a, b] = pc
    return best, cls


def _cut_cycle(cycle: list[int], sym: F64, unpaired: float) -> list[tuple[int, int]]:
    """Cheapest set of consecutive pairs along a cycle of length ≥ 3."""
    n = len(cycle)
    best: tuple[float, list[tuple[int, int]]] = (np.inf, [])
    for start in range(n if n % 2 else 2):
        order = cycle[start:] + cycle[:start]
        pairs = [(order[i], order[i + 1]) for i in range(0, n - 1, 2)]
        cost = sum(sym[a, b] for a, b in pairs) + (unpaired if n % 2 else 0.0)
        if cost < best[0] and all(sym[a, b] < BIG for a, b in pairs):
            best = (cost, pairs)
    return best[1]


def salvo_groups(inp: PairingInput) -> np.ndarray:
    """Group id of each likely launch that belongs to a salvo (−1: none).

    Events are linked when within ``SALVO_LINK_M`` metres and ``SALVO_GAP_S`` seconds;
    connected groups of ``SALVO_MIN`` or more whose labels, summed, say launch (positive
    log-odds) are salvos. The launches of a salvo that sensors hear weakly are found a
    few at a time: on the independent moderate scenario 21, 12 of 40, with one gap of
    3.5 s, and linked within ``SALVO_LINK_S`` (3 s) they made two groups of five and
    six, each fitted a time of flight of its own, 12 s apart. A launcher does not fire
    a second salvo within seconds of its first, so ``SALVO_GAP_S`` spans gaps of many
    rounds unheard. Shadow rounds (``inp.shadow``) link like events, but a group of
    shadow rounds alone is none, and one standing alone in a group is no round of it
    (:func:`_isolated_shadows`).
    """
    if not SALVO_BY_SPOT:
        return _chains(inp, inp.phase_llr > 0, SALVO_LINK_M)
    group = _chains(inp, np.ones(len(inp.origin), dtype=bool), SALVO_LINK_M, SALVO_GAP_S)
    member = group >= 0
    if member.any():
        llr = np.bincount(group[member], weights=inp.phase_llr[member])
        group[member & (llr[np.maximum(group, 0)] <= 0.0)] = -1
    if inp.shadow is not None and (group >= 0).any():
        # Shadow rounds only fill out a salvo that has events of its own here: those of
        # a salvo committed in an earlier block would fit an impact area by themselves.
        real = np.bincount(group[(group >= 0) & ~inp.shadow], minlength=group.max() + 1)
        group[(group >= 0) & (real[np.maximum(group, 0)] == 0)] = -1
        group[_isolated_shadows(inp.origin, group, inp.shadow)] = -1
    return group


def _isolated_shadows(origin: F64, group: I64, shadow: np.ndarray) -> np.ndarray:
    """The shadow rounds farther than ``SHADOW_ISOLATED`` cadences from every other round of
    their salvo (found or shadow): a launcher fires its rounds at a steady cadence, and
    a pulse standing alone seconds past the others is two sensors' picks agreeing by
    chance, not a round.

    One such pulse 5.5 s after a 40-round salvo heard whole (independent hard 54) made
    the salvo span 53 rounds by its cadence, so each launch left unpaired cost
    :func:`round_stay` 1.4 nats instead of 4.9, and a fit shifted a round, a little
    tighter, won: all 40 pairs wrong. The rounds a weakly heard salvo leaves unheard come
    one cadence apart, each beside another found or shadow round, and stay (the cadence:
    :func:`_cadence`).
    """
    out = np.zeros(len(origin), dtype=bool)
    for g in np.unique(group[group >= 0]).tolist():
        rows = np.flatnonzero(group == g)
        rows = rows[np.argsort(origin[rows], kind="stable")]
        if not shadow[rows].any() or len(rows) < 3:
            continue
        gaps = np.diff(origin[rows])
        before = np.concatenate([[np.inf], gaps])
        after = np.concatenate([gaps, [np.inf]])
        alone = np.minimum(before, after) > SHADOW_ISOLATED * _cadence(origin[rows])
        out[rows[alone & shadow[rows]]] = True
    return out


def salvo_phase_llr(inp: PairingInput, group: np.ndarray, area: np.ndarray | None = None) -> F64:
    """Each event's log-odds of being a launch rather than an impact, as the pair costs
    take it: its labels', plus ``SALVO_LAUNCH_LLR`` for the events of a salvo's launch
    spot (``group``, :func:`salvo_groups`) and less ``IMPACT_AREA_LLR`` for those of a
    salvo's impact area (``area``: :func:`impact_groups` given ``group``, computed when
    not given).

    Five or more events at one spot, seconds apart, whose labels say launch taken
    together, are a launcher's rounds: an impact landing within ``SALVO_LINK_M`` of a
    launcher while it fires is rare; and an event among a salvo's impacts as they land
    is one of them. One round's own labels, a handful of picks each right with
    probability ``q``, still say the other phase now and then, and its pair then cost
    the salvo's true alignment what its labels said against it. On the independent hard
    scenario 74 the first round of a salvo heard whole at both ends (40 launches, 40
    impacts) had labels at −2.1 (impact): pairing it cost the true alignment 2.3 nats,
    and the alignment shifted a round, which chance residuals made 1.1 nats tighter,
    won: 38 pairs wrong. Its labels still count, so a round whose labels say the other
    phase strongly stays costly to pair as this one. 3 (about ln 20): one in twenty such
    events of the other phase.
    """
    llr = inp.phase_llr + np.where(group >= 0, SALVO_LAUNCH_LLR, 0.0)
    area = impact_groups(inp, group) if area is None else area
    llr = llr - np.where(area >= 0, IMPACT_AREA_LLR, 0.0)
    return np.asarray(llr, dtype=np.float64)


def impact_groups(inp: PairingInput, group: np.ndarray | None = None) -> np.ndarray:
    """Group id of each likely impact that belongs to a salvo's impact area (−1: none).

    Like :func:`salvo_groups` for impact-labelled events, linked within
    ``IMPACT_LINK_M``: a salvo's rounds land a few hundred metres apart. With the launch
    groups ``group`` (:func:`salvo_groups`), an event of no launch spot within
    ``IMPACT_LINK_M`` and ``SALVO_LINK_S`` of an area's member joins the area of its
    nearest one in time, whatever its labels say: a round landing among a salvo's
    impacts is one of them, and one whose picks' labels leaned to launch was left out of
    its salvo's time-of-flight fit (a salvo missing its last impact so, in 11 of 40
    simulated salvos, paired a round off).
    """
    area = _chains(inp, inp.phase_llr < 0, IMPACT_LINK_M)
    if group is None:
        return area
    member, other = np.flatnonzero(area >= 0), np.flatnonzero((area < 0) & (group < 0))
    if len(member) and len(other):
        near, dt = _near(inp, other, member, IMPACT_LINK_M, SALVO_LINK_S)
        joins = near.any(axis=1)
        nearest = np.argmin(np.where(near, dt, np.inf), axis=1)
        area[other[joins]] = area[member[nearest[joins]]]
    return area


def _chains(inp: PairingInput, which: np.ndarray, link_m: float,
            link_s: float = SALVO_LINK_S) -> np.ndarray:  # fmt: skip
    n = len(inp.origin)
    group = np.full(n, -1, dtype=np.int64)
    cand = np.flatnonzero(which)
    if len(cand) < SALVO_MIN:
        return group
    group[cand] = linked_groups(_near(inp, cand, cand, link_m, link_s)[0], SALVO_MIN)
    return group


def _near(inp: PairingInput, a: I64, b: I64, link_m: float, link_s: float
          ) -> tuple[np.ndarray, F64]:  # fmt: skip
    """Which of events ``b`` lie within ``link_m`` and ``link_s`` of each of events ``a``,
    and their time apart (``a`` × ``b``)."""
    d = np.linalg.norm(inp.ecef[a, None, :] - inp.ecef[None, b, :], axis=2)
    dt = np.abs(inp.origin[a, None] - inp.origin[None, b])
    return (d <= link_m) & (dt <= link_s), dt


def _group_tof(dt: F64, sigma: float) -> float | None:
    """The salvo's common time of flight: the densest ``±sigma`` window of the Δt of its
    launches to every later event (a 1-D search; ``None`` without enough support)."""
    v = np.sort(dt[(dt > 0) & np.isfinite(dt)])
    if len(v) < SALVO_MIN:
        return None
    hi = np.searchsorted(v, v + 2.0 * sigma, side="right")
    best = int(np.argmax(hi - np.arange(len(v))))
    if hi[best] - best < SALVO_MIN:
        return None
    return float(np.median(v[best : hi[best]]))


def _match_cost(cost: F64, stay: float | F64) -> tuple[float, np.ndarray, np.ndarray]:
    """Cheapest matching of rows to columns when a row may stay unmatched at cost ``stay``
    (one value, or one per row); returns (total, rows, columns) of the matched pairs.

    A row with no pair below ``BIG`` stays unmatched in every cheapest matching, and a
    column no row reaches is never matched: the assignment is solved without them (the
    salvo scan's matchings are mostly such rows and columns). The total adds every row's
    cost in row order, as the whole assignment's would."""
    n = cost.shape[0]
    reach = cost < BIG
    rows, cols = np.flatnonzero(reach.any(axis=1)), np.flatnonzero(reach.any(axis=0))
    sub = cost[np.ix_(rows, cols)]
    m = len(rows)
    aug = np.full((m, len(cols) + m), BIG)
    aug[:, : len(cols)] = sub
    each = np.broadcast_to(np.asarray(stay, dtype=np.float64), (n,))
    aug[np.arange(m), len(cols) + np.arange(m)] = each[rows]
    r, k = linear_sum_assignment(aug)
    value = each.copy()
    value[rows[r]] = aug[r, k]
    real = (k < len(cols)) & (aug[r, k] < BIG)
    return float(value.sum()), rows[r[real]], cols[k[real]]


@dataclass(frozen=True, slots=True)
class _SalvoFit:
    """A salvo's time of flight ``tof`` at range ``ref``, its spread σ, the cost of the
    matching it was chosen by and what a launch left unpaired cost in it (``stay``);
    ``shifted`` is the cost of the best fit at least half a cadence from ``tof`` (the
    rounds aligned otherwise: :func:`_scan_salvo`), ``inf`` if none is in the scan."""

    tof: float
    ref: float
    sigma: float
    cost: float
    stay: float
    shifted: float = math.inf

    @property
    def alignment_margin(self) -> float:
        """How many nats the best other alignment of the salvo's rounds costs more."""
        return max(self.shifted - self.cost, 0.0)

    def predict(self, dist: F64) -> F64:
        """Time of flight to impacts at ``dist``: ``T · sqrt(R / R̄)``."""
        return np.asarray(self.tof * np.sqrt(np.maximum(dist, 1.0) / self.ref), dtype=np.float64)


def round_cost(z: F64) -> F64:
    """A salvo round's time-of-flight cost at ``z`` σ from the salvo's fit: ``z² / 2``
    within ``SALVO_HUBER``, growing linearly beyond (Huber's; −ln of a density whose core
    is Gaussian and whose tails are exponential).

    The origin times of a salvo's events carry the errors of association in dense fire
    (a pick of a neighbouring round in the fit), up to 0.2–0.3 s against 0.05 s of
    true jitter. Under the Gaussian cost, with pairs feasible within 4σ, the few rounds
    that far off made the tight σ, which tells the true order from one shifted a round,
    lose either those pairs or to a looser σ: on moderate seed 20 (unseen) a 40-round
    salvo came out shifted by one round, 36 of its 38 pairs wrong (pairing 0.640 over
    the scenario; 0.874 with this cost). Still convex, so the optimum keeps the order.
    """
    a = np.abs(z)
    k = SALVO_HUBER
    return np.asarray(np.where(a <= k, 0.5 * z * z, k * a - 0.5 * k * k), dtype=np.float64)


def _cadence(times: F64) -> float:
    """A salvo's time between rounds from its rounds' sorted ``times``: the lower quartile
    of the gaps between consecutive ones, which is one round apart while most are heard
    (at least 0.05 s; 1 s for a single round)."""
    gaps = np.diff(times)
    return max(float(np.percentile(gaps, 25)), 0.05) if len(gaps) else 1.0


def round_stay(launch_t: F64, n_impacts: int, unpaired: float) -> float:
    """What leaving one of a salvo's launches unpaired costs in its time-of-flight fit.

    A pair is worth its time-of-flight density against the other way of explaining its two
    events: the launch's impact and the impact's launch both went unheard. With ``p_L`` and
    ``p_I`` the shares of the salvo's rounds heard at launch and at impact, that is
    ``ln(p_L p_I / ((1 − p_L)(1 − p_I)))`` on top of the time-of-flight density (whose normalising
    constant, ``SALVO_CONST``, the pair costs leave out, so it is taken off here). Twice
    ``unpaired`` (the single shots' figure, used before) valued each extra pair at about 8.5
    nats at σ = 0.06 s, while what tells the true alignment from one shifted a round is how
    tightly its pairs fit, about 0.36 nats a pair (0.05 s of time-of-flight jitter against
    that plus the launch cadence's jitter); whenever the unheard rounds fell so that a
    shifted alignment kept one pair more, it won (hard seed 13's second salvo: 29 pairs
    shifted against 28 true). The salvo's rounds are counted from the launches' cadence (the
    lower quartile of the gaps between consecutive launches, which is one round apart while
    most are heard): ``max(launches, impacts, span / cadence + 1)``. Shares are capped at
    0.95 and the result is kept within ``[0, 2 unpaired]``; ``launch_t`` holds at least one
    time.
    """
    if n_impacts == 0:
        return 2.0 * unpaired
    t = np.sort(launch_t)
    cadence = _cadence(t)
    rounds = max(len(t), n_impacts, round(float(t[-1] - t[0]) / cadence) + 1)
    p_l, p_i = min(len(t) / rounds, 0.95), min(n_impacts / rounds, 0.95)
    gain = math.log(p_l * p_i / ((1.0 - p_l) * (1.0 - p_i))) - SALVO_CONST
    return min(max(gain, 0.0), 2.0 * unpaired)


def _salvo_fit(
    dt: F64,
    dist: F64,
    usable: np.ndarray,
    extra: F64,
    unpaired: float,
    guess: float,
    launch_t: F64,
    memo: SalvoMemo | None = None,
) -> _SalvoFit:
    """Time of flight of one salvo's (launch, event) pairs and its σ.

    The rounds of a salvo share the launcher's elevation; what differs between them is
    mostly the muzzle velocity (propellant), and at a fixed elevation both the range and
    the time of flight grow with it (``R ∝ v²``, ``t ∝ v``), so a round landing at range
    ``R`` flew ``T · sqrt(R / R̄)``: 150 m further out at 20 km is some 0.2 s longer.
    Launches 0.5 s apart and impacts 0.5 s apart fit nearly as well one round shifted, so
    ``T`` is not the densest Δt but the one whose best matching (a launch left unpaired
    costing :func:`round_stay`) is cheapest, scanned around ``guess``. σ is chosen with ``T``
    (profile likelihood over ``SALVO_SIGMAS_S``, each matched pair adding ``log σ``): a
    tight σ is what ties ``T`` down when rounds are missing, since a gap in the launches
    breaks a shifted alignment only by the residuals it leaves, and a σ taken from the
    residuals of a first, loose scan (as before) kept that scan's shifted alignment.
    ``launch_t`` are the launches' times; the impacts counted are those within 6 s of
    ``guess``. With a ``memo``, a fit of the same reduced problem is taken from it
    (:class:`SalvoMemo`).
    """
    near = usable & (np.abs(dt - guess) <= 1.0)
    ref = float(np.median(dist[near])) if near.any() else float(np.median(dist[usable]))
    shape = np.sqrt(np.maximum(dist, 1.0) / ref)
    cols = np.flatnonzero((usable & (np.abs(dt - guess * shape) <= 6.0)).any(axis=0))
    d, sh, ok, ex = dt[:, cols], shape[:, cols], usable[:, cols], extra[:, cols]
    stay = round_stay(launch_t, len(cols), unpaired)
    half = 0.5 * _cadence(np.sort(launch_t))
    if memo is None:
        return _scan_salvo(d, sh, ok, ex, stay, guess, ref, half)
    key = (ref, guess, stay, half, d.shape, d.tobytes(), sh.tobytes(), ok.tobytes(),
           ex.tobytes())  # fmt: skip
    fit = memo.get(key)
    if fit is None:
        fit = _scan_salvo(d, sh, ok, ex, stay, guess, ref, half)
        memo.put(key, fit)
    return fit


def _scan_salvo(d: F64, sh: F64, ok: np.ndarray, ex: F64, stay: float, guess: float,
                ref: float, half: float) -> _SalvoFit:  # fmt: skip
    """:func:`_salvo_fit`'s scan of ``T`` and σ on its reduced problem: the launches'
    Δt ``d`` to the impacts counted, their range factors ``sh``, which pairs are
    ``ok`` and their other terms ``ex``.

    The scan is then run again over the times at least ``half`` (half the launches'
    cadence) from the ``T`` chosen, for the cost of the best other alignment of the
    rounds (``shifted``). A pair's margin (:mod:`.pair_margins`) weighs changes of the
    assignment under the chosen ``T``, where a round's neighbours are many σ off; a
    salvo found whole at launch (40 rounds) and at 11 scattered impacts fitted as well shifted by
    any number of rounds (the launch cadence's jitter, 0.03 s, is below that of the
    times of flight), and its pairs, 10 of 11 a round or more off, carried margins of
    1.2 to 5.8 nats (independent moderate 11).
    """

    def scan(times: F64, sigma: float, beat: float) -> tuple[float, float]:
        share = math.log(sigma / SALVO_SIGMA_S)  # σ's share of −log p, per matched pair
        cube = _SalvoCube.of(d, sh, ok, ex, times, sigma)

        def total(i: int) -> float:
            # A pair costs its share of log σ too, so the matching weighs it against
            # staying unpaired with it: stay − share per row, the share added back for
            # every row (matched: its own; unmatched: cancelling the stay's).
            value, _, _ = _match_cost(cube.matrix(i), stay - share)
            return value + cube.shape[0] * share

        # Each round costs at least its cheapest pairing or staying unpaired: a bound
        # below every matching, so only times whose bound can beat a matching already
        # costed need one (the same scan, a fraction of the assignments).
        bound = np.minimum(cube.cheapest() + share, stay).sum(axis=1)
        best = (np.inf, float(times[0]))
        first = int(np.argmin(bound))
        if bound[first] > _ceiling(beat):  # no time here can beat another σ's best
            return best[1], best[0]
        known = {first: total(first)}
        ceiling = min(_ceiling(known[first]), _ceiling(beat))
        for i in np.flatnonzero(bound <= ceiling).tolist():
            value = known[i] if i in known else total(i)
            if value < best[0]:
                best = (value, float(times[i]))
        return best[1], best[0]

    def grid(sigma: float) -> F64:
        step = min(0.05, sigma / 3.0)
        return guess + np.arange(-2.0, 2.0 + step / 2, step)

    fits: list[tuple[float, float, float]] = []
    for sigma in SALVO_SIGMAS_S:
        beat = min((f[0] for f in fits), default=math.inf)
        tof, cost = scan(grid(sigma), sigma, beat)
        fits.append((cost, tof, sigma))
    cost, tof, sigma = min(fits)
    shifted = math.inf
    if math.isfinite(half) and math.isfinite(cost):
        for other in SALVO_SIGMAS_S:
            times = grid(other)
            times = times[np.abs(times - tof) >= half]
            if len(times):
                shifted = min(shifted, scan(times, other, min(shifted, cost + ALIGNMENT_CAP))[1])
    return _SalvoFit(float(tof), ref, sigma, cost, stay, shifted)


class SalvoMemo:
    """The salvo fits of the latest pairing blocks, by their reduced problem.

    A pairing block looks ahead two times of flight, so a salvo is fitted again in every
    block whose window holds it (7 times on an independent hard scenario), each time
    the same problem: its Δt are differences of absolute times, exact whichever block
    they are taken in. The key holds the problem's bytes, so a hit is the same fit to
    the bit; at most ``size`` fits are held (the oldest go), so memory stays bounded
    however long the input.
    """

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._fits: OrderedDict[tuple[object, ...], _SalvoFit] = OrderedDict()

    def get(self, key: tuple[object, ...]) -> _SalvoFit | None:
        fit = self._fits.get(key)
        if fit is not None:
            self._fits.move_to_end(key)
        return fit

    def put(self, key: tuple[object, ...], fit: _SalvoFit) -> None:
        self._fits[key] = fit
        while len(self._fits) > self._size:
            self._fits.popitem(last=False)

    def __len__(self) -> int:
        return len(self._fits)


@dataclass(frozen=True, slots=True)
class _SalvoCube:
    """The cost of each (launch, impact) pair of a salvo at each time of flight scanned,
    held only for the pairs some scanned time brings within ``SALVO_ZMAX`` σ.

    The dense cube (times × launches × impacts) was mostly ``BIG``: the impacts counted
    spread over some 12 s of Δt and the scan reaches ±2 s and ``SALVO_ZMAX`` σ around its
    guess. Each held cost is computed by the same expression, element by element, as the
    dense cube's, so the bound and the matchings see the same numbers.
    """

    shape: tuple[int, int]  # launches, impacts
    row: I64  # the pairs held, sorted by launch
    col: I64
    cost: F64  # (times, pairs)

    @classmethod
    def of(cls, d: F64, sh: F64, ok: np.ndarray, ex: F64, times: F64, sigma: float
           ) -> _SalvoCube:  # fmt: skip
        lo, hi = float(times.min()), float(times.max())
        reach = SALVO_ZMAX * sigma * (1.0 + 1e-9) + 1e-9  # every pair the test may keep
        row, col = np.nonzero(ok & (d - hi * sh <= reach) & (d - lo * sh >= -reach))
        dp, shp = d[row, col], sh[row, col]
        r = dp[None] - times[:, None] * shp[None]
        z = r / sigma
        cost = np.where(np.abs(r) <= SALVO_ZMAX * sigma, round_cost(z) + ex[row, col], BIG)
        return cls((d.shape[0], d.shape[1]), row, col, cost)

    def cheapest(self) -> F64:
        """Each time's cheapest pairing of each launch (``BIG`` where it has none)."""
        out = np.full((len(self.cost), self.shape[0]), BIG)
        if len(self.row):
            rows, starts = np.unique(self.row, return_index=True)
            out[:, rows] = np.minimum.reduceat(self.cost, starts, axis=1)
        return out

    def matrix(self, i: int) -> F64:
        """The launches × impacts costs at time ``i`` (:func:`_match_cost` leaves out the
        impacts no launch reaches)."""
        out = np.full(self.shape, BIG)
        out[self.row, self.col] = self.cost[i]
        return out


def _ceiling(cost: float) -> float:
    """The highest bound that may still match ``cost`` (float slack)."""
    return cost + 1e-9 * (1.0 + abs(cost)) if math.isfinite(cost) else math.inf


def _salvo_rows(
    inp: PairingInput,
    t: _Terms,
    group: np.ndarray,
    area: np.ndarray,
    unpaired: float,
    c: F64,
    cls: np.ndarray,
    memo: SalvoMemo | None = None,
) -> tuple[F64, np.ndarray, dict[int, float]]:
    """Replace the band term of salvo launches by the salvo's fitted time of flight
    (``group``: the launch groups; ``area``: the impact areas, :func:`impact_groups`);
    also returns each fitted group's alignment margin (:attr:`_SalvoFit.alignment_margin`)."""
    margin: dict[int, float] = {}
    if not (group >= 0).any():
        return c, cls, margin
    c, cls = c.copy(), cls.copy()
    mlrs = next(e for e in ENVELOPES if e.name == "mlrs")
    lo, hi = mlrs.tof_band(np.maximum(t.dist, 1.0))
    in_band = (t.dt >= lo * (1 - EDGE_TOL)) & (t.dt <= hi * (1 + EDGE_TOL))
    in_band &= (t.dist >= mlrs.range_m[0] * 0.9) & (t.dist <= mlrs.range_m[1] * 1.05)
    if inp.shadow is not None:
        in_band[:, inp.shadow] = False  # a shadow round is a launch, never an impact
    launch_groups = [int(g) for g in np.unique(group[group >= 0])]
    fits = _impact_area_fits(inp, t, group, area, launch_groups, in_band, unpaired, memo)
    for g in launch_groups:
        rows = np.flatnonzero(group == g)
        usable = in_band[rows].copy()
        usable[np.arange(len(rows)), rows] = False
        dt, extra = t.dt[rows], t.extra[rows]
        fit = fits.get(g)
        if fit is None:
            likely = usable & (group < 0)[None, :] & (inp.phase_llr < 0.0)[None, :]
            guess = _group_tof(np.where(likely, dt, np.nan).ravel(), 1.0)
            if guess is None:
                continue
            fit = _salvo_fit(dt, t.dist[rows], usable, extra, unpaired, guess, inp.origin[rows],
                             memo)  # fmt: skip
        z = (dt - fit.predict(t.dist[rows])) / fit.sigma
        ok = usable & (np.abs(z) <= SALVO_ZMAX)
        c[rows] = np.where(ok, round_cost(z) + extra, BIG)
        cls[rows] = np.where(ok, LABELS.index("mlrs"), cls[rows])
        margin[g] = fit.alignment_margin
    return c, cls, margin


def _impact_area_fits(inp: PairingInput, t: _Terms, group: np.ndarray, igroup: np.ndarray,
                      launch_groups: list[int], in_band: np.ndarray, unpaired: float,
                      memo: SalvoMemo | None = None) -> dict[int, _SalvoFit]:  # fmt: skip
    """Each salvo's time of flight to the impact area it most likely fired on.

    Salvos a minute or two apart have impacts in the band of each other's launches, and
    the densest Δt over every impact took a neighbouring salvo's impacts as often as its
    own (its time of flight off by tens of seconds). A salvo's impacts are one group too
    (:func:`impact_groups`); each launch group is fitted against each impact group in
    its band alone (:func:`_salvo_fit`: the cost of its best matching, rounds left
    unpaired included, less that of leaving them all unpaired) and the groups are then
    assigned one to one at least total cost, a launch group being free to take none. The fit against
    its own impact area alone is the one kept: refitted against every impact in the band
    (other fire, ghosts) it slid by half a round.
    """
    areas = [int(h) for h in np.unique(igroup[igroup >= 0])]
    if not launch_groups or not areas:
        return {}
    cost = np.full((len(launch_groups), len(areas)), BIG)
    found: dict[tuple[int, int], _SalvoFit] = {}
    for i, g in enumerate(launch_groups):
        rows = np.flatnonzero(group == g)
        for j, h in enumerate(areas):
            usable = in_band[rows] & (igroup == h)[None, :]
            guess = _group_tof(np.where(usable, t.dt[rows], np.nan).ravel(), 1.0)
            if guess is None:
                continue
            fit = _salvo_fit(t.dt[rows], t.dist[rows], usable, t.extra[rows], unpaired, guess,
                             inp.origin[rows], memo)  # fmt: skip
            # Against all its rounds unpaired in that fit: areas fitted with their own
            # stay cost compare by what their pairs gained.
            found[i, j], cost[i, j] = fit, fit.cost - fit.stay * len(rows)
    _, rows, cols = _match_cost(cost, np.zeros(len(launch_groups)))
    return {
        launch_groups[i]: found[i, j] for i, j in zip(rows.tolist(), cols.tolist(), strict=True)
    }


def _assign(sym: F64, unpaired: float) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Optimal matching of the symmetric double cover (see the module docstring) of the
    pair costs ``sym`` (each pair's cheaper way round), whose diagonal it sets; with the
    optimal permutation it was read from (the margins start from it)."""
    n = len(sym)
    np.fill_diagonal(sym, 2.0 * unpaired)
    _, perm = linear_sum_assignment(sym)
    seen = np.zeros(n, dtype=bool)
    pairs: list[tuple[int, int]] = []
    for i in range(n):
        if seen[i]:
            continue
        cycle = [i]
        seen[i] = True
        j = int(perm[i])
        while j != i:
            cycle.append(j)
            seen[j] = True
            j = int(perm[j])
        if len(cycle) == 2 and sym[cycle[0], cycle[1]] < BIG:
            pairs.append((cycle[0], cycle[1]))
        elif len(cycle) > 2:
            pairs.extend(_cut_cycle(cycle, sym, unpaired))
    return pairs, perm


def solve_pairs(
    inp: PairingInput,
    costs: PairingCosts,
    group: np.ndarray | None = None,
    memo: SalvoMemo | None = None,
) -> list[tuple[int, int, str]]:
    """Optimal pairs as ``(launch, impact, weapon class)`` row indices of ``inp``.

    ``group`` is :func:`salvo_groups` of ``inp`` when the caller has it already; ``memo``
    keeps salvo fits from one call to the next (:class:`SalvoMemo`).
    """
    return [(a, b, w) for a, b, w, _ in solve_pairs_scored(inp, costs, group, memo)]


def solve_pairs_scored(
    inp: PairingInput,
    costs: PairingCosts,
    group: np.ndarray | None = None,
    memo: SalvoMemo | None = None,
    area: np.ndarray | None = None,
) -> list[tuple[int, int, str, float]]:
    """:func:`solve_pairs` with each pair's margin in nats
    (:func:`truceline.fusion.pair_margins.pair_margins`); ``area`` is
    :func:`impact_groups` of ``inp`` given ``group`` when the caller has it already."""
    n = len(inp.origin)
    if n < 2:
        return []
    group = salvo_groups(inp) if group is None else group
    area = impact_groups(inp, group) if area is None else area
    t = _terms(inp, costs, salvo_phase_llr(inp, group, area))
    c, cls = _pair_costs(inp, t)
    if not (c < BIG).any():
        return []
    c, cls, aligned = _salvo_rows(inp, t, group, area, costs.unpaired, c, cls, memo)
    if inp.shadow is not None:  # a salvo's fit counts them; no pair holds one
        c[inp.shadow, :] = BIG
        c[:, inp.shadow] = BIG
    sym = np.minimum(c, c.T)
    chosen, perm = _assign(sym, costs.unpaired)
    pairs = [(a, b) if c[a, b] <= c[b, a] else (b, a) for a, b in chosen]
    margins = pair_margins(sym, perm, pairs, costs.unpaired)
    out = []
    for (launch, impact), margin in zip(pairs, margins.tolist(), strict=True):
        # A salvo's pair is no surer than its salvo's alignment (_scan_salvo).
        margin = min(margin, aligned.get(int(group[launch]), math.inf))
        out.append((launch, impact, LABELS[int(cls[launch, impact])], float(margin)))
    return sorted(out)
