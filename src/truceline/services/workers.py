"""The background workers a process runs, each under a lease (see ``leases``).

`truceline serve` runs them in its own process when ``TRUCELINE_WORKERS=1``; `truceline
worker` runs them without serving HTTP. Any number of such processes may run against one
database: each worker runs in one process at a time and another takes over within a poll
interval when that process dies. Every worker is idempotent (ids derive from inputs), so a
takeover that repeats the last step duplicates nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from truceline.services.leases import Lease
from truceline.settings import Settings
from truceline.store.engine import Store

log = logging.getLogger("truceline.workers")


@dataclass
class Worker:
    """A named step function, run every ``interval_s`` while this process holds its lease."""

    name: str
    step: Callable[[], Any]
    interval_s: float = 2.0
    stop_event: threading.Event = field(default_factory=threading.Event)

    def run(self, store: Store) -> None:
        lease = Lease(store, f"worker-{self.name}")
        try:
            while not self.stop_event.is_set():
                if lease.acquire():
                    try:
                        self.step()
                    except Exception:  # the next poll retries; the process keeps serving
                        log.exception("worker %s: step failed", self.name)
                self.stop_event.wait(self.interval_s)
        finally:
            lease.release()


WorkerFactory = Callable[[Store, Settings, Callable[[], int]], Worker | None]
FACTORIES: list[WorkerFactory] = []


def worker_factory(factory: WorkerFactory) -> WorkerFactory:
    """Register a worker; capabilities add theirs with this decorator at import.

    A factory returns None when its settings turn the worker off.
    """
    FACTORIES.append(factory)
    return factory


@worker_factory
def fusion_worker(store: Store, settings: Settings, clock: Callable[[], int]) -> Worker:
    from truceline.fusion.warmup import kernels_cached
    from truceline.services.fusion_live import LiveFusion

    if not kernels_cached():  # a plain pip install: say why the first step will be slow
        log.warning("the fusion kernels are not compiled yet: the first fusion step compiles "
                    "them (about half a minute); `truceline warm-up` does it once after an "
                    "install")  # fmt: skip
    live = LiveFusion(store, clock_us=clock, lateness_s=settings.fusion_lateness_s)
    return Worker("fusion", live.step, 2.0)


@worker_factory
def judge_worker(store: Store, settings: Settings, clock: Callable[[], int]) -> Worker:
    from truceline.services.judge import Judge

    return Worker("judge", Judge(store, clock_us=clock).step, 3.0)


@worker_factory
def checkpoints_worker(store: Store, settings: Settings, clock: Callable[[], int]) -> Worker | None:
    """Sign a ledger checkpoint every ``checkpoint_seconds`` when the log grew (0: off)."""
    from truceline.services.ledger_checkpoints import CheckpointIssuer

    if settings.checkpoint_seconds == 0:
        return None
    period = settings.checkpoint_seconds
    issuer = CheckpointIssuer(store, settings.home, settings.log_origin, period, clock)
    return Worker("checkpoints", issuer.tick, period)


@worker_factory
def alerts_worker(store: Store, settings: Settings, clock: Callable[[], int]) -> Worker:
    from truceline.services.alerts import WORKER, AlertConfig, AlertWorker, cap_sender

    worker = AlertWorker(store, clock_us=clock, config=AlertConfig(sender=cap_sender(settings)))
    return Worker(WORKER, worker.step, 5.0)


def build_workers(store: Store, settings: Settings, clock: Callable[[], int]) -> list[Worker]:
    built = (factory(store, settings, clock) for factory in FACTORIES)
    return [w for w in built if w is not None]


class WorkerSet:
    """Start and stop a process's workers as threads."""

    def __init__(self, workers: list[Worker], store: Store) -> None:
        self.workers = workers
        self.store = store
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for w in self.workers:
            t = threading.Thread(target=w.run, args=(self.store,), name=w.name, daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self, timeout: float = 10.0) -> None:
        for w in self.workers:
            w.stop_event.set()
        for t in self.threads:
            t.join(timeout)
