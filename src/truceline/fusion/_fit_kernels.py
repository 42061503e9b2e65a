"""Compiled loops around the candidates' fits (pure; numba when installed).

Association fits a few dozen candidates at a time, a few thousand times a block, and
between two compiled solves (:func:`truceline.fusion._kernels.lm_solve`) the numpy forms
of the gate and of the padded batch built dozens of small temporaries per call: on hard
seed 16 they cost 5.8 of the 12.2 s that fitting candidates took. Each kernel here is the
loop form of a numpy function in :mod:`truceline.fusion.associate`, which stays as the
reference (and the fallback without numba); the tests compare them.
"""

from __future__ import annotations

import math

import numpy as np

from truceline.fusion._kernels import _residuals, jit, lm_candidate, lm_scratch, travel


@jit
def _local(rot: np.ndarray, origin: np.ndarray, c: int, p: np.ndarray, out: np.ndarray) -> None:
    """ECEF point ``p`` into candidate ``c``'s frame (:meth:`batch.Frames.local`)."""
    d0, d1, d2 = p[0] - origin[c, 0], p[1] - origin[c, 1], p[2] - origin[c, 2]
    for i in range(3):  # numpy's einsum adds the terms in this order
        out[i] = (rot[c, i, 0] * d0 + rot[c, i, 2] * d2) + rot[c, i, 1] * d1


@jit
def _arrival(
    sl: np.ndarray, e: float, n: float, origin: float, speed: float, wu: float, wv: float,
    inv2n: float, inv2m: float,
) -> tuple[float, float, float]:  # fmt: skip
    """Predicted arrival at a sensor at ``sl`` (candidate frame) from ``(e, n, origin)``
    and its gradient in ``e`` and ``n``: :func:`truceline.fusion._kernels._residuals`
    with a pick at time 0 of unit sigma."""
    pu = -(e * e * inv2n + n * n * inv2m)
    dist, ceff, de, dn = travel(sl[0] - e, sl[1] - n, sl[2] - pu, speed, wu, wv)
    return origin + dist / ceff, de, dn


@jit
def _nearest(key: np.ndarray, idx: np.ndarray, t: np.ndarray, lo: int, hi: int,
             base: float, arrival: float, span: float) -> tuple[int, float]:  # fmt: skip
    """The pick in ``key[lo:hi]`` (one sensor's free picks, sorted) nearest ``arrival``
    and its distance (the earlier on a tie): :func:`associate._nearest_free`'s rule."""
    if math.isnan(arrival):
        return -1, np.inf
    at = int(np.searchsorted(key, base + min(max(arrival, -0.49 * span), 0.49 * span)))
    at = min(max(at, lo), hi)
    d_prev, d_next = np.inf, np.inf
    if at > lo:
        d_prev = abs(arrival - t[idx[at - 1]])
    if at < hi:
        d_next = abs(t[idx[at]] - arrival)
    if at > lo and d_prev <= d_next:
        return idx[at - 1], d_prev
    if at < hi:
        return idx[at], d_next
    return -1, np.inf


@jit
def _gate_one(
    c: int, rot: np.ndarray, origin: np.ndarray, inv2n: float, inv2m: float, speed: float,
    wu: float, wv: float, x: np.ndarray, cov: np.ndarray, ecef: np.ndarray,
    sigma_t: np.ndarray, key: np.ndarray, idx: np.ndarray, t: np.ndarray, lo: np.ndarray,
    hi: np.ndarray, span: float, gate_sigmas: float, max_range: float, sl: np.ndarray,
    out: np.ndarray,
) -> int:  # fmt: skip
    """Candidate ``c``'s gated picks into ``out``, sorted; their count: the loop form of
    the time part of :func:`truceline.fusion.associate._gate`
    (:func:`truceline.fusion.associate._gate_numpy`).

    For each sensor, the free pick nearest the predicted arrival, kept when within
    ``gate_sigmas`` of its sd (timing sigma and the fit's covariance ``cov`` along the
    arrival's gradient; non-finite entries taken as 10⁶) and the sensor within
    ``max_range`` of the source. ``key``/``idx`` are the free picks sorted by
    ``sensor · span + t`` and ``lo``/``hi`` each sensor's range in them.
    """
    m = 0
    for s in range(len(ecef)):
        # A sensor with no free pick has nothing to gate; in the weak passes most picks
        # are taken and many sensors have none left.
        if lo[s] == hi[s]:
            continue
        _local(rot, origin, c, ecef[s], sl)
        if math.hypot(sl[0] - x[0], sl[1] - x[1]) > max_range:
            continue
        arr, de, dn = _arrival(sl, x[0], x[1], x[2], speed, wu, wv, inv2n, inv2m)
        var = 0.0
        for i in range(3):
            gi = de if i == 0 else (dn if i == 1 else 1.0)
            c0, c1, c2 = cov[0, i], cov[1, i], cov[2, i]
            c0 = c0 if math.isfinite(c0) else 1e6
            c1 = c1 if math.isfinite(c1) else 1e6
            c2 = c2 if math.isfinite(c2) else 1e6
            var += (de * c0 + dn * c1 + c2) * gi
        p, gap = _nearest(key, idx, t, lo[s], hi[s], s * span, arr, span)
        if p >= 0 and gap <= gate_sigmas * math.sqrt(sigma_t[s] ** 2 + max(var, 0.0)):
            out[m] = p
            m += 1
    out[:m].sort()
    return m


