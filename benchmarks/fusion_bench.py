"""Fusion benchmark: Truceline against scipy baselines, OpenSoundscape and PyOcto.

Not part of the test suite. One simulated scenario (``truceline.fusion.simulate``) goes
through:

- Truceline's engine (association + localisation + pairing), scored by the evaluator;
- a plain per-event ``scipy.optimize.least_squares`` fit (weighted arrival times, flat
  local frame, still-air speed, start at the hearing sensors' centroid) on Truceline's
  associations;
- the same solver with the spec's propagation model (the exact local frame, the speed
  of sound at the event's temperature plus the wind along each path, Huber's loss): what
  the model is worth apart from Truceline's own solver;
- OpenSoundscape's ``localize`` (``least_squares``, ``gillette``, ``soundfinder``) on the
  same associations, run in the separate venv ``.venv-bench`` (it needs torch);
- PyOcto's associator on all the picks (each a "P" pick at the speed of sound of the
  scenario's middle hour; stations counted within Truceline's ``max_range_m``), scored
  by the same evaluator as Truceline's association, on the scenario as simulated and on
  its twin in still air (the same seed with no wind), where PyOcto's homogeneous model is
  exact but for the hourly temperature. Truceline fuses the twin too.

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
from truceline.fusion.config import FusionConfig
from truceline.fusion.engine import FusionEngine
from truceline.fusion.evaluate import (
    EventRecord,
    Report,
    evaluate,
    match_events,
    parse_events,
)
from truceline.fusion.event import Event, event_to_feature
from truceline.fusion.locate import Frame, travel_model
from truceline.fusion.network import WeatherTable
from truceline.fusion.propagation import sound_speed
from truceline.fusion.simulate import Scenario, SimulationConfig, simulate
from truceline.geo import ecef_to_enu, ecef_to_geodetic, enu_to_ecef, geodetic_to_ecef
from truceline.timefmt import from_micros, to_micros

ROOT = Path(__file__).resolve().parents[1]
BENCH_PY = ROOT / ".venv-bench" / "bin" / "python"
# PyOcto's settings: the best of those tried on moderate seed 1 (tolerances 0.03-0.4 s,
# nodes 0.05-3 km; docs/benchmarks.md).
PYOCTO_TOLERANCE_S = 0.1
PYOCTO_CALM_TOLERANCE_S = 0.05
PYOCTO_NODE_KM = 0.1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="moderate")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hours", type=float, default=0.5)
    ap.add_argument(
        "--pyocto-tolerance",
        type=float,
        default=PYOCTO_TOLERANCE_S,
        help="PyOcto's velocity model and pick match tolerance on the input as simulated, s",
    )
    ap.add_argument(
        "--pyocto-calm-tolerance",
        type=float,
        default=PYOCTO_CALM_TOLERANCE_S,
        help="the same on the input's twin in still air, s",
    )
    ap.add_argument(
        "--pyocto-node-km",
        type=float,
        default=PYOCTO_NODE_KM,
        help="PyOcto's min_node_size, km (its location grid a tenth of it)",
    )
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    sc = simulate(SimulationConfig.from_preset(args.preset, seed=args.seed, hours=args.hours))
    # The same scenario in still air: PyOcto's homogeneous velocity model is then exact
    # but for the hour-to-hour temperature, so its association is judged on its own.
    calm = simulate(SimulationConfig.from_preset(args.preset, seed=args.seed, hours=args.hours,
                                                 wind_ms=0.0))  # fmt: skip
    scens = {"windy": sc, "calm": calm}
    runs = {name: _truceline(one) for name, one in scens.items()}
    events, records, _, t_truce = runs["windy"]
    sensors = {s.id: s for s in sc.sensors}
    det_by_id = {d.id: d for d in sc.detections}
    weather = WeatherTable(sc.weather)
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
        air = weather.at(to_micros(ev.time) / 1e6)
        speed = float(sound_speed(air.temperature_c))
        t_ref = to_micros(min(d.time for d in dets))
        times = np.array([(to_micros(d.time) - t_ref) / 1e6 for d in dets])
        sig = np.array([s.timing_sigma_ms / 1e3 for s in ss])
        b = blasts[m.blast]
        truth_enu.append(ecef_to_enu(geodetic_to_ecef(b.lat, b.lon, b.alt_m), lat0, lon0, h0))
        mine = ecef_to_enu(geodetic_to_ecef(ev.lat, ev.lon, ev.height_m), lat0, lon0, h0)
        jobs.append({"receivers": enu.tolist(), "times": times.tolist(), "sigma": sig.tolist(),
                     "speed": speed, "truceline": mine[:2].tolist(), "frame": [lat0, lon0, h0],
                     "wind": [air.wind_u_ms, air.wind_v_ms]})  # fmt: skip
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

    # --- the same solver with the spec's propagation model
    t0 = time.process_time()
    est = [_modelled(j) for j in jobs]
    results["scipy least_squares, the spec's model"] = {
        "errors": errors(est),
        "seconds": time.process_time() - t0,
        "note": "location only, given Truceline's associations",
    }

    # --- OpenSoundscape and PyOcto in their own venv
    tolerance = {"windy": args.pyocto_tolerance, "calm": args.pyocto_calm_tolerance}
    specs = {name: _pyocto_job(one, tolerance[name], args.pyocto_node_km)
             for name, one in scens.items()}  # fmt: skip
    job = {"oss": jobs, "pyocto": list(specs.values())}
    pyocto_of: dict[str, dict] = {}  # type: ignore[type-arg]
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
            for name, po in zip(scens, out.get("pyocto", []), strict=False):
                if "error" in po:
                    print(f"PyOcto ({name}) failed:", po["error"], file=sys.stderr)
                    continue
                pyocto_of[name] = _score_pyocto(po, scens[name], specs[name])
    _print(args, scens, runs, results, pyocto_of, tolerance, len(jobs))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    k: {**v, "errors": [None if math.isnan(x) else x for x in v["errors"]]}
                    for k, v in results.items()
                }
            )
        )


def _truceline(sc: Scenario) -> tuple[list[Event], list[EventRecord], Report, float]:
    """Truceline's events on a scenario, scored, and the CPU seconds of the engine."""
    index = AgreementIndex(parse_agreement(sc.agreement, source="agreement"))
    t0 = time.process_time()
    engine = FusionEngine.for_agreement(sc.sensors, sc.weather, index)
    engine.add(sc.detections)
    events = engine.finish()
    seconds = time.process_time() - t0
    records = parse_events({"features": [event_to_feature(e) for e in events]},
                           source="truceline")  # fmt: skip
    return events, records, evaluate(sc.truth, records, sc.sensors, sc.weather), seconds


