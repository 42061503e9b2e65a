"""Leases: one holder per worker across processes, and takeover when the holder goes."""

from __future__ import annotations

import threading
import time

from truceline.services.leases import Lease
from truceline.services.workers import Worker, WorkerSet
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
