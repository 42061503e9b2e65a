"""Fusion benchmark: Truceline against a plain scipy baseline, OpenSoundscape and PyOcto.

Not part of the test suite. One simulated scenario (``truceline.fusion.simulate``) goes
through:

- Truceline's engine (association + localisation + pairing), scored by the evaluator;
- a plain per-event ``scipy.optimize.least_squares`` fit (weighted arrival times, flat
  local frame, still-air speed, start at the hearing sensors' centroid) on Truceline's
  associations;
- OpenSoundscape's ``localize`` (``least_squares``, ``gillette``, ``soundfinder``) on the
  same associations, run in the separate venv ``.venv-bench`` (it needs torch);
- PyOcto's associator on all the picks (acoustic speed as its "P" velocity), scored by the
  same evaluator as Truceline's association.

Usage::

    python3 -m venv .venv-bench
    .venv-bench/bin/pip install torch==2.9.1 torchaudio==2.9.1 torchvision==0.24.1 \
        opensoundscape==0.13.2 pyocto==0.1.4
    .venv/bin/python benchmarks/fusion_bench.py --preset moderate --seed 1 --hours 0.5

(OpenSoundscape imports torchaudio; torchaudio's newest release on PyPI, 2.11, does not
load beside torch 2.13, hence the 2.9 set.)

It prints a Markdown table (accuracy and speed, with ratios to Truceline) for
docs/benchmarks.md and writes the raw figures as JSON next to it with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

from truceline.agreement.parse import parse_agreement
from truceline.agreement.spatial import AgreementIndex
from truceline.fusion.engine import FusionEngine
from truceline.fusion.evaluate import EventRecord, evaluate, match_events, parse_events
from truceline.fusion.event import event_to_feature
from truceline.fusion.network import WeatherTable
from truceline.fusion.propagation import sound_speed
from truceline.fusion.simulate import SimulationConfig, simulate
from truceline.geo import ecef_to_enu, ecef_to_geodetic, enu_to_ecef, geodetic_to_ecef
from truceline.timefmt import from_micros, to_micros

ROOT = Path(__file__).resolve().parents[1]
BENCH_PY = ROOT / ".venv-bench" / "bin" / "python"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="moderate")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hours", type=float, default=0.5)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    sc = simulate(SimulationConfig.from_preset(args.preset, seed=args.seed, hours=args.hours))
    sensors = {s.id: s for s in sc.sensors}
    det_by_id = {d.id: d for d in sc.detections}
    index = AgreementIndex(parse_agreement(sc.agreement, source="agreement"))
    weather = WeatherTable(sc.weather)

    # --- Truceline
    t0 = time.process_time()
    engine = FusionEngine.for_agreement(sc.sensors, sc.weather, index)
    engine.add(sc.detections)
    events = engine.finish()
    t_truce = time.process_time() - t0
    doc = {"features": [event_to_feature(e) for e in events]}
    records = parse_events(doc, source="truceline")
    report = evaluate(sc.truth, records, sc.sensors, sc.weather)
    blasts = {b.id: b for b in sc.truth.blasts}
    eligible = {b.id for b in sc.truth.blasts if len(b.hearing_sensors()) >= 4}
    by_event = {e.id: e for e in events}
    matched = [m for m in match_events(sc.truth, records) if m.blast in eligible]

    # --- per-event problems for the baselines (Truceline's associations)
    jobs, truth_enu = [], []
    for m in matched:
        ev = by_event[m.event]
        dets = [det_by_id[d] for d in ev.detections]
        ss = [sensors[d.sensor] for d in dets]
        ecef = geodetic_to_ecef([s.lat for s in ss], [s.lon for s in ss], [s.alt_m for s in ss])
        lat0 = float(np.mean([s.lat for s in ss]))
        lon0 = float(np.mean([s.lon for s in ss]))
        h0 = float(np.median([s.alt_m for s in ss]))
        enu = ecef_to_enu(ecef, lat0, lon0, h0)
        speed = float(sound_speed(weather.at(to_micros(ev.time) / 1e6).temperature_c))
        t_ref = to_micros(min(d.time for d in dets))
        times = np.array([(to_micros(d.time) - t_ref) / 1e6 for d in dets])
        sig = np.array([s.timing_sigma_ms / 1e3 for s in ss])
        b = blasts[m.blast]
        truth_enu.append(ecef_to_enu(geodetic_to_ecef(b.lat, b.lon, b.alt_m), lat0, lon0, h0))
        mine = ecef_to_enu(geodetic_to_ecef(ev.lat, ev.lon, ev.height_m), lat0, lon0, h0)
        jobs.append({"receivers": enu.tolist(), "times": times.tolist(), "sigma": sig.tolist(),
                     "speed": speed, "truceline": mine[:2].tolist()})  # fmt: skip
    truth_xy = np.array([t[:2] for t in truth_enu])

    def errors(est: list) -> np.ndarray:  # type: ignore[type-arg]
        out = np.full(len(est), np.nan)
        for i, e in enumerate(est):
            if isinstance(e, list):
                out[i] = float(np.hypot(*(np.array(e) - truth_xy[i])))
        return out

    results: dict[str, dict] = {}  # type: ignore[type-arg]
    results["Truceline"] = {
        "errors": errors([j["truceline"] for j in jobs]),
        "seconds": t_truce,
        "note": "association + location + pairing",
    }

    # --- plain scipy baseline
    t0 = time.process_time()
    est = []
    for j in jobs:
        rec, t, sig = np.array(j["receivers"]), np.array(j["times"]), np.array(j["sigma"])
        c = j["speed"]
        x0 = np.array([*rec[:, :2].mean(axis=0), 0.0])

        def fun(x, rec=rec, t=t, sig=sig, c=c):  # type: ignore[no-untyped-def]
            d = np.sqrt((rec[:, 0] - x[0]) ** 2 + (rec[:, 1] - x[1]) ** 2 + rec[:, 2] ** 2)
            return (t - x[2] - d / c) / sig

        est.append(least_squares(fun, x0).x[:2].tolist())
    results["scipy least_squares"] = {
        "errors": errors(est),
        "seconds": time.process_time() - t0,
        "note": "location only, given Truceline's associations",
    }

    # --- OpenSoundscape and PyOcto in their own venv
    net_lat0 = float(np.mean([s.lat for s in sc.sensors]))
    net_lon0 = float(np.mean([s.lon for s in sc.sensors]))
    all_ecef = geodetic_to_ecef([s.lat for s in sc.sensors], [s.lon for s in sc.sensors],
                                [s.alt_m for s in sc.sensors])  # fmt: skip
    st_enu = ecef_to_enu(all_ecef, net_lat0, net_lon0, 0.0) / 1000.0
    t_start = to_micros(sc.start)
    job = {
        "oss": jobs,
        "pyocto": {
            "stations": {"id": [s.id for s in sc.sensors], "x": st_enu[:, 0].tolist(),
                         "y": st_enu[:, 1].tolist(), "z": (-st_enu[:, 2]).tolist()},
            "picks": {"station": [d.sensor for d in sc.detections],
                      "time": [(to_micros(d.time) - t_start) / 1e6 for d in sc.detections],
                      "phase": ["P"] * len(sc.detections)},
            "speed_kms": float(sound_speed(5.0)) / 1000.0, "tolerance_s": 0.05,
            "xlim": [float(st_enu[:, 0].min() - 10), float(st_enu[:, 0].max() + 10)],
            "ylim": [float(st_enu[:, 1].min() - 10), float(st_enu[:, 1].max() + 10)],
            "time_before": 80.0, "min_node_size": 1.0,
        },
    }  # fmt: skip
    pyocto_report = None
    if BENCH_PY.exists():
        proc = subprocess.run([str(BENCH_PY), str(ROOT / "benchmarks/fusion_bench_worker.py")],
                              input=json.dumps(job), capture_output=True, text=True)  # fmt: skip
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
        else:
            out = json.loads(proc.stdout)
            for alg, r in out.get("oss", {}).items():
                results[f"OpenSoundscape {alg}"] = {
                    "errors": errors(r["estimates"]), "seconds": r["seconds"],
                    "note": "location only, given Truceline's associations",
                    "failures": sum(1 for e in r["estimates"] if not isinstance(e, list)),
                }  # fmt: skip
            po = out.get("pyocto", {})
            if "error" in po:
                print("PyOcto failed:", po["error"], file=sys.stderr)
            elif po:
                pyocto_report = _score_pyocto(po, sc, net_lat0, net_lon0, t_start)
    _print(args, report, results, pyocto_report, t_truce, len(sc.detections), len(jobs))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    k: {**v, "errors": [None if math.isnan(x) else x for x in v["errors"]]}
                    for k, v in results.items()
                }
            )
        )


def _score_pyocto(po, sc, lat0, lon0, t_start):  # type: ignore[no-untyped-def]
    dets = sc.detections
    members: dict[int, list[str]] = {}
    for e, p in zip(po["assignments"]["event_idx"], po["assignments"]["pick_idx"], strict=True):
        members.setdefault(int(e), []).append(dets[int(p)].id)
    recs = []
    for idx, t, x, y in zip(po["events"]["idx"], po["events"]["time"], po["events"]["x"],
                            po["events"]["y"], strict=True):  # fmt: skip
        lat, lon, _ = ecef_to_geodetic(enu_to_ecef([x * 1000.0, y * 1000.0, 0.0], lat0, lon0, 0.0))
        when = from_micros(t_start + round(t * 1e6))
        dets_of = tuple(members.get(int(idx), []))
        recs.append(
            EventRecord(f"po-{idx}", when, float(lat), float(lon), "unknown", None, None, dets_of)
        )
    rep = evaluate(sc.truth, recs, sc.sensors, sc.weather)
    return {"report": rep, "seconds": po["seconds"]}


def _print(args, report, results, pyocto, t_truce, n_det, n_ev):  # type: ignore[no-untyped-def]
    print(f"\nScenario: preset {args.preset}, seed {args.seed}, {args.hours} h, {n_det} detections;"
          f" {n_ev} events matched to eligible blasts.\n")  # fmt: skip
    print("Localisation on Truceline's associations (same events for every method):\n")
    print(
        "| method | median error m | p90 error m | error ratio to Truceline | CPU s | time ratio |"
    )
    print("|---|---|---|---|---|---|")
    base_err = float(np.nanmedian(results["Truceline"]["errors"]))
    for name, r in results.items():
        e = r["errors"]
        med, p90 = float(np.nanmedian(e)), float(np.nanpercentile(e, 90))
        fails = r.get("failures", 0)
        label = name + (f" ({fails} failed)" if fails else "")
        print(f"| {label} | {med:.2f} | {p90:.1f} | {med / base_err:.2f} | {r['seconds']:.2f} | "
              f"{r['seconds'] / t_truce:.3f} |")  # fmt: skip
    print("\nAssociation (evaluator on all blasts heard by >= 4 sensors):\n")
    print("| associator | recall | precision | detections in 2 events | CPU s | time ratio |")
    print("|---|---|---|---|---|---|")
    print(
        f"| Truceline | {report.recall:.3f} | {report.precision:.3f} | "
        f"{report.detections_in_several_events} | {t_truce:.2f} | 1.000 |"
    )
    if pyocto:
        r = pyocto["report"]
        print(
            f"| PyOcto | {r.recall:.3f} | {r.precision:.3f} | {r.detections_in_several_events}"
            f" | {pyocto['seconds']:.2f} | {pyocto['seconds'] / t_truce:.3f} |"
        )
    else:
        print("| PyOcto | not run (see stderr) | | | | |")


if __name__ == "__main__":
    main()