@jit
def build(
    ci: np.ndarray, pi: np.ndarray, wb: np.ndarray, n: int, k: int, pool_t: np.ndarray,
    pool_sensor: np.ndarray, pool_bearing: np.ndarray, pool_sigma_b: np.ndarray,
    ecef: np.ndarray, sigma_t: np.ndarray, to_sensors: np.ndarray, rot: np.ndarray,
    origin: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
           np.ndarray, np.ndarray]:  # fmt: skip
    """Loop form of :func:`truceline.fusion.associate._build_numpy`: the padded arrays of
    the (candidate, pick) pairs ``ci``/``pi`` (sorted by candidate), ``k`` slots a
    candidate. Returns (sensor positions in each candidate's frame, times, sigmas,
    bearings, bearing sigmas, rotations into the sensors' frames, mask, pool slot)."""
    sens, tt, sig, bear, sigb, brot = _padded(n, k)
    slot = np.full((n, k), -1, dtype=np.int64)
    cw = np.zeros((n, k), dtype=np.bool_)
    cnt = np.zeros(n, dtype=np.int64)
    for q in range(len(ci)):
        c = ci[q]
        slot[c, cnt[c]], cw[c, cnt[c]] = pi[q], wb[q]
        cnt[c] += 1
    for c in range(n):
        _fill(c, slot, cw, cnt[c], pool_t, pool_sensor, pool_bearing, pool_sigma_b, ecef,
              sigma_t, to_sensors, rot, origin, sens, tt, sig, bear, sigb, brot)  # fmt: skip
    return sens, tt, sig, bear, sigb, brot, slot >= 0, slot


@jit
def _padded(n: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                     np.ndarray, np.ndarray]:  # fmt: skip
    """Padded arrays of ``n`` candidates with ``k`` slots (sensor positions, times,
    sigmas, bearings, bearing sigmas, rotations), their padding as the numpy batch has
    it; :func:`_fill` writes a candidate's row."""
    return (np.zeros((n, k, 3)), np.zeros((n, k)), np.ones((n, k)), np.full((n, k), np.nan),
            np.ones((n, k)), np.zeros((n, k, 3, 3)))  # fmt: skip


@jit
def _fill(
    c: int, cp: np.ndarray, cw: np.ndarray, k: int, pool_t: np.ndarray,
    pool_sensor: np.ndarray, pool_bearing: np.ndarray, pool_sigma_b: np.ndarray,
    ecef: np.ndarray, sigma_t: np.ndarray, to_sensors: np.ndarray, rot: np.ndarray,
    origin: np.ndarray, sens: np.ndarray, tt: np.ndarray, sig: np.ndarray, bear: np.ndarray,
    sigb: np.ndarray, brot: np.ndarray,
) -> None:  # fmt: skip
    """Row ``c`` of the padded arrays from its ``k`` picks ``cp[c]`` (:func:`build`)."""
    for col in range(k):
        p = cp[c, col]
        s = pool_sensor[p]
        _local(rot, origin, c, ecef[s], sens[c, col])
        tt[c, col] = pool_t[p]
        sig[c, col] = sigma_t[s]
        bear[c, col] = pool_bearing[p] if cw[c, col] else np.nan
        sigb[c, col] = pool_sigma_b[p]
        brot[c, col] = to_sensors[c, s]


@jit
def _source(c: int, x: np.ndarray, rot: np.ndarray, origin: np.ndarray, inv2n: float,
            inv2m: float, out: np.ndarray) -> None:  # fmt: skip
    """Candidate ``c``'s source at its fit ``x``, ECEF, into ``out`` (the numpy gate's
    ``surface · rot + origin``, its terms added in einsum's order)."""
    e, n = x[0], x[1]
    surf = (e, n, -(e * e * inv2n + n * n * inv2m))
    for j in range(3):
        src = surf[0] * rot[c, 0, j] + surf[1] * rot[c, 1, j] + surf[2] * rot[c, 2, j]
        out[j] = src + origin[c, j]


