"""Documentation that cannot fall behind the code: every setting and CLI group is in the
README, and every interchange format has its page."""

from pathlib import Path

from typer.main import get_command

from truceline.cli.main import _register_plugins, app
from truceline.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in README]
    assert not missing, f"README.md does not document {missing}"


def test_every_command_group_is_in_the_readme() -> None:
    _register_plugins()
    command = get_command(app)
    names = sorted(command.commands)  # type: ignore[attr-defined]
    missing = [n for n in names if f"truceline {n}" not in README]
    assert not missing, f"README.md does not show {missing}"


def test_every_format_has_a_page() -> None:
    for name in (
        "agreement",
        "sensors",
        "detections",
        "events",
        "observations",
        "tracks",
        "markings",
        "findings",
    ):
        assert (ROOT / "docs" / "formats" / f"{name}.md").exists(), name


def test_quick_start_is_two_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = [line for line in quick.splitlines() if line.startswith("make ")]
    assert [c.split()[1] for c in commands] == ["demo", "test"]
