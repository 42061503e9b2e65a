"""Which sensors count as working for a block: silence is read as "heard nothing" only
from a sensor that would have picked something in that time (pure, numpy).

The near-miss tests (the walk's and acceptance's) reject a candidate when working sensors
nearer than all that heard it stayed silent. A sensor that has gone down is silent too,
and the rule "working while it picked anything in the last ``alive_window_s``" (15 min)
kept a failed sensor working for up to a quarter of an hour after its last pick: on
moderate seed 26 (unseen) an impact heard by 12 sensors 7–20 km away was rejected
because AC-0028, 3.7 km away, down for five minutes after picking about once a minute,
counted as a near sensor that missed it.

So a sensor is also taken as down when its silence up to the end of the block's pool is
unlikely for a working sensor with its own recent activity. Its *episodes* (picks at
least ``EPISODE_GAP_S`` after its previous pick: a salvo heard is one episode, not eighty)
in the ``window_s`` before the pool, over the time from the window's start to its last
pick, give a rate ``λ``; under a Poisson stream of episodes a silence of length ``g`` has
probability ``exp(−λ g)``, and the sensor is taken as down below ``silence_p``, given at
least ``MIN_EPISODES`` episodes. The test is one-sided: a sensor with a pick in the pool
is working, and a quiet sensor (few episodes) keeps the window rule.

Only a sensor the registry has active through the whole pool counts (``registered``):
one registered partway through it, with picks later in the pool, would "miss" what came
before (independent hard 12: a sensor 4.6 km from a salvo's impacts, registered 70 s
after them, vetoed every round that four or five sensors heard).
"""

from __future__ import annotations

import numpy as np

EPISODE_GAP_S = 10.0
MIN_EPISODES = 5
I64 = np.ndarray


def working(
    t_us: I64,
    sensor: I64,
    n_sensors: int,
    in_pool: np.ndarray,
    *,
    ref_us: int,
    lo_us: int,
    hi_us: int,
    window_s: float,
    silence_p: float,
    registered: np.ndarray | None = None,
) -> np.ndarray:
    """Each sensor's working flag for the block starting at ``ref_us`` whose pool spans
    ``[lo_us, hi_us)``; ``t_us`` and ``sensor`` are the picks before ``lo_us`` (at least
    those of the last ``window_s``), ``in_pool`` marks the sensors with a pick in the
    pool and ``registered`` (default: all) those the registry has active through it."""
    window_us = round(window_s * 1e6)
    last = np.full(n_sensors, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, sensor, t_us)
    alive = in_pool | (last >= ref_us - window_us)
    start = lo_us - window_us
    recent = t_us >= start
    st, ss = t_us[recent], sensor[recent]
    order = np.lexsort((st, ss))
    st, ss = st[order], ss[order]
    new = np.ones(len(st), dtype=bool)
    new[1:] = (ss[1:] != ss[:-1]) | (st[1:] - st[:-1] >= round(EPISODE_GAP_S * 1e6))
    episodes = np.bincount(ss[new], minlength=n_sensors)
    rated = episodes >= MIN_EPISODES  # each has a pick in the window: ``last`` is set
    last_s = np.where(rated, last - start, 0) / 1e6  # seconds since the window's start
    rate = np.where(rated, episodes / np.maximum(last_s, 60.0), 0.0)
    silence_s = (hi_us - start) / 1e6 - last_s
    down = ~in_pool & rated & (rate * silence_s > -np.log(silence_p))
    if registered is not None:
        alive &= registered
    return np.asarray(alive & ~down)
