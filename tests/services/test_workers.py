"""Leases: one holder per worker across processes, and takeover when the holder goes."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW_US
from truceline.services.leases import Lease
from truceline.services.ledger import tree_size
from truceline.services.ledger_checkpoints import all_checkpoints
from truceline.services.workers import Worker, WorkerSet, build_workers
from truceline.settings import Settings
from truceline.store.engine import Store


def test_one_holder_then_takeover(store: Store) -> None:
    first, second = Lease(store, "worker-x"), Lease(Store(store.url), "worker-x")
    assert first.acquire() and first.held
    assert not second.acquire()
    assert Lease(store, "worker-y").acquire()  # other names are independent
    first.release()
    assert second.acquire()
    second.release()


def test_only_one_of_two_processes_runs_a_worker(store: Store) -> None:
    """Two worker sets on one database: the step runs in one of them at a time."""
    active, overlap, runs = [0], [False], [0]
    lock = threading.Lock()

    def step() -> None:
        with lock:
            active[0] += 1
            runs[0] += 1
            overlap[0] |= active[0] > 1
        time.sleep(0.05)
        with lock:
            active[0] -= 1

    sets = [WorkerSet([Worker("solo", step, 0.01)], Store(store.url)) for _ in range(2)]
    for s in sets:
        s.start()
    time.sleep(0.5)
    for s in sets:
        s.stop()
    assert runs[0] > 1, "the worker ran (a step that never runs never overlaps either)"
    assert not overlap[0]


def _workers(store: Store, tmp_path: Path, checkpoint_seconds: str) -> dict[str, Worker]:
    """The worker set `truceline worker` (and `serve` with workers on) builds, by name."""
    settings = Settings.from_env(
        {}, home=str(tmp_path / "home"), checkpoint_seconds=checkpoint_seconds
    )
    return {w.name: w for w in build_workers(store, settings, lambda: FIXED_NOW_US)}


def test_the_checkpoints_worker_signs_the_log(store: Store, tmp_path: Path) -> None:
    workers = _workers(store, tmp_path, "7")
    assert {"fusion", "judge", "checkpoints"} <= workers.keys()
    checkpoints = workers["checkpoints"]
    assert checkpoints.interval_s == 7
    checkpoints.step()
    checkpoints.step()  # the log did not grow: no second checkpoint
    with store.read() as conn:
        assert [cp.size for cp in all_checkpoints(conn)] == [tree_size(conn)]


def test_no_checkpoints_worker_when_checkpoint_seconds_is_0(store: Store, tmp_path: Path) -> None:
    """TRUCELINE_CHECKPOINT_SECONDS=0 turns periodic checkpoints off, not the other workers."""
    workers = _workers(store, tmp_path, "0")
    assert "checkpoints" not in workers
    assert {"fusion", "judge"} <= workers.keys()


@pytest.mark.parametrize("cached", [True, False])
def test_the_fusion_worker_warns_when_its_kernels_are_not_compiled(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, cached: bool,
) -> None:  # fmt: skip
    """After a plain ``pip install`` the first fusion step compiles the kernels for about
    half a minute: the service says so when it starts, not silently."""
    from truceline.fusion import warmup

    monkeypatch.setattr(warmup, "kernels_cached", lambda: cached)
    with caplog.at_level(logging.WARNING, logger="truceline.workers"):
        assert "fusion" in _workers(store, tmp_path, "0")
    warned = [r for r in caplog.records if "not compiled yet" in r.getMessage()]
    assert len(warned) == (0 if cached else 1)
