"""Whether an event's picks are loud where they should be (pure, numpy/scipy).

A blast's sound spreads spherically: its amplitude falls as ``1/d``, its level by
``20 log10(d)`` dB. The picks of one blast, each pick's signal-to-noise ratio (``snr_db``
of the detections spec) corrected by ``20 log10(d)`` for its sensor's distance ``d`` from
the fix, therefore share one source level, scattered by each site's noise and the pick's
own measurement. Picks of *different* blasts that line up in time (the ghosts around a
salvo, :mod:`truceline.fusion.halo`) carry their own sources' levels at their own
distances: a ghost 5 km off a salvo's area, made of four rounds' picks, has them loud at
the sensors nearest the salvo rather than at those nearest the ghost, and false alarms
among them are quiet wherever they are.

The test is a chi-square on the corrected levels about their mean (``k − 1`` degrees of
freedom for ``k`` picks with an SNR), against the scatter the network shows on the same
block's well-heard events (:func:`scatter`: at least ``CAL_PICKS`` picks with an SNR,
which chance does not assemble): the test assumes no noise figure of its own, and without
``CAL_DOF`` degrees of freedom of such events (or without SNRs) it does not run.
Sensors near their detection threshold report only the louder arrivals, so a weak
blast's far picks read loud; the test is therefore applied only where chance is in doubt
(:func:`truceline.fusion.associate._accept`), at a small ``min_amplitude_p``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import chdtrc

from truceline.geo import F64

CAL_PICKS = 8
CAL_DOF = 40
MIN_PICKS = 3
MIN_DISTANCE_M = 1.0


def levels(snr: F64, dist: F64) -> F64:
    """Source levels implied by each pick (dB, up to a constant): ``snr + 20 log10 d``.
    NaN where the pick has no SNR."""
    return np.asarray(snr + 20.0 * np.log10(np.maximum(dist, MIN_DISTANCE_M)), dtype=np.float64)


def _spread(level: F64) -> tuple[F64, F64]:
    """Per row (NaN ignored): sum of squared deviations from the row's mean, and the
    count of levels."""
    have = np.isfinite(level)
    k = have.sum(axis=1).astype(np.float64)
    safe = np.where(have, level, 0.0)
    mean = safe.sum(axis=1) / np.maximum(k, 1.0)
    dev = np.where(have, level - mean[:, None], 0.0)
    return np.asarray((dev * dev).sum(axis=1), dtype=np.float64), k


def scatter(level: F64) -> float | None:
    """Pooled variance (dB²) of the levels about each row's mean, from the rows (events)
    with at least ``CAL_PICKS`` levels; ``None`` below ``CAL_DOF`` degrees of freedom."""
    if not level.size:
        return None
    ss, k = _spread(level)
    use = k >= CAL_PICKS
    dof = float((k[use] - 1.0).sum())
    if dof < CAL_DOF:
        return None
    return float(ss[use].sum() / dof)


def consistency_p(level: F64, variance: float) -> F64:
    """Upper-tail probability of each row's chi-square about its mean level, with
    ``variance`` the network's scatter; 1 for rows with fewer than ``MIN_PICKS`` levels."""
    ss, k = _spread(level)
    dof = k - 1.0
    p = chdtrc(np.maximum(dof, 1.0), ss / variance)
    return np.asarray(np.where(k >= MIN_PICKS, p, 1.0), dtype=np.float64)