@jit
def _bearing_off(src: np.ndarray, p: int, s: int, pool_bearing: np.ndarray,
                 ecef: np.ndarray, sens_rot: np.ndarray) -> float:  # fmt: skip
    """How far pick ``p``'s bearing (at sensor ``s``) points from the source ``src``
    (ECEF, :func:`_source`), radians."""
    d0, d1, d2 = src[0] - ecef[s, 0], src[1] - ecef[s, 1], src[2] - ecef[s, 2]
    q0 = (sens_rot[s, 0, 0] * d0 + sens_rot[s, 0, 2] * d2) + sens_rot[s, 0, 1] * d1
    q1 = (sens_rot[s, 1, 0] * d0 + sens_rot[s, 1, 2] * d2) + sens_rot[s, 1, 1] * d1
    az = math.atan2(q0, q1)
    return abs((float(pool_bearing[p]) - az + math.pi) % (2.0 * math.pi) - math.pi)


@jit
def _first_max(v: np.ndarray, lo: int, hi: int) -> int:
    """Index in ``[lo, hi)`` of the largest ``|v|``, the first of equals and the first
    NaN if any (``np.argmax``'s rule)."""
    best, at = -1.0, lo
    for k in range(lo, hi):
        a = abs(v[k])
        if math.isnan(a):
            return k
        if a > best:
            best, at = a, k
    return at


