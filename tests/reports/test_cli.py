"""`truceline report ...` against a loaded store: days, daily, spot, publish, verify."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.reports.conftest import DAY, load_demo_day
from truceline.cli.main import _register_plugins, app
from truceline.reports.digest import check
from truceline.services.principals import add_principal
from truceline.store.engine import Store

_register_plugins()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("TRUCELINE_HOME", str(home))
    monkeypatch.delenv("TRUCELINE_DATABASE_URL", raising=False)
    store = Store(f"sqlite:///{home / 'truceline.db'}")
    store.migrate()
    load_demo_day(store, tmp_path)
    add_principal(store, name="ua-liaison", nation="UKR", roles=["party_liaison"], side="UA",
                  expires_us=None, now_us=0, actor="test")  # fmt: skip
    store.dispose()
    return home


def _run(*args: str) -> object:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_daily_publish_and_verify(home: Path, tmp_path: Path) -> None:
    r = _run("report", "days", "--format", "json")
    assert r.exit_code == 0 and DAY in r.stdout  # type: ignore[attr-defined]
    out = tmp_path / "daily.uk.pdf"
    r = _run("report", "daily", "--date", DAY, "--lang", "uk", "--format", "pdf",
             "--out", str(out), "--publish")  # fmt: skip
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    content = out.read_bytes()
    assert content.startswith(b"%PDF") and check(content).ok
    assert check(content).printed in r.output.replace("\n", "")  # type: ignore[attr-defined]
    r = _run("report", "verify", str(out), "--format", "json")
    assert r.exit_code == 0 and '"published"' in r.stdout  # type: ignore[attr-defined]
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(content.replace(b"%PDF-1.4", b"%PDF-1.5", 1) if b"%PDF-1.4" in content
                         else content[:-10] + b"0" * 10)  # fmt: skip
    r = _run("report", "verify", str(tampered), "--offline")
    assert r.exit_code == 1  # type: ignore[attr-defined]
    r = _run("report", "published", "--format", "json")
    assert check(content).printed in r.stdout  # type: ignore[attr-defined]


def test_as_a_principal_or_the_public(home: Path, tmp_path: Path) -> None:
    liaison = tmp_path / "liaison.md"
    public = tmp_path / "public.md"
    assert _run("report", "daily", "--date", DAY, "--format", "md", "--as", "ua-liaison",
                "--out", str(liaison)).exit_code == 0  # type: ignore[attr-defined]  # fmt: skip
    assert _run("report", "daily", "--date", DAY, "--format", "md", "--as", "public",
                "--out", str(public)).exit_code == 0  # type: ignore[attr-defined]  # fmt: skip
    assert "ua-liaison" in liaison.read_text()
    assert "Public daily report" in public.read_text()
    r = _run("report", "daily", "--date", DAY, "--as", "nobody")
    assert r.exit_code == 2 and "no active principal" in r.output  # type: ignore[attr-defined]
    r = _run("report", "daily", "--date", "yesterday")
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.output  # type: ignore[attr-defined]


def test_spot_report(home: Path, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{home / 'truceline.db'}")
    with store.read() as conn:
        grave = conn.exec_driver_sql("SELECT id FROM incidents WHERE grave = 1").scalars().first()
    store.dispose()
    out = tmp_path / "spot.ru.html"
    r = _run("report", "spot", str(grave), "--lang", "ru", "--out", str(out))
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    assert "Оперативный отчёт" in out.read_text() and check(out.read_bytes()).ok
