"""Which salvo each event belongs to, for attribution by salvo (pure).

Pairing matches a salvo's launches to its impacts round by round, and where the rounds
are evenly spaced and few are heard at one end, the data cannot always say which round is
which: the same salvo paired one round late fits within a few nats of the true order
(docs/fusion.md, Known weaknesses, "Salvo alignment"), and rounds found at one end only
stay unpaired. Which *launcher* fired is not in doubt, though: the launches are at one
spot and the impacts in one area, fitted to them as a group. So each event of a salvo
carries the salvo's id, the id of its first launch paired in the pairing block that
committed it, and an impact left unpaired in an impact area whose paired impacts mostly
came from one salvo carries that salvo's id too. The rules then name the side that fired
an unpaired impact from its salvo's launch (:mod:`truceline.rules.fire`).

:func:`salvo_labels` works on the rows of one pairing block's assignment; the engine keeps
each event's label across blocks (``prior``), so a salvo committed over two blocks keeps
one id, and an impact paired in a later block takes its launch's label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np


def salvo_labels(
    ids: Sequence[str],
    origin: np.ndarray,
    launch_group: np.ndarray,
    impact_area: np.ndarray,
    pairs: Iterable[tuple[int, int]],
    committed: Iterable[int],
    prior: Sequence[str | None],
) -> list[str | None]:
    """Each row's salvo id after one block's pairing (``None``: no salvo).

    ``launch_group`` and ``impact_area`` are :func:`.pairing.salvo_groups` and
    :func:`.pairing.impact_groups` of the rows (−1: none), ``pairs`` the (launch, impact)
    rows paired in this block, ``committed`` the launch groups this block commits and
    ``prior`` each row's label from an earlier block.
    """
    pairs = list(pairs)
    out = list(prior)
    partner = np.full(len(ids), -1, dtype=np.int64)
    as_launch = np.zeros(len(ids), dtype=bool)
    for launch, impact in pairs:
        partner[launch], partner[impact] = impact, launch
        as_launch[launch] = True
    for g in sorted(committed):
        # In time order (ties by id): its first launch paired names it.
        rows = sorted(np.flatnonzero(launch_group == g).tolist(), key=lambda r: (origin[r], ids[r]))
        sid = next((prior[r] for r in rows if prior[r] is not None), None)
        if sid is None:
            sid = next((ids[r] for r in rows if as_launch[r]), None)
        if sid is None:  # none of its launches paired: nothing to attribute by it
            continue
        for r in rows:
            if partner[r] < 0 or as_launch[r]:
                out[r] = sid
    for launch, impact in pairs:
        out[impact] = out[launch]
    _by_area(impact_area, partner, as_launch, out)
    return out


def _by_area(
    impact_area: np.ndarray, partner: np.ndarray, as_launch: np.ndarray, out: list[str | None]
) -> None:
    """Unpaired impacts of an area take the salvo of most of its paired impacts."""
    for h in np.unique(impact_area[impact_area >= 0]):
        rows = np.flatnonzero(impact_area == h)
        paired = [r for r in rows if partner[r] >= 0 and not as_launch[r]]
        votes = Counter(out[r] for r in paired if out[r] is not None)
        if not votes:
            continue
        sid, n = votes.most_common(1)[0]
        if 2 * n <= len(paired):  # no salvo holds most of the area's pairs
            continue
        for r in rows:
            if partner[r] < 0 and out[r] is None:
                out[r] = sid
