"""The compiled kernels with no numpy reference: the quick fit that purifies leaves."""

import numpy as np
import pytest
from fusion_synth import T0, Blast, enu_to_latlon, grid_network, picks

from truceline.formats.records import Weather
from truceline.fusion import _kernels
from truceline.fusion.network import Network
from truceline.fusion.propagation import sound_speed
from truceline.geo import ecef_to_enu, geodetic_to_ecef

pytestmark = pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba is not installed")
WEATHER = Weather(time=T0, temperature_c=5.0, wind_u_ms=7.0, wind_v_ms=-3.0)


def _salvo_picks() -> tuple[Network, dict[tuple[str, int], int], np.ndarray, np.ndarray, list]:
    """Three rounds 120 m and half a second apart (a salvo's impacts), heard by all 16
    sensors of a grid with a 7 m/s wind; picks indexed by (round, sensor)."""
    sensors = grid_network(arrays=False)
    net = Network(sensors)
    rounds = [Blast(f"r{i}", *enu_to_latlon(300.0 + 120.0 * i, -200.0 + 60.0 * i), 10.0 + 0.5 * i)
              for i in range(3)]  # fmt: skip
    dets = picks(sensors, rounds, np.random.default_rng(3), weather=WEATHER)
    t = np.array([(d.time - T0).total_seconds() for d in dets])
    sensor = np.array([net.index[d.sensor] for d in dets], dtype=np.int64)
    index = {(d.id.split("-")[0], int(sensor[k])): k for k, d in enumerate(dets)}
    return net, index, t, sensor, rounds


def _box(net: Network, blast: Blast) -> np.ndarray:
    height = float(np.median(net.alt))
    enu = ecef_to_enu(geodetic_to_ecef(blast.lat, blast.lon, height), net.lat0, net.lon0, net.h0)
    e, n = float(enu[0]), float(enu[1])
    return np.array([e - 25.0, e + 25.0, n - 25.0, n + 25.0, blast.seconds - 0.07,
                     blast.seconds + 0.08])  # fmt: skip


def _purify(net: Network, t: np.ndarray, sensor: np.ndarray, leaves: list[list[int]],
            boxes: list[np.ndarray], min_sensors: int = 6) -> list[list[int]]:  # fmt: skip
    start = np.concatenate([[0], np.cumsum([len(x) for x in leaves])]).astype(np.int64)
    flat = np.array([p for x in leaves for p in sorted(x)], dtype=np.int64)
    c = float(sound_speed(np.array([WEATHER.temperature_c]))[0])
    out_start, out = _kernels.purify_leaves(
        start, flat, t, sensor, np.array(boxes), net.enu[:, 0], net.enu[:, 1], net.enu[:, 2],
        net.sigma_t, c, WEATHER.wind_u_ms, WEATHER.wind_v_ms, 0.01, 4.0, min_sensors,
    )  # fmt: skip
    return [sorted(out[out_start[i] : out_start[i + 1]].tolist()) for i in range(len(leaves))]


def test_a_leaf_is_reduced_to_the_picks_of_its_round() -> None:
    net, index, t, sensor, rounds = _salvo_picks()
    own = [index[("r0", s)] for s in range(10)]
    other = [index[("r1", 0)], index[("r1", 1)], index[("r2", 10)], index[("r2", 11)]]
    (kept,) = _purify(net, t, sensor, [own + other], [_box(net, rounds[0])])
    assert kept == sorted(own)


def test_a_mixture_of_rounds_keeps_nothing() -> None:
    net, index, t, sensor, rounds = _salvo_picks()
    mixed = [index[(f"r{s % 3}", s)] for s in range(12)]  # four sensors from each round
    (kept,) = _purify(net, t, sensor, [mixed], [_box(net, rounds[1])])
    assert kept == []


def test_a_leaf_short_of_sensors_after_the_fit_keeps_nothing() -> None:
    net, index, t, sensor, rounds = _salvo_picks()
    leaf = [index[("r2", s)] for s in range(5)] + [index[("r1", 5)]]
    (kept,) = _purify(net, t, sensor, [leaf], [_box(net, rounds[2])])
    assert kept == []
    (kept,) = _purify(net, t, sensor, [leaf], [_box(net, rounds[2])], min_sensors=5)
    assert kept == sorted(leaf[:5])


def test_the_leaf_median_is_numpys() -> None:
    """The purifier's in-place median of a leaf's sensor heights is ``np.median``'s value,
    bit for bit, for odd and even counts, ties and unsorted input (the quick fit starts
    from it, and the leaves it keeps decide which candidates are fitted)."""
    rng = np.random.default_rng(5)
    for k in range(1, 40):
        for values in (rng.normal(150.0, 40.0, k), rng.integers(0, 4, k).astype(float)):
            scratch = np.concatenate([values, rng.normal(size=3)])  # only a[:k] counts
            assert _kernels._median_of(scratch, k) == np.median(values)
            assert np.array_equal(scratch[:k], np.sort(values))
