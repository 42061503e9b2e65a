"""`truceline evidence add|show|custody|verify` against the same store (both backends)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.evidence.conftest import JPEG, PDF, MakeIncident, sha
from truceline.cli.main import _register_plugins, app
from truceline.evidence import FileEvidenceStore
from truceline.settings import Settings
from truceline.store.engine import Store

_register_plugins()
Run = Callable[..., Any]


@pytest.fixture
def run(store: Store, ev_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setenv("TRUCELINE_HOME", str(ev_settings.home))
    monkeypatch.setenv("TRUCELINE_DATABASE_URL", store.url)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["evidence", *args], catch_exceptions=False)


def test_add_show_custody_verify(
    run: Run, incident: MakeIncident, tmp_path: Path, evstore: FileEvidenceStore
) -> None:
    iid = incident()
    files = {name: tmp_path / name for name in ("a.jpg", "b.pdf")}
    files["a.jpg"].write_bytes(JPEG)
    files["b.pdf"].write_bytes(PDF)
    for path in files.values():
        added = run("add", str(path), "--incident", iid, "--sensitive", "--format", "json")
        assert added.exit_code == 0, added.output
    shown = json.loads(run("show", sha(JPEG), "--format", "json").stdout)
    assert shown["media_type"] == "image/jpeg" and shown["sensitive"] is True
    assert shown["custody"][0]["who"].startswith("cli:")
    log = json.loads(run("custody", sha(PDF), "--format", "json").stdout)
    assert [e["action"] for e in log] == ["upload"] and log[0]["client"] == "local"

    ok = run("verify")
    assert ok.exit_code == 0, ok.output
    assert "2 originals checked" in ok.stdout

    path = evstore.original_path(sha(PDF))
    path.chmod(0o644)
    path.write_bytes(PDF.replace(b"obj", b"OBJ", 1))
    bad = run("verify", "--format", "json")
    assert bad.exit_code == 1
    status = {r["sha256"]: r["status"] for r in json.loads(bad.stdout)}
    assert status == {sha(JPEG): "ok", sha(PDF): "mismatch"}
    log = json.loads(run("custody", sha(PDF), "--format", "json").stdout)
    assert [e["action"] for e in log] == ["upload", "integrity_failure"]
    assert run("verify", sha(JPEG)).exit_code == 0


def test_errors_name_what_is_wrong(run: Run, incident: MakeIncident, tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    path.write_bytes(JPEG)
    missing = run("add", str(path), "--incident", "no-such")
    assert missing.exit_code == 2 and "no-such" in missing.output
    wrong = run("add", str(path), "--incident", incident(), "--expected-sha256", sha(PDF))
    assert wrong.exit_code == 2 and sha(PDF) in wrong.output
    assert run("show", "0" * 64).exit_code == 2
