"""The witness's alarm: impossible to miss, and persistent until an operator clears it.

When the log shows two trees of one size, shrinks, or cannot prove that its new tree
extends the old one, that is evidence of misbehaviour (or compromise) of the log. The
witness then prints a red banner on stderr, writes the evidence (both signed checkpoints
and the reason) to ``<state file>.ALARM``, refuses to cosign anything while that file
exists, and exits with :data:`ALARM_EXIT`.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.panel import Panel

__all__ = ["ALARM_EXIT", "alarm_path", "raise_alarm", "show_existing_alarm"]

ALARM_EXIT = 3


def alarm_path(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".ALARM")


def raise_alarm(
    state_path: Path, verdict: str, reason: str, old_note: str, new_note: str, at: str
) -> Path:
    """Write the evidence file and print the banner; returns the file's path."""
    path = alarm_path(state_path)
    text = (
        f"TRUCELINE WITNESS ALARM: {verdict}\n"
        f"time: {at}\n"
        f"reason: {reason}\n\n"
        f"--- checkpoint this witness had accepted ---\n{old_note or '(none)'}\n"
        f"--- checkpoint the log now shows ---\n{new_note}\n"
    )
    path.write_text(text, encoding="utf-8")
    _banner(f"{verdict.upper()}: {reason}", path)
    return path


def show_existing_alarm(state_path: Path) -> bool:
    """Print the banner again if an alarm is pending; True if so."""
    path = alarm_path(state_path)
    if not path.exists():
        return False
    first = path.read_text(encoding="utf-8").splitlines()[0:3]
    _banner(" / ".join(first), path)
    return True


def _banner(message: str, path: Path) -> None:
    console = Console(stderr=True, force_terminal=None)
    console.print(
        Panel(
            f"[bold]{message}[/]\n\nEvidence: {path}\n"
            "This witness will not cosign again until an operator has investigated and "
            "removed that file. Tell the other witnesses and the mission's oversight now.",
            title="[blink bold] LOG MISBEHAVIOUR: WITNESS ALARM [/]",
            style="bold white on red",
        )
    )