@jit
def gate_rounds(
    x0: np.ndarray, cov: np.ndarray, rot: np.ndarray, origin: np.ndarray, inv2n: np.ndarray,
    inv2m: np.ndarray, speed: np.ndarray, wind: np.ndarray, pool_t: np.ndarray,
    pool_sensor: np.ndarray, pool_bearing: np.ndarray, pool_sigma_b: np.ndarray,
    ecef: np.ndarray, sigma_t: np.ndarray, sens_rot: np.ndarray, to_sensors: np.ndarray,
    key: np.ndarray,
    idx: np.ndarray, lo: np.ndarray, hi: np.ndarray, span: float, gate_sigmas: float,
    max_range: float, reject_sigmas: float, bearing_gate_sigmas: float, cauchy: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Loop form of one gating round of :func:`truceline.fusion.associate._fit_rounds`
    (:func:`truceline.fusion.associate._fit_rounds_numpy`): each candidate's picks
    gated afresh from its fit ``x0`` and covariance ``cov``, a fit, and up to three
    rounds of rejecting each candidate's worst pick, every candidate refitted after a
    round in which any changed. The rounds run in step over the candidates, as the numpy
    form's batches do, and a pick several candidates reject in one round leaves the last
    of them only (:func:`truceline.fusion.associate._owners`). ``cov`` comes from numpy
    (:func:`truceline.fusion.batch.covariance`): where a candidate has too few picks to
    place it, its inverse is rounding noise that the gate reads, so it is LAPACK's.
    Returns the fits and their (candidate, pick, uses bearing) triples by candidate.
    """
    n = len(x0)
    # A candidate gates at most one pick per sensor with free picks: its slots (in the
    # weak passes, where most picks are taken, about half the sensors have none).
    width = max(int(np.sum(hi > lo)), 1)
    cnt = np.zeros(n, dtype=np.int64)
    cp = np.empty((n, width), dtype=np.int64)
    cw = np.zeros((n, width), dtype=np.bool_)
    sens, tt, sig, bear, sigb, brot = _padded(n, width)
    mask = np.ones((n, width), dtype=np.bool_)  # only the first cnt[c] slots are read
    x = x0.copy()
    vec, mat, small = lm_scratch(width)
    sl = np.empty(3)
    src = np.empty(3)
    gated = np.empty(width, dtype=np.int64)
    owner = np.full((2, len(pool_t)), -1, dtype=np.int64)
    ask = np.empty(n, dtype=np.int64)  # the slot each candidate asks to drop (−1: none)
    kind = np.empty(n, dtype=np.int64)  # 0: by its time, 1: by its bearing
    asked = np.empty(n, dtype=np.int64)  # the pick it asks to drop
    for c in range(n):
        m = _gate_one(c, rot, origin, inv2n[c], inv2m[c], speed[c], wind[c, 0], wind[c, 1],
                      x[c], cov[c], ecef, sigma_t, key, idx, pool_t, lo, hi, span, gate_sigmas,
                      max_range, sl, gated)  # fmt: skip
        _source(c, x[c], rot, origin, inv2n[c], inv2m[c], src)
        k = 0
        for j in range(m):
            p = gated[j]
            has = not math.isnan(pool_bearing[p])
            if has and (_bearing_off(src, p, pool_sensor[p], pool_bearing, ecef, sens_rot)
                        > bearing_gate_sigmas * pool_sigma_b[p]):  # fmt: skip
                continue  # its bearing points elsewhere: another source's pick
            cp[c, k], cw[c, k] = p, has
            k += 1
        cnt[c] = k
        _fill(c, cp, cw, k, pool_t, pool_sensor, pool_bearing, pool_sigma_b, ecef, sigma_t,
              to_sensors, rot, origin, sens, tt, sig, bear, sigb, brot)  # fmt: skip
    _lm_all(cnt, sens, tt, sig, bear, sigb, brot, mask, speed, wind, inv2n, inv2m, x, False, 6,
            cauchy, vec, mat, small)  # fmt: skip
    for _ in range(3):
        changed = False
        for c in range(n):
            ask[c] = -1
            k = cnt[c]
            if k == 0:
                continue
            r = vec[0, : 2 * k]
            _residuals(0, sens[c : c + 1, :k], tt[c : c + 1, :k], sig[c : c + 1, :k],
                       bear[c : c + 1, :k], sigb[c : c + 1, :k], brot[c : c + 1, :k],
                       mask[c : c + 1, :k], speed[c], wind[c, 0], wind[c, 1], inv2n[c],
                       inv2m[c], x[c, 0], x[c, 1], x[c, 2], r, mat[0, : 2 * k])  # fmt: skip
            wt = _first_max(r, 0, k)
            wbi = _first_max(r, k, 2 * k) - k
            worst_t, worst_b = abs(r[wt]), abs(r[k + wbi])
            if worst_b > bearing_gate_sigmas and worst_b >= worst_t:
                ask[c], kind[c] = wbi, 1
            elif worst_t > reject_sigmas:
                ask[c], kind[c] = wt, 0
            else:
                continue
            changed = True
            asked[c] = cp[c, ask[c]]
            owner[kind[c], asked[c]] = c  # the last candidate to ask drops it
        if not changed:
            break
        for c in range(n):
            if ask[c] >= 0 and owner[kind[c], asked[c]] == c:
                k = cnt[c] - 1
                for j in range(ask[c], k):
                    cp[c, j], cw[c, j] = cp[c, j + 1], cw[c, j + 1]
                cnt[c] = k
                _fill(c, cp, cw, k, pool_t, pool_sensor, pool_bearing, pool_sigma_b, ecef,
                      sigma_t, to_sensors, rot, origin, sens, tt, sig, bear, sigb,
                      brot)  # fmt: skip
        for c in range(n):
            if ask[c] >= 0:
                owner[kind[c], asked[c]] = -1
        _lm_all(cnt, sens, tt, sig, bear, sigb, brot, mask, speed, wind, inv2n, inv2m, x, False,
                4, cauchy, vec, mat, small)  # fmt: skip
    total = cnt.sum()
    ci, pi, wb = np.empty(total, np.int64), np.empty(total, np.int64), np.empty(total, np.bool_)
    m = 0
    for c in range(n):
        for j in range(cnt[c]):
            ci[m], pi[m], wb[m] = c, cp[c, j], cw[c, j]
            m += 1
    return x, ci, pi, wb


@jit
def _lm_all(
    cnt: np.ndarray, sens: np.ndarray, tt: np.ndarray, sig: np.ndarray, bear: np.ndarray,
    sigb: np.ndarray, brot: np.ndarray, mask: np.ndarray, speed: np.ndarray,
    wind: np.ndarray, inv2n: np.ndarray, inv2m: np.ndarray, x: np.ndarray, robust: bool,
    iterations: int, cauchy: float, vec: np.ndarray, mat: np.ndarray, small: np.ndarray,
) -> None:  # fmt: skip
    """Every candidate's steps (:func:`truceline.fusion._kernels.lm_candidate`) on its
    own ``cnt[c]`` slots: the padding slots of a batch add only zeros to its sums."""
    for c in range(len(cnt)):
        k = cnt[c]
        lm_candidate(0, sens[c : c + 1, :k], tt[c : c + 1, :k], sig[c : c + 1, :k],
                     bear[c : c + 1, :k], sigb[c : c + 1, :k], brot[c : c + 1, :k],
                     mask[c : c + 1, :k], speed[c], wind[c, 0], wind[c, 1], inv2n[c],
                     inv2m[c], x[c], robust, iterations, cauchy, vec, mat, small)  # fmt: skip
