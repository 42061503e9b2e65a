from dataclasses import replace
from datetime import timedelta

import numpy as np
from fusion_synth import T0, Blast, enu_to_latlon, grid_network, picks, run_chunked

from truceline.formats.records import Detection, Sensor, Weather
from truceline.fusion.config import FusionConfig
from truceline.fusion.engine import FusionEngine
from truceline.fusion.liveness import working

S = 1_000_000  # µs a second
WEATHER = [Weather(time=T0 - timedelta(hours=1), temperature_c=3.0)]


def _working(times_s: list[float], sensors: list[int], *, in_pool: tuple[int, ...] = (),
             ref_s: float = 1_000.0, silence_p: float = 1e-2,
             registered: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    pool = np.zeros(4, dtype=bool)
    pool[list(in_pool)] = True
    order = np.argsort(times_s, kind="stable")
    t = np.round(np.asarray(times_s)[order] * S).astype(np.int64)
    return working(t, np.asarray(sensors, dtype=np.int64)[order], 4, pool,
                   ref_us=round(ref_s * S), lo_us=round((ref_s - 2.0) * S),
                   hi_us=round((ref_s + 145.0) * S), window_s=900.0,
                   silence_p=silence_p, registered=registered)  # fmt: skip


def test_a_sensor_not_registered_through_the_pool_is_not_working() -> None:
    t, s = [900.0, 950.0, 990.0], [0, 1, 2]
    assert _working(t, s, in_pool=(0, 1, 2))[:3].all()
    registered = np.array([True, False, True, True])  # sensor 1 registered partway
    assert _working(t, s, in_pool=(0, 1, 2), registered=registered)[:3].tolist() == [
        True, False, True]  # fmt: skip


def test_a_busy_sensor_silent_for_minutes_is_down_a_quiet_one_is_not() -> None:
    busy = [100.0 + 40.0 * i for i in range(16)]  # a pick every 40 s until t = 700 s
    quiet = [150.0, 420.0, 690.0]  # three picks in the same time
    t = busy + quiet
    s = [0] * len(busy) + [1] * len(quiet)
    alive = _working(t, s)
    assert not alive[0]  # 16 episodes in 600 s, then silent for 445 s: p = 7e-6
    assert alive[1]  # too few episodes to judge: the window rule
    assert not alive[2] and not alive[3]  # never picked: not working
    assert _working(t, s, in_pool=(0,))[0]  # a pick in the pool: working
    assert _working(t, s, silence_p=1e-6)[0]  # 7e-6 is not below 1e-6


def test_a_salvo_heard_is_one_episode() -> None:
    salvo = [600.0 + 0.5 * i for i in range(80)]  # 80 picks in 40 s, then silence
    t = [*salvo, 100.0, 300.0]
    alive = _working(t, [0] * len(t))
    assert alive[0]  # three episodes, too few to judge: the window rule


def _fire(rng: np.random.Generator, n: int, every_s: float) -> list[Blast]:
    """Single launches anywhere over the grid's east half, one every ``every_s``."""
    out = []
    for k in range(n):
        lat, lon = enu_to_latlon(rng.uniform(0.0, 6_000.0), rng.uniform(-6_000.0, 6_000.0))
        out.append(Blast(f"F{k}", lat, lon, 5.0 + every_s * k))
    return out


def _outage() -> tuple[list[Sensor], list[Detection]]:
    """Fire every 30 s for 12 minutes over the grid's east half, heard by all 16 sensors;
    then the two sensors of its west corner (4 km apart) fall silent, and four minutes
    later a blast ("X", in the block of 960-1020 s) lands between them, heard by the other
    14."""
    rng = np.random.default_rng(4)
    sensors = grid_network()
    dets = picks(sensors, _fire(rng, 24, 30.0), rng, weather=WEATHER[0])
    down = {sensors[0].id, sensors[1].id}
    lat, lon = enu_to_latlon(-6_000.0, -5_000.0)
    late = Blast("X", lat, lon, 5.0 + 30.0 * 24 + 240.0)
    dets += [d for d in picks(sensors, [late], rng, weather=WEATHER[0]) if d.sensor not in down]
    dets.sort(key=lambda d: (d.time, d.id))
    return sensors, dets


def test_the_engine_searches_without_the_sensors_gone_down(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Counted as working, the two silent sensors would be near sensors that missed X (the
    # near-miss tests); they picked every 30 s until they went down, so their silence
    # says they are down, and the block's search is told so.
    from truceline.fusion import engine

    sensors, dets = _outage()
    seen: dict[float, np.ndarray] = {}
    search = engine.search_strong

    def spy(pool, used, net, weather, cfg, *, ref, **kw):  # type: ignore[no-untyped-def]
        seen[ref - T0.timestamp()] = kw["alive"].copy()
        return search(pool, used, net, weather, cfg, ref=ref, **kw)

    monkeypatch.setattr(engine, "search_strong", spy)

    def alive_at_x(config: FusionConfig) -> np.ndarray:
        seen.clear()
        eng = FusionEngine(sensors, WEATHER, config=config)
        eng.add(dets)
        eng.finish()
        return seen[960.0]

    assert alive_at_x(FusionConfig()).tolist() == [False, False] + [True] * 14
    assert alive_at_x(replace(FusionConfig(), silence_p=1e-300)).all()  # the 15-minute rule


def test_the_same_events_however_input_with_an_outage_is_chunked() -> None:
    # The working sensors are judged on the picks the engine dropped and the ones it
    # holds: feeding the same input in other batches must not change them, nor the events.
    sensors, dets = _outage()
    whole = run_chunked(sensors, dets, WEATHER, len(dets))
    assert any(all(d.startswith("X-") for d in e.detections) for e in whole)
    assert run_chunked(sensors, dets, WEATHER, 7) == whole
    assert run_chunked(sensors, dets, WEATHER, 50) == whole
