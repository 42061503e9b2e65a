"""Worker for benchmarks/fusion_bench.py, run inside the separate venv .venv-bench.

Reads one JSON job on stdin and writes JSON results on stdout:

- ``oss``: per event, receiver positions (local ENU metres) and arrival times; runs
  OpenSoundscape's ``localize`` with each algorithm and returns estimates and seconds;
- ``pyocto``: a list of inputs, each stations (local km), picks (seconds) and settings; runs
  PyOcto's associator on each in turn and returns its events, pick assignments and CPU
  seconds.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np


def run_oss(events: list[dict]) -> dict:
    from opensoundscape.localization.localization_algorithms import localize

    out: dict = {}
    for algorithm in ("least_squares", "gillette", "soundfinder"):
        est = []
        t0 = time.perf_counter()
        for ev in events:
            rec = np.asarray(ev["receivers"], dtype=float)
            t = np.asarray(ev["times"], dtype=float)
            t = t - t.min()  # OpenSoundscape wants times relative to a reference receiver
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    xyz = localize(rec[:, :2], t, algorithm, ev["speed"])
                est.append(None if xyz is None else [float(v) for v in xyz[:2]])
            except Exception as exc:
                est.append(f"error: {type(exc).__name__}: {exc}")
        out[algorithm] = {"seconds": time.perf_counter() - t0, "estimates": est}
    return out


def run_pyocto(job: dict) -> dict:
    import pandas as pd
    import pyocto

    stations = pd.DataFrame(job["stations"])
    picks = pd.DataFrame(job["picks"])
    vm = pyocto.VelocityModel0D(p_velocity=job["speed_kms"], s_velocity=job["speed_kms"] / 1.7,
                                tolerance=job["tolerance_s"],
                                association_cutoff_distance=job["cutoff_km"])  # fmt: skip
    assoc = pyocto.OctoAssociator(
        xlim=tuple(job["xlim"]), ylim=tuple(job["ylim"]), zlim=tuple(job["zlim"]),
        velocity_model=vm, time_before=job["time_before"], min_node_size=job["min_node_size"],
        min_node_size_location=job["min_node_size"] / 10.0,
        pick_match_tolerance=job["tolerance_s"], n_picks=4, n_p_picks=4, n_s_picks=0,
        n_p_and_s_picks=0, min_interevent_time=0.2, n_threads=1,
    )  # fmt: skip
    t0 = time.process_time()  # CPU, as Truceline's is measured
    events, assignments = assoc.associate(picks, stations)
    seconds = time.process_time() - t0
    return {
        "seconds": seconds,
        "events": events[["idx", "time", "x", "y"]].to_dict(orient="list"),
        "assignments": assignments[["event_idx", "pick_idx"]].to_dict(orient="list"),
    }


def main() -> None:
    job = json.load(sys.stdin)
    result: dict = {}
    if "oss" in job:
        result["oss"] = run_oss(job["oss"])
    if "pyocto" in job:
        result["pyocto"] = []
        for one in job["pyocto"]:  # each input in turn
            try:
                result["pyocto"].append(run_pyocto(one))
            except Exception as exc:
                result["pyocto"].append({"error": f"{type(exc).__name__}: {exc}"})
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
