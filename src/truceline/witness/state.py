"""What a witness remembers about the log it watches, in one JSON file.

The state is the last tree head the witness accepted (size, root, and the signed note as
evidence), the log's pinned verifier key and origin, and whether our cosignature of that
checkpoint reached the server. It is written atomically (temporary file, fsync, rename)
BEFORE the witness cosigns, as c2sp.org/tlog-witness requires, so a crash can never make
the witness cosign two different trees of the same size.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from truceline.errors import ConfigError
from truceline.ledger import TreeHead

__all__ = ["WitnessState", "load_state", "save_state"]


@dataclass
class WitnessState:
    """The witness's memory of one log."""

    log_vkey: str
    origin: str = ""
    size: int = 0
    root_hash: str = ""  # base64; empty before the first checkpoint
    checkpoint: str = ""  # the signed note last accepted (evidence in an alarm)
    submitted: bool = False  # our cosignature of ``checkpoint`` reached the log

    @property
    def head(self) -> TreeHead | None:
        if not self.root_hash:
            return None
        return TreeHead(self.size, base64.b64decode(self.root_hash))


def load_state(path: Path) -> WitnessState | None:
    """The saved state, or None if the witness has never run."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return WitnessState(**data)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not a witness state file ({exc})") from None


def save_state(path: Path, state: WitnessState) -> None:
    """Replace the state file atomically and durably."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(asdict(state), fh, indent=2)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