def _pyocto_job(sc: Scenario, tolerance: float, node_km: float) -> dict:  # type: ignore[type-arg]
    """PyOcto's input for a scenario: every pick as a P pick, stations in the network's
    exact local frame (km, depth down), its homogeneous model at the speed of sound of
    the scenario's middle hour, and stations counted only within the range Truceline
    assumes a sensor hears (``max_range_m``), as Truceline counts them."""
    lat0 = float(np.mean([s.lat for s in sc.sensors]))
    lon0 = float(np.mean([s.lon for s in sc.sensors]))
    ecef = geodetic_to_ecef([s.lat for s in sc.sensors], [s.lon for s in sc.sensors],
                            [s.alt_m for s in sc.sensors])  # fmt: skip
    st = ecef_to_enu(ecef, lat0, lon0, 0.0) / 1000.0
    t_start = to_micros(sc.start)
    mid = t_start / 1e6 + (to_micros(sc.end) - t_start) / 2e6
    speed = float(sound_speed(WeatherTable(sc.weather).at(mid).temperature_c)) / 1000.0
    cfg = FusionConfig()
    return {
        "stations": {"id": [s.id for s in sc.sensors], "x": st[:, 0].tolist(),
                     "y": st[:, 1].tolist(), "z": (-st[:, 2]).tolist()},
        "picks": {"station": [d.sensor for d in sc.detections],
                  "time": [(to_micros(d.time) - t_start) / 1e6 for d in sc.detections],
                  "phase": ["P"] * len(sc.detections)},
        "speed_kms": speed, "tolerance_s": tolerance, "min_node_size": node_km,
        "cutoff_km": cfg.max_range_m / 1000.0, "time_before": cfg.max_travel_s,
        "xlim": [float(st[:, 0].min() - 10), float(st[:, 0].max() + 10)],
        "ylim": [float(st[:, 1].min() - 10), float(st[:, 1].max() + 10)],
        # Depth down, as the stations' (the frame's curvature puts far ones below it).
        "zlim": [float(-st[:, 2].max() - 0.2), float(-st[:, 2].min() + 0.2)],
        "frame": [lat0, lon0], "t_start": t_start,
    }  # fmt: skip


