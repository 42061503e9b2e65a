from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from truceline.cli.main import _register_plugins, app

_register_plugins()


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """Run `truceline ARGS` against a fresh home directory; returns the click Result."""
    monkeypatch.setenv("TRUCELINE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TRUCELINE_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> object:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke
