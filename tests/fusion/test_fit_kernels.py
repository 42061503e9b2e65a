"""The compiled fitting rounds, gate and batch against their numpy forms, on the very
calls association makes in a dense salvo with outlier picks and stray bearings."""

import dataclasses
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from fusion_synth import T0, Blast, enu_to_latlon, grid_network, picks

from truceline.formats.records import Detection, Weather
from truceline.fusion import _fit_kernels, _kernels, associate, batch, partition
from truceline.fusion.ellipse import error_ellipse
from truceline.fusion.engine import FusionEngine
from truceline.fusion.network import WeatherTable

pytestmark = pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="compiled kernels need numba")

WEATHER = [Weather(time=T0, temperature_c=3.0, wind_u_ms=5.0, wind_v_ms=-2.0)]
Call = tuple[associate._Ctx, associate._Sel, batch.Frames, Any, np.ndarray]


def _spoil(dets: list[Detection], rng: np.random.Generator) -> list[Detection]:
    """One pick in ten late by 0.2–0.5 s and one bearing in ten turned by 9–12°: what the
    reject step drops, by time and by bearing (a bearing turned further fails the gate's
    4 × 3° and never reaches it)."""
    out = []
    for d in dets:
        u = rng.random()
        if u < 0.1:
            d = d.model_copy(update={"time": d.time + timedelta(seconds=rng.uniform(0.2, 0.5))})
        elif u < 0.2 and d.bearing_deg is not None:
            d = d.model_copy(
                update={"bearing_deg": (d.bearing_deg + rng.uniform(9.0, 12.0)) % 360.0}
            )
        out.append(d)
    return sorted(out, key=lambda d: (d.time, d.id))


@pytest.fixture(scope="module")
def calls() -> list[Call]:
    """Every fitting round association runs on a 30-round salvo (each sensor hears 40 %
    of the rounds) beside four single blasts, with spoiled picks: its arguments, the free
    picks as they were."""
    rng = np.random.default_rng(3)
    sensors = grid_network()
    lat, lon = enu_to_latlon(-1_000.0, 2_000.0)
    rounds = [Blast(f"R{i:02d}", lat, lon, 5.0 + 0.5 * i + rng.uniform(0.0, 0.1), "launch", "mlrs")
              for i in range(30)]  # fmt: skip
    singles = [Blast(f"B{i}", *enu_to_latlon(3_000.0 * i - 4_000.0, -3_000.0), 8.0 + 7.0 * i)
               for i in range(4)]  # fmt: skip
    dets = [d for d in picks(sensors, rounds, rng, weather=WEATHER[0]) if rng.random() < 0.4]
    dets = _spoil(dets + picks(sensors, singles, rng, weather=WEATHER[0]), rng)
    seen: list[Call] = []
    fit_rounds = associate._fit_rounds

    def keep(ctx, sel, frames, air, x):  # type: ignore[no-untyped-def]
        seen.append((dataclasses.replace(ctx, free=ctx.free.copy()), sel, frames, air, x.copy()))
        return fit_rounds(ctx, sel, frames, air, x)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(associate, "_fit_rounds", keep)
        engine = FusionEngine(sensors, WEATHER)
        engine.add(dets)
        assert engine.finish()
    assert sum(len(c[4]) for c in seen) > 300
    return seen


def _twice(call: Call) -> Call:
    """The call with every candidate twice: a pick both copies reject in one round."""
    ctx, sel, frames, air, x = call
    n = len(x)
    both = associate._Sel(np.concatenate([sel.ci, sel.ci + n]), np.concatenate([sel.pi, sel.pi]),
                          np.concatenate([sel.wb, sel.wb]))  # fmt: skip
    order = np.argsort(both.ci, kind="stable")
    both = associate._Sel(both.ci[order], both.pi[order], both.wb[order])
    f2 = batch.Frames(np.tile(frames.lat, 2), np.tile(frames.lon, 2), np.tile(frames.height, 2))
    a2 = associate._Air.of(air.records * 2)
    return ctx, both, f2, a2, np.tile(x, (2, 1))


def _same(a: tuple[np.ndarray, associate._Sel, Any, Any],
          b: tuple[np.ndarray, associate._Sel, Any, Any]) -> None:  # fmt: skip
    np.testing.assert_array_equal(a[1].ci, b[1].ci)
    np.testing.assert_array_equal(a[1].pi, b[1].pi)
    np.testing.assert_array_equal(a[1].wb, b[1].wb)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[3], b[3])  # the slots of the batch each returns


