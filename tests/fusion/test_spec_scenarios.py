"""Fusion on a scenario from the independent generator (benchmarks/spec_scenarios.py).

The generator is written from the specs alone; these tests keep it that way (it imports
nothing of ``truceline``) and check that ``truceline fuse`` reads its files and scores
within the issue's moderate targets on a short scenario (benchmarks/spec_eval.py runs the
half-hour ones, docs/benchmarks.md)."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from rich.console import Console

from truceline.cli.fuse_cmd import read_sensors, read_weather, run_fuse
from truceline.fusion.evaluate import evaluate, read_events
from truceline.fusion.truth import read_truth

GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "spec_scenarios.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("spec_scenarios", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["spec_scenarios"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_generator_shares_no_code_with_truceline() -> None:
    tree = ast.parse(GENERATOR.read_text())
    imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for a in node.names}  # fmt: skip
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.split(".")[0] == "truceline" for name in imported)


def test_fusion_meets_the_moderate_targets_on_an_independent_scenario(tmp_path: Path) -> None:
    counts = _generator().generate("moderate", 3, 0.25, tmp_path)
    assert counts["heard_by_4"] > 100
    run_fuse(tmp_path / "sensors.csv", tmp_path / "detections.ndjson", tmp_path / "events.geojson",
             weather=tmp_path / "weather.ndjson", agreement=tmp_path / "agreement.geojson",
             console=Console(quiet=True))  # fmt: skip
    report = evaluate(read_truth(tmp_path / "truth.ndjson"),
                      read_events(tmp_path / "events.geojson"),
                      read_sensors(tmp_path / "sensors.csv"),
                      read_weather(tmp_path / "weather.ndjson"))  # fmt: skip
    assert report.recall >= 0.97
    assert report.precision >= 0.97
    assert report.median_error_to_crb <= 1.5
    assert report.side_accuracy_far >= 0.99
    assert report.pairing_accuracy >= 0.85
    assert report.detections_in_several_events == 0