def _modelled(j: dict) -> list[float]:  # type: ignore[type-arg]
    """A per-event ``least_squares`` fit with the spec's propagation model, as Truceline
    fits: the source on the surface of the hearing sensors' median height in the exact
    local frame (its sagitta), the speed of sound at the event's temperature plus the
    wind along each path, each pick weighted by its sensor's sigma, and Huber's loss
    (3 sigma) against outlier picks. It tells the error that the model removes from the
    plain fit apart from what Truceline's own solver adds."""
    rec, t, sig = np.array(j["receivers"]), np.array(j["times"]), np.array(j["sigma"])
    frame = Frame(*j["frame"])
    c, (wu, wv) = j["speed"], j["wind"]

    def fun(x: np.ndarray) -> np.ndarray:
        tt, _, _ = travel_model(rec - frame.surface(x[0], x[1]), c, wu, wv)
        return np.asarray((t - x[2] - tt) / sig)

    # Least squares first, from the hearing sensors' centroid: from there Huber's loss,
    # linear in residuals of thousands of sigmas, barely moves.
    x0 = least_squares(fun, np.array([*rec[:, :2].mean(axis=0), 0.0])).x
    return [float(v) for v in least_squares(fun, x0, loss="huber", f_scale=3.0).x[:2]]


def _score_pyocto(po: dict, sc: Scenario, spec: dict) -> dict:  # type: ignore[type-arg]
    """PyOcto's events and pick assignments as event records, scored by the evaluator."""
    dets = sc.detections
    (lat0, lon0), t_start = spec["frame"], spec["t_start"]
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
    return {"report": rep, "seconds": po["seconds"], "events": len(recs),
            "split": _split_recall(sc, recs)}  # fmt: skip


def _split_recall(sc: Scenario, records: list[EventRecord]) -> tuple[float, float]:
    """Recall of the eligible single shots and of the eligible salvo rounds apart: a
    salvo's rounds, half a second apart, are where associators mix picks."""
    eligible = {b.id: b for b in sc.truth.blasts if len(b.hearing_sensors()) >= 4}
    found = {m.blast for m in match_events(sc.truth, records)}
    out = []
    for salvo in (False, True):
        ids = [i for i, b in eligible.items() if (b.salvo is not None) == salvo]
        out.append(sum(i in found for i in ids) / len(ids) if ids else math.nan)
    return out[0], out[1]


def _print(args, scens, runs, results, pyocto_of, tolerance, n_ev):  # type: ignore[no-untyped-def]
    t_truce, n_det = runs["windy"][3], len(scens["windy"].detections)
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
    print("\nAssociation (evaluator on all blasts heard by >= 4 sensors; time ratio to Truceline"
          " on the same input):\n")  # fmt: skip
    print("| input | associator | events | recall | single shots | salvo rounds | precision |"
          " detections in 2 events | CPU s | time ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, (events, records, rep, secs) in runs.items():
        what = "as simulated" if name == "windy" else "still air"
        one, many = _split_recall(scens[name], records)
        print(f"| {what} | Truceline | {len(events)} | {rep.recall:.3f} | {one:.3f} | "
              f"{many:.3f} | {rep.precision:.3f} | {rep.detections_in_several_events} | "
              f"{secs:.2f} | 1.000 |")  # fmt: skip
        po = pyocto_of.get(name)
        if po is None:
            print(f"| {what} | PyOcto | not run (see stderr) | | | | | | | |")
            continue
        r, (one, many) = po["report"], po["split"]
        print(f"| {what} | PyOcto (tolerance {tolerance[name]} s, nodes "
              f"{args.pyocto_node_km} km) | {po['events']} | {r.recall:.3f} | {one:.3f} | "
              f"{many:.3f} | {r.precision:.3f} | {r.detections_in_several_events} | "
              f"{po['seconds']:.2f} | {po['seconds'] / secs:.3f} |")  # fmt: skip


if __name__ == "__main__":
    main()