def test_compiled_fitting_rounds_end_where_the_numpy_forms_do(
    calls: list[Call], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same picks kept and the same fits to the last bit, candidate by candidate; the
    numpy form drops picks by time and by bearing on the way (the test would not see a
    broken reject otherwise). Its reject step asks :func:`associate._owners` for the
    time drops, then for the bearing drops."""
    owners = associate._owners
    asked: list[int] = []

    def count(rows, picks, n):  # type: ignore[no-untyped-def]
        asked.append(len(picks))
        return owners(rows, picks, n)

    monkeypatch.setattr(associate, "_owners", count)
    for ctx, sel, frames, air, x in calls:
        want = associate._fit_rounds_numpy(ctx, sel, frames, air, x)
        _same(associate._fit_rounds(ctx, sel, frames, air, x), want)
    assert sum(asked[0::2]) > 0 and sum(asked[1::2]) > 0


def test_a_pick_two_candidates_reject_at_once_leaves_the_later_first(
    calls: list[Call], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every candidate twice, both copies ask to drop the same pick in the same
    round; the compiled rounds drop it from the later copy first, as the numpy form does
    (:func:`associate._owners`), and end where it ends."""
    owners = associate._owners
    shared = [0]

    def count(rows, picks, n):  # type: ignore[no-untyped-def]
        shared[0] += len(picks) - len(np.unique(picks))
        return owners(rows, picks, n)

    monkeypatch.setattr(associate, "_owners", count)
    for call in calls[:40]:
        ctx, sel, frames, air, x = _twice(call)
        want = associate._fit_rounds_numpy(ctx, sel, frames, air, x)
        _same(associate._fit_rounds(ctx, sel, frames, air, x), want)
    assert shared[0] > 0


def test_compiled_gate_keeps_the_numpy_forms_picks(calls: list[Call]) -> None:
    """The gate's pairs, for fits and covariances as the rounds meet them, and for
    covariances that are singular (infinite: the gate takes 10⁶ instead)."""
    rng = np.random.default_rng(0)
    for ctx, _sel, frames, air, x in calls[::3]:
        cov = np.einsum("cij,ckj->cik", *(2 * [rng.normal(0.0, 0.3, (len(x), 3, 3))]))
        cov[::4] = np.inf
        free = np.flatnonzero(ctx.free)
        want = associate._gate_numpy(ctx, free, frames, air, x, cov)
        key, idx, lo, hi = associate._free_index(ctx.pool, free, len(ctx.net))
        out, sl = np.empty(len(ctx.net), dtype=np.int64), np.empty(3)
        for c in range(len(x)):
            m = _fit_kernels._gate_one(
                c, frames.rot, frames.origin, frames.inv2n[c], frames.inv2m[c], air.speed[c],
                air.wind[c, 0], air.wind[c, 1], x[c], cov[c], ctx.net.ecef, ctx.net.sigma_t,
                key, idx, ctx.pool.t, lo, hi, associate.KEY_SPAN_S, ctx.cfg.gate_sigmas,
                ctx.cfg.max_range_m, sl, out,
            )  # fmt: skip
            np.testing.assert_array_equal(out[:m], want[1][want[0] == c])


def test_compiled_batch_is_the_numpy_forms(calls: list[Call]) -> None:
    """The same padded arrays to the last bit in every slot a fit reads: sensor positions
    add the terms of numpy's ``einsum`` in its order, and the rotations are numpy's in
    every slot with a bearing (the only ones a fit turns; the compiled batch computes
    only the frames of sensors with bearings)."""
    n_bearings = 0
    for ctx, sel, frames, air, _ in calls[::3]:
        got, slot = associate._build(ctx, sel, frames, air)
        want, want_slot = associate._build_numpy(ctx, sel, frames, air)
        np.testing.assert_array_equal(slot, want_slot)
        np.testing.assert_array_equal(got.mask, want.mask)
        for name in ("sens", "t", "sig", "bear", "sigb"):
            np.testing.assert_array_equal(getattr(got, name)[want.mask],
                                          getattr(want, name)[want.mask], err_msg=name)  # fmt: skip
        turned = want.mask & np.isfinite(want.bear)
        np.testing.assert_array_equal(got.brot[turned], want.brot[turned], err_msg="brot")
        n_bearings += int(turned.sum())
        for name in ("speed", "wind", "inv2n", "inv2m"):
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    assert n_bearings > 0


def test_semi_major_axes_are_the_error_ellipses() -> None:
    """The stacked semi-major axes are :func:`error_ellipse`'s, the covariance scaled by
    the reduced chi-square where it exceeds 1; NaN where the covariance is not finite."""
    rng = np.random.default_rng(4)
    a = rng.normal(0.0, 30.0, (50, 3, 3))
    cov = np.einsum("cij,ckj->cik", a, a)
    cov[7, 2, 2] = np.inf
    chi2 = rng.uniform(0.0, 40.0, 50)
    dof = rng.integers(-1, 12, 50)
    got = associate._semi_major(cov, chi2, dof, np.isfinite(cov).all(axis=(1, 2)))
    for c in range(50):
        if c == 7:
            assert np.isnan(got[c])
            continue
        scale = max(1.0, chi2[c] / dof[c]) if dof[c] > 0 else 1.0
        assert got[c] == error_ellipse(cov[c, :2, :2] * scale).semi_major_m


def test_weather_for_many_times_is_the_weather_at_each() -> None:
    table = WeatherTable([
        Weather(time=T0 + timedelta(minutes=m), temperature_c=m, wind_u_ms=-m, wind_v_ms=2 * m)
        for m in (0, 10, 30)
    ])  # fmt: skip
    times = T0.timestamp() + np.array([-60.0, 0.0, 599.9, 600.0, 1e4, 1800.0])
    assert table.at_many(times) == [table.at(float(t)) for t in times]


def test_the_near_miss_count_is_the_references_along_either_axis() -> None:
    """The near-miss test's strip of working sensors, taken along north or along east,
    gives the count of the numpy reference (:func:`partition._missed`); the walk takes it
    along the network's longer axis."""
    rng = np.random.default_rng(6)
    east, north = rng.uniform(-30e3, 30e3, 90), rng.uniform(-60e3, 60e3, 90)
    geo = partition.Geometry(east, north, np.zeros(90), np.ones(90), 330.0, 340.0, 0.0, 0.0, 0.0)
    alive = rng.random(90) < 0.9
    by_e, by_n = np.argsort(east, kind="mergesort"), np.argsort(north, kind="mergesort")
    stamp = np.full(90, -1, dtype=np.int64)
    counts = []
    for mark in range(400):
        x0, y0 = rng.uniform(-30e3, 30e3), rng.uniform(-60e3, 60e3)
        w = rng.choice([50.0, 400.0, 3_000.0])
        heard = rng.choice(90, size=rng.integers(4, 9), replace=False)
        stamp[heard] = mark
        closest = min(_kernels._gap2(x0, x0 + w, y0, y0 + w, east[s], north[s]) for s in heard)
        got = [
            _kernels._missed_count(x0, x0 + w, y0, y0 + w, closest, east, north, along,
                                   order[alive[order]], axis[order[alive[order]]], stamp,
                                   mark, 90)
            for along, order, axis in ((True, by_n, north), (False, by_e, east))
        ]  # fmt: skip
        occ = np.zeros((1, 90), dtype=bool)
        occ[0, heard] = True
        box = np.array([[x0, x0 + w, y0, y0 + w, 0.0, 1.0]])
        assert got[0] == got[1] == partition._missed(box, occ, geo, alive)[0]
        counts.append(got[0])
    assert max(counts) >= 2


def test_the_tests_against_chance_of_the_plainly_acceptable_are_those_of_all(
    calls: list[Call],
) -> None:
    """Acceptance runs the near-miss, chance, halo and loudness tests only on candidates
    whose own fit passes (most fail there); run on every candidate instead, each row's
    results and the candidates accepted are the same, to the last bit."""
    rng = np.random.default_rng(1)
    skipped = accepted = 0
    for ctx, sel, frames, air, x in calls:
        x, sel, b, slot = associate._fit_rounds(ctx, sel, frames, air, x)
        cov, chi2, _ = batch.covariance(b, x)
        plain = associate._plain_tests(ctx.cfg, b, x, cov, chi2)
        rows = np.flatnonzero(associate._acceptable(ctx.cfg, plain, np.inf))
        for near in (np.ones(len(x), dtype=bool), rng.random(len(x)) < 0.5):
            part = associate._chance_tests(ctx, plain, rows, slot, b, x, cov, frames, near)
            full = associate._chance_tests(ctx, plain, np.arange(len(x)), slot, b, x, cov,
                                           frames, near)  # fmt: skip
            for name in ("missed", "chance", "ghost", "loud"):
                got, want = getattr(part, name)[rows], getattr(full, name)[rows]
                assert got.tobytes() == want.tobytes(), name
            ok = associate._acceptable(ctx.cfg, part, ctx.cfg.max_chance_p)
            np.testing.assert_array_equal(
                ok, associate._acceptable(ctx.cfg, full, ctx.cfg.max_chance_p)
            )
            accepted += int(ok.sum())
        skipped += len(x) - len(rows)
    assert skipped > 100 and accepted > 50
