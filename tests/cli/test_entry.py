"""The `truceline` executable: fusion tools on a light path, everything else in full."""

import subprocess
import sys

import pytest

RUN = "from truceline.cli.entry import main; main()"
# The same, then which heavy modules the run imported.
RUN_AND_LIST = (
    "import sys; from truceline.cli.entry import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "print('MODULES', 'sqlalchemy' in sys.modules, 'fastapi' in sys.modules)"
)


def _run(*args: str, code: str = RUN) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


@pytest.mark.parametrize("command", ["fuse", "warm-up", "simulate", "evaluate"])
def test_fusion_tools_start_without_the_service_stack(command: str) -> None:
    proc = _run(command, "--help", code=RUN_AND_LIST)
    assert f"Usage: truceline {command}" in proc.stdout, proc.stderr
    assert "MODULES False False" in proc.stdout


def test_other_commands_run_in_the_full_app() -> None:
    proc = _run("--help")
    for name in ("fuse", "simulate", "evaluate", "ledger", "serve"):
        assert name in proc.stdout, proc.stderr


def test_standalone_command_errors_like_the_full_app() -> None:
    proc = _run("fuse", "--sensors", "missing.csv", "--detections", "x", "--out", "y")
    assert proc.returncode == 2
    assert "missing.csv" in proc.stderr
