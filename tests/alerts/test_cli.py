"""`truceline alerts ...` against a fresh home directory."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from truceline.alerts.cap_check import problems
from truceline.cli.main import _register_plugins, app

_register_plugins()


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    monkeypatch.setenv("TRUCELINE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TRUCELINE_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_simulate_reports_figures_and_writes_an_example(run: Any, tmp_path: Path) -> None:
    example = tmp_path / "alert.cap.xml"
    result = run(
        "alerts",
        "simulate",
        "--rate",
        "0.5",
        "--rise",
        "4",
        "--replicates",
        "40",
        "--bins",
        "500",
        "--format",
        "json",
        "--example",
        str(example),
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row["rate_per_bin"] == 0.5 and row["design_per_1000"] == pytest.approx(1000 / 720, 1e-3)
    assert row["detected_4x"] > 0.9 and row["delay_4x_median"] < 24
    doc = example.read_bytes()
    assert problems(doc) == []
    assert b"<status>Exercise</status>" in doc and doc.count(b"<info>") == 3


def test_subscribe_deliver_and_dead_letters(run: Any) -> None:
    assert (
        run("principals", "add", "--name", "ops", "--nation", "GBR", "--role", "analyst").exit_code
        == 0
    )
    made = run(
        "alerts",
        "subscribe",
        "--principal",
        "ops",
        "--url",
        "https://hooks.example.org/x",
        "--kind",
        "grave",
        "--payload",
        "cap",
        "--lang",
        "ru",
        "--format",
        "json",
    )
    assert made.exit_code == 0, made.output
    sub = json.loads(made.stdout)
    assert sub["secret"] and sub["format"] == "cap" and sub["language"] == "ru"
    listed = json.loads(run("alerts", "subscriptions", "--format", "json").stdout)
    assert [s["id"] for s in listed] == [sub["id"]] and "secret" not in listed[0]
    passed = json.loads(run("alerts", "deliver", "--format", "json").stdout)
    assert passed == {"alerts": 0, "delivered": 0, "retried": 0, "dead": 0, "withdrawn": 0}
    assert json.loads(run("alerts", "dead-letters", "--format", "json").stdout) == []
    assert json.loads(run("alerts", "list", "--format", "json").stdout) == []
    assert run("alerts", "unsubscribe", sub["id"]).exit_code == 0


def test_clear_errors(run: Any) -> None:
    result = run("alerts", "subscribe", "--principal", "nobody", "--url", "https://x.example.org")
    assert result.exit_code == 2 and "principal 'nobody' not found" in result.output
    shown = run("alerts", "show", "al-0000000000000000")
    assert shown.exit_code == 2 and "not found" in shown.output
