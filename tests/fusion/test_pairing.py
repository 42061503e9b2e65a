import numpy as np

from truceline.fusion.pairing import PairingCosts, PairingInput, solve_pairs
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
