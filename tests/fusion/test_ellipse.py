import math

import numpy as np
import pytest

from truceline.fusion.ellipse import CHI2_2DOF_95, error_ellipse


def test_axis_aligned_covariance() -> None:
    ell = error_ellipse(np.diag([4.0, 1.0]))  # east variance 4 m², north 1 m²
    assert ell.semi_major_m == pytest.approx(2.0 * math.sqrt(CHI2_2DOF_95))
    assert ell.semi_minor_m == pytest.approx(math.sqrt(CHI2_2DOF_95))
    assert ell.azimuth_deg == pytest.approx(90.0)


def test_rotated_covariance_azimuth_clockwise_from_north() -> None:
    theta = math.radians(30.0)  # major axis 30° east of north
    axis = np.array([math.sin(theta), math.cos(theta)])
    perp = np.array([axis[1], -axis[0]])
    cov = 9.0 * np.outer(axis, axis) + 1.0 * np.outer(perp, perp)
    ell = error_ellipse(cov)
    assert ell.azimuth_deg == pytest.approx(30.0)
    assert ell.semi_major_m == pytest.approx(3.0 * math.sqrt(CHI2_2DOF_95))


def test_chi2_quantile() -> None:
    assert pytest.approx(-2.0 * math.log(0.05)) == CHI2_2DOF_95
