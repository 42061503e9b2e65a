"""The 95 % horizontal error ellipse of a location's covariance (pure).

For a bivariate normal error with covariance ``C`` (east, north), the region
``xᵀ C⁻¹ x ≤ k`` holds probability ``p`` when ``k`` is the chi-square quantile with 2
degrees of freedom, ``k = −2 ln(1 − p)`` (5.991 for 95 %). Its semi-axes are
``sqrt(k λ)`` for the eigenvalues ``λ`` of ``C``, and the major axis points along the
eigenvector of the larger eigenvalue; its azimuth is measured clockwise from north.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

CHI2_2DOF_95 = 5.991464547107979


@dataclass(frozen=True, slots=True)
class Ellipse:
    semi_major_m: float
    semi_minor_m: float
    azimuth_deg: float


def semi_major_axes(cov_en: np.ndarray, k: float = CHI2_2DOF_95) -> np.ndarray:
    """:func:`error_ellipse`'s ``semi_major_m`` for a stack of 2×2 covariances
    ``(N, 2, 2)``, in one eigendecomposition: association tests thousands of candidates'
    ellipses at a time."""
    c = np.asarray(cov_en, dtype=np.float64)
    vals = np.linalg.eigh(0.5 * (c + c.transpose(0, 2, 1)))[0]
    return np.asarray(np.sqrt(k * np.maximum(vals[:, 1], 0.0)))


def error_ellipse(cov_en: ArrayLike, k: float = CHI2_2DOF_95) -> Ellipse:
    """Ellipse of a 2×2 (east, north) covariance in m²; azimuth in [0, 180)."""
    c = np.asarray(cov_en, dtype=np.float64)[:2, :2]
    vals, vecs = np.linalg.eigh(0.5 * (c + c.T))
    vals = np.maximum(vals, 0.0)
    major = vecs[:, 1]
    azimuth = math.degrees(math.atan2(major[0], major[1])) % 180.0
    if math.isclose(vals[1], vals[0], rel_tol=1e-9):
        azimuth = 0.0
    return Ellipse(
        semi_major_m=math.sqrt(k * vals[1]),
        semi_minor_m=math.sqrt(k * vals[0]),
        azimuth_deg=azimuth,
    )
