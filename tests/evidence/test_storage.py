"""The filesystem evidence store: content-addressed, write-once originals, apart copies."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from truceline.evidence import EvidenceTooLarge, FileEvidenceStore


def _keep(store: FileEvidenceStore, data: bytes) -> bool:
    staged = store.stage(limit=None)
    staged.write(data)
    return store.keep(staged)


def test_originals_are_named_by_hash_and_read_only(tmp_path: Path) -> None:
    store = FileEvidenceStore(tmp_path)
    data = b"waveform " * 1000
    digest = hashlib.sha256(data).hexdigest()
    assert _keep(store, data) is True
    path = store.original_path(digest)
    assert path == tmp_path / "originals" / digest[:2] / digest[2:4] / digest
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert list(store.originals()) == [digest]
    assert list(store.staging_dir.iterdir()) == []


def test_an_original_is_never_overwritten(tmp_path: Path) -> None:
    store = FileEvidenceStore(tmp_path)
    data = b"first"
    digest = hashlib.sha256(data).hexdigest()
    _keep(store, data)
    path = store.original_path(digest)
    inode = path.stat().st_ino
    assert _keep(store, data) is False
    assert path.stat().st_ino == inode and path.read_bytes() == data
    assert list(store.staging_dir.iterdir()) == []


def test_the_limit_stops_staging_and_discard_removes_it(tmp_path: Path) -> None:
    store = FileEvidenceStore(tmp_path)
    staged = store.stage(limit=10)
    staged.write(b"0123456789")
    with pytest.raises(EvidenceTooLarge):
        staged.write(b"x")
    assert staged.path.exists()
    staged.discard()
    assert list(store.staging_dir.iterdir()) == []


def test_working_copies_live_apart(tmp_path: Path) -> None:
    store = FileEvidenceStore(tmp_path)
    data = b"photo bytes"
    digest = hashlib.sha256(data).hexdigest()
    assert store.make_working_copy(digest) is None
    _keep(store, data)
    assert store.make_working_copy(digest) == (digest, len(data), False)
    work = store.working_path(digest)
    assert work.is_relative_to(store.working_dir) and work.read_bytes() == data
    work.write_bytes(b"edited")
    assert store.make_working_copy(digest) == (digest, len(data), True)
    assert work.read_bytes() == data and store.original_path(digest).read_bytes() == data


def test_bad_names_are_refused(tmp_path: Path) -> None:
    store = FileEvidenceStore(tmp_path)
    with pytest.raises(ValueError):
        store.original_path("../../etc/passwd")
