"""What the sensors' classifier labels say about an event (pure).

Labels are votes with a known error rate, combined as independent evidence (naive Bayes):

- phase: a label is right with probability ``q`` and otherwise one of the two other values
  (``unknown`` or the opposite phase), so each ``launch`` label adds ``ln(q / r)`` to the
  log-odds of launch against impact, each ``impact`` label subtracts it (``r = (1 − q) / 2``),
  and ``unknown`` labels say nothing;
- weapon: a label is right with probability ``q`` and otherwise one of the other five
  classes; ``unknown`` says nothing.
"""

from __future__ import annotations

import math

import numpy as np

from truceline.fusion.weapons import LABELS
from truceline.geo import F64

PHASES: tuple[str, ...] = ("launch", "impact", "unknown")
PHASE_CODE = {p: i for i, p in enumerate(PHASES)}
WEAPON_CODE = {w: i for i, w in enumerate(LABELS)} | {"unknown": len(LABELS)}
MAX_LLR = 30.0


def phase_llr(codes: np.ndarray, accuracy: float) -> float:
    """Log-odds that the event is a launch rather than an impact."""
    counts = np.bincount(codes, minlength=3)
    step = math.log(accuracy / ((1.0 - accuracy) / 2.0))
    return float(np.clip((counts[0] - counts[1]) * step, -MAX_LLR, MAX_LLR))


def weapon_loglik(codes: np.ndarray, accuracy: float) -> F64:
    """Log-likelihood of the labels under each class of :data:`LABELS`."""
    counts = np.bincount(codes, minlength=len(LABELS) + 1)[: len(LABELS)]
    right, wrong = math.log(accuracy), math.log((1.0 - accuracy) / (len(LABELS) - 1))
    total = counts.sum()
    return np.asarray(counts * right + (total - counts) * wrong, dtype=np.float64)


def best_weapon(loglik: F64, n_labels: int) -> str:
    """The most likely class, or ``unknown`` when no sensor gave a weapon label."""
    if n_labels == 0:
        return "unknown"
    return LABELS[int(np.argmax(loglik))]


def phase_from_llr(llr: float) -> str:
    if llr > 0:
        return "launch"
    if llr < 0:
        return "impact"
    return "unknown"
