import numpy as np

from truceline.fusion.pairing import PairingCosts, PairingInput, salvo_groups, solve_pairs
from truceline.fusion.weapons import ENVELOPES, LABELS, max_time_of_flight


def _labels(weapon: str, n: int = 10) -> np.ndarray:
    v = np.full(len(LABELS), np.log(0.04) * n)
    v[LABELS.index(weapon)] = np.log(0.8) * n
    return v


def _inp(origins: list[float], east: list[float], llr: list[float], weapon: str) -> PairingInput:
    n = len(origins)
    return PairingInput(
        origin=np.array(origins, dtype=float),
        ecef=np.column_stack([np.array(east, dtype=float), np.zeros(n), np.zeros(n)]),
        phase_llr=np.array(llr, dtype=float),
        weapon_loglik=np.array([_labels(weapon) for _ in range(n)]),
        side=[None] * n,
        can_launch=np.ones(n, dtype=bool),
    )


def test_salvo_pairs_in_order() -> None:
    # 6 rockets fired 0.5 s apart from x=0, all landing ~15 km away after ~45 s.
    launches = [0.5 * i for i in range(6)]
    impacts = [45.0 + 0.5 * i for i in range(6)]
    inp = _inp(launches + impacts, [0.0] * 6 + [15_000.0] * 6, [5.0] * 6 + [-5.0] * 6, "mlrs")
    pairs = solve_pairs(inp, PairingCosts())
    assert [(a, b) for a, b, _ in pairs] == [(i, i + 6) for i in range(6)]
    assert {w for _, _, w in pairs} == {"mlrs"}


def test_no_pair_outside_the_envelope() -> None:
    # 150 km in 10 s is no weapon's flight.
    inp = _inp([0.0, 10.0], [0.0, 150_000.0], [5.0, -5.0], "artillery")
    assert solve_pairs(inp, PairingCosts()) == []


def test_an_event_is_never_both_launch_and_impact() -> None:
    # A chain of three events each plausibly pairing with the next.
    inp = _inp([0.0, 30.0, 60.0], [0.0, 10_000.0, 20_000.0], [0.0, 0.0, 0.0], "artillery")
    pairs = solve_pairs(inp, PairingCosts())
    used = [i for a, b, _ in pairs for i in (a, b)]
    assert len(used) == len(set(used)) and len(pairs) == 1


def test_envelopes_are_ordered_bands() -> None:
    for env in ENVELOPES:
        lo, hi = env.tof_band(np.array([env.range_m[1]]))
        assert 0 < lo[0] < hi[0] <= max_time_of_flight()


def test_salvo_with_noisy_labels_pairs_in_time_order() -> None:
    # 20 rockets 0.5 s apart from one spot; impacts 150 m apart ~30 km away, each round
    # flying 95 s ± 0.2 s. Per-event weapon labels vary (some wrong), which must not
    # scramble the order: the salvo's common time of flight does.
    rng = np.random.default_rng(7)
    n = 20
    launches = [0.5 * i for i in range(n)]
    impacts = [95.0 + 0.5 * i + rng.normal(0.0, 0.05) for i in range(n)]
    east = [float(rng.normal(0.0, 3.0)) for _ in range(n)]
    east += [30_000.0 + float(rng.normal(0.0, 150.0)) for _ in range(n)]
    inp = _inp(launches + impacts, east, [5.0] * n + [-5.0] * n, "mlrs")
    wl = inp.weapon_loglik.copy()
    for i in rng.choice(2 * n, 12, replace=False):
        wl[i] = _labels(LABELS[int(rng.integers(len(LABELS)))], n=3)
    inp = PairingInput(inp.origin, inp.ecef, inp.phase_llr, wl, inp.side, inp.can_launch)
    pairs = solve_pairs(inp, PairingCosts())
    assert [(a, b) for a, b, _ in pairs] == [(i, i + n) for i in range(n)]


def test_salvo_groups_need_one_spot_and_several_rounds() -> None:
    origins = [0.5 * i for i in range(6)] + [1.0, 2.0]
    east = [0.0] * 6 + [5_000.0, 9_000.0]
    inp = _inp(origins, east, [5.0] * 8, "mlrs")
    group = salvo_groups(inp)
    assert len(set(group[:6].tolist())) == 1 and group[0] >= 0
    assert (group[6:] == -1).all()
