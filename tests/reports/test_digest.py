"""A report's printed SHA-256: sealed by the renderer, checkable by anyone with sed and
sha256sum (the recipe in docs/reports.md)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from truceline.reports.digest import PLACEHOLDER, ZEROS, check, seal

DOC = (
    b"# Report\n\nSome text.\n\nSHA-256: "
    + PLACEHOLDER
    + b"\n<meta content='"
    + PLACEHOLDER
    + b"'>\n"
)


def test_seal_then_check() -> None:
    sealed, digest = seal(DOC)
    assert digest == hashlib.sha256(DOC).hexdigest()
    assert sealed.count(digest.encode()) == 2
    result = check(sealed)
    assert result.ok and result.printed == digest and result.occurrences == 2


def test_any_change_is_caught() -> None:
    sealed, _ = seal(DOC)
    assert not check(sealed.replace(b"Some", b"Same")).ok
    other = hashlib.sha256(b"x").hexdigest().encode()
    first = sealed.index(b"report-sha256:") + len(b"report-sha256:")
    two = sealed[:first] + other + sealed[first + 64 :]
    assert not check(two).ok and check(two).reason == "the report prints several digests"
    assert not check(b"no digest here").ok


def test_seal_needs_a_placeholder() -> None:
    with pytest.raises(ValueError):
        seal(b"nothing to seal")


@pytest.mark.skipif(not (shutil.which("sed") and shutil.which("sha256sum")), reason="no coreutils")
def test_the_shell_recipe_reproduces_the_digest(tmp_path: Path) -> None:
    sealed, digest = seal(DOC)
    path = tmp_path / "report.md"
    path.write_bytes(sealed)
    script = f"sed -E 's/report-sha256:[0-9a-f]{{64}}/report-sha256:{ZEROS}/g' {path} | sha256sum"
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == digest
