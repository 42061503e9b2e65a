"""Groups of events linked in chains (pure, numpy/scipy).

Salvo areas, launch spots, a salvo's launches and the seed groups of a launch-spot search
are each a chain of events linked two by two (near in place and time, or sharing
sensors), kept when it holds enough of them: the connected components of a link matrix,
of a least size.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

I64 = np.ndarray


def linked_groups(link: np.ndarray, min_size: int) -> I64:
    """Each event's group (its component's label; −1 in one of fewer than ``min_size``
    events), given ``link`` (``(n, n)``, symmetric, true on its diagonal).

    A group's events each link to another, so with fewer such events than ``min_size``
    there is none, and the graph is not built: most blocks hold no chain long enough,
    and building it there had cost 0.4–0.8 ms a call, several searches a block."""
    n = len(link)
    if min_size > 1 and np.count_nonzero(link.sum(axis=1) > 1) < min_size:
        return np.full(n, -1, dtype=np.int64)
    _, label = connected_components(csr_matrix(link), directed=False)
    big = np.bincount(label)[label] >= min_size
    return np.where(big, label, -1).astype(np.int64)
