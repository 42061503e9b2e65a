"""Where evidence bytes live: the :class:`EvidenceStore` interface and its filesystem form.

The interface is small on purpose so that an object store (S3 with Object Lock, a WORM
appliance) can replace the filesystem without touching the service: stage an upload while
hashing it, keep it under its hash, open an original, list what is held, make and open
working copies. The service, not the store, decides what a hash mismatch means.

:class:`FileEvidenceStore` lays files out content-addressed, like git's object store::

    <root>/originals/ab/cd/abcd...   the evidentiary original, written once, mode 0444
    <root>/working/ab/cd/abcd...     the working copy, made from a verified original
    <root>/staging/*.part            uploads in flight (removed when refused or kept)

An original is created with a hard link from its staged file, which fails if the name
exists, so an original is never overwritten, not even by a race of two equal uploads.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from truceline.evidence.hashing import Digester
from truceline.evidence.names import normalise_sha256

CHUNK = 1024 * 1024
"""Bytes per read when copying or hashing a stored file."""


class Staged(Protocol):
    """An upload being received: bytes go in, the running digest says what they are."""

    digest: Digester

    def write(self, chunk: bytes) -> None: ...

    def discard(self) -> None: ...


class EvidenceStore(Protocol):
    """Storage of evidence bytes, content-addressed by SHA-256."""

    def stage(self, limit: int | None) -> Staged:
        """A new staging area for one upload, refusing more than ``limit`` bytes."""
        ...

    def keep(self, staged: Staged) -> bool:
        """Store the staged bytes as the original named by their hash (True: newly stored;
        False: that original was already held and the staged copy is dropped)."""
        ...

    def open_original(self, sha256: str) -> BinaryIO | None:
        """The original for reading, or None when the store does not hold it."""
        ...

    def originals(self) -> Iterator[str]:
        """The hashes of every original held."""
        ...

    def make_working_copy(self, sha256: str) -> tuple[str, int, bool] | None:
        """Copy the original to a working copy; ``(sha256 of the bytes copied, size,
        whether an older working copy was replaced)``, or None without an original."""
        ...

    def drop_working_copy(self, sha256: str) -> None: ...

    def open_working_copy(self, sha256: str) -> BinaryIO | None: ...


class StagedFile:
    """A ``.part`` file in the staging folder, hashed as it is written."""

    def __init__(self, folder: Path, limit: int | None) -> None:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, name = tempfile.mkstemp(dir=folder, suffix=".part")
        self.path = Path(name)
        self._fh: BinaryIO | None = os.fdopen(fd, "wb")
        self.digest = Digester(limit)

    def write(self, chunk: bytes) -> None:
        if self._fh is None:
            raise ValueError("write to a staged upload that was closed")
        self.digest.update(chunk)  # raises past the limit, before the bytes are written
        self._fh.write(chunk)

    def close(self) -> None:
        """Flush the bytes to stable storage (before they become an original)."""
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None

    def discard(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self.path.unlink(missing_ok=True)


class FileEvidenceStore:
    """:class:`EvidenceStore` on a local filesystem under ``root`` (see the module doc)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.originals_dir = self.root / "originals"
        self.working_dir = self.root / "working"
        self.staging_dir = self.root / "staging"

    @staticmethod
    def _relative(sha256: str) -> Path:
        sha = normalise_sha256(sha256)
        if sha is None:
            raise ValueError(f"not a SHA-256 hex digest: {sha256[:80]!r}")
        return Path(sha[:2], sha[2:4], sha)

    def original_path(self, sha256: str) -> Path:
        return self.originals_dir / self._relative(sha256)

    def working_path(self, sha256: str) -> Path:
        return self.working_dir / self._relative(sha256)

    def stage(self, limit: int | None) -> StagedFile:
        return StagedFile(self.staging_dir, limit)

    def keep(self, staged: Staged) -> bool:
        if not isinstance(staged, StagedFile):
            raise TypeError("FileEvidenceStore keeps only its own staged files")
        staged.close()
        final = self.original_path(staged.digest.hexdigest())
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(staged.path, 0o444)
        try:
            os.link(staged.path, final)
            created = True
        except FileExistsError:
            created = False
        finally:
            staged.path.unlink(missing_ok=True)
        if created:
            _fsync_dir(final.parent)
        return created

    def open_original(self, sha256: str) -> BinaryIO | None:
        try:
            return open(self.original_path(sha256), "rb")
        except FileNotFoundError:
            return None

    def originals(self) -> Iterator[str]:
        if not self.originals_dir.is_dir():
            return
        for path in sorted(self.originals_dir.glob("??/??/*")):
            sha = normalise_sha256(path.name)
            if sha is not None and path.parent.parent.name + path.parent.name == sha[:4]:
                yield sha

    def make_working_copy(self, sha256: str) -> tuple[str, int, bool] | None:
        source = self.open_original(sha256)
        if source is None:
            return None
        target = self.working_path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        replaced = target.exists()
        digest = Digester()
        fd, name = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with source, os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            os.chmod(name, 0o644)
            os.replace(name, target)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return digest.hexdigest(), digest.size, replaced

    def drop_working_copy(self, sha256: str) -> None:
        self.working_path(sha256).unlink(missing_ok=True)

    def open_working_copy(self, sha256: str) -> BinaryIO | None:
        try:
            return open(self.working_path(sha256), "rb")
        except FileNotFoundError:
            return None


def _fsync_dir(folder: Path) -> None:
    """Make a new directory entry durable (POSIX: fsync the directory itself)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


__all__ = ["CHUNK", "EvidenceStore", "FileEvidenceStore", "Staged", "StagedFile"]
