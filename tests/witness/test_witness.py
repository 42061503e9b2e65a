"""The witness against the real app (both backends): it cosigns a growing, consistent log,
and raises its alarm when the server shows a split view, a rollback or a forked history."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from tests.conftest import FIXED_NOW_US, SENSORS_CSV, detection
from truceline.api import create_app
from truceline.formats.readers import iter_body, iter_sensor_csv
from truceline.ledger import CosignatureSigner, generate_ed25519_signer, root_keys
from truceline.services.ingest import KINDS, ingest
from truceline.services.ledger_checkpoints import (
    cosignatures_of,
    issue_checkpoint,
    latest_checkpoint,
)
from truceline.services.ledger_keys import add_witness, ensure_log_key, write_secret
from truceline.settings import Settings
from truceline.store import tables
from truceline.store.engine import Store
from truceline.witness import ALARM_EXIT, alarm_path, load_state
from truceline.witness.run import run_witness

URL = "http://testserver"


class Log:
    """The server side of a test: its store, its log key, and a way to grow the log."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        self.next_id = 0
        results = iter_sensor_csv(io.StringIO(SENSORS_CSV), source="sensors.csv")
        ingest(store, KINDS["sensors"], results, source="sensors.csv", now_us=FIXED_NOW_US)

    def grow(self, count: int) -> None:
        ids = range(self.next_id, self.next_id + count)
        self.next_id += count
        body = b"\n".join(orjson.dumps(detection(i)) for i in ids)
        results = iter_body(body, KINDS["detections"].model, source="d")
        ingest(self.store, KINDS["detections"], results, source="d", now_us=FIXED_NOW_US)

    def checkpoint(self, *, force: bool = False) -> int:
        cfg = self.settings
        signer = ensure_log_key(self.store, cfg.home, cfg.log_origin, now_us=FIXED_NOW_US)
        cp, _ = issue_checkpoint(
            self.store, signer, cfg.log_origin, now_us=FIXED_NOW_US, force=force
        )
        return cp.size

    def tamper_root(self, size: int) -> None:
        """Change the stored subtree the root of ``size`` starts from (a forked tree)."""
        level, idx = root_keys(size)[0]
        n = tables.ledger_nodes
        with self.store.write() as conn:
            conn.execute(update(n).where(n.c.level == level, n.c.idx == idx).values(hash=bytes(32)))


@pytest.fixture
def log(store: Store, settings: Settings) -> Log:
    return Log(store, settings)


@pytest.fixture
def http(store: Store, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, store=store), base_url=URL) as client:
        yield client


@pytest.fixture
def witness_key(tmp_path: Path, store: Store) -> Path:
    plain = generate_ed25519_signer("fra.witness.example")
    path = tmp_path / "witness.skey"
    write_secret(path, plain.skey())
    cosigner = CosignatureSigner(plain.name, plain.seed)
    add_witness(store, "FRA", cosigner.verifier().vkey(), now_us=FIXED_NOW_US)
    return path


def _round(http: TestClient, key: Path, state: Path) -> int:
    return run_witness(URL, key, state, once=True, client=http, clock=lambda: FIXED_NOW_US)


def _cosigned_sizes(store: Store) -> list[int]:
    with store.read() as conn:
        c = tables.ledger_checkpoints
        seqs = conn.execute(select(c.c.seq, c.c.size).order_by(c.c.seq)).all()
        return [size for seq, size in seqs if cosignatures_of(conn, seq)]


def test_witness_cosigns_a_growing_log(
    log: Log, http: TestClient, witness_key: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    assert _round(http, witness_key, state) == 2  # the log has no key yet
    ensure_log_key(log.store, log.settings.home, log.settings.log_origin, now_us=FIXED_NOW_US)
    assert _round(http, witness_key, state) == 0  # no checkpoint yet: nothing to do
    log.grow(5)
    first = log.checkpoint()
    assert _round(http, witness_key, state) == 0
    assert _round(http, witness_key, state) == 0  # unchanged: no second cosignature
    for count in (1, 12, 3):
        log.grow(count)
        log.checkpoint()
        assert _round(http, witness_key, state) == 0  # consistency proof checked each time
    saved = load_state(state)
    assert saved is not None and saved.size == first + 16 and saved.submitted
    assert _cosigned_sizes(log.store) == [first, first + 1, first + 13, first + 16]
    with log.store.read() as conn:
        cp = latest_checkpoint(conn)
        assert cp is not None
        assert [c.witness for c in cosignatures_of(conn, cp.seq)] == ["FRA"]
    assert not alarm_path(state).exists()


def test_split_view_raises_the_alarm(
    log: Log,
    http: TestClient,
    witness_key: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    state = tmp_path / "state.json"
    log.grow(7)
    size = log.checkpoint()
    assert _round(http, witness_key, state) == 0
    log.tamper_root(size)
    assert log.checkpoint(force=True) == size  # a second, different tree of the same size
    assert _round(http, witness_key, state) == ALARM_EXIT
    evidence = alarm_path(state).read_text()
    assert "split-view" in evidence and f"two roots for tree size {size}" in evidence
    assert "WITNESS ALARM" in capsys.readouterr().err
    log.grow(2)
    log.checkpoint()
    assert _round(http, witness_key, state) == ALARM_EXIT  # stays raised until cleared
    assert _cosigned_sizes(log.store) == [size]


def test_rollback_raises_the_alarm(
    log: Log, http: TestClient, witness_key: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    log.grow(9)
    size = log.checkpoint()
    assert _round(http, witness_key, state) == 0
    leaves, head = tables.ledger_leaves, tables.ledger_head
    with log.store.write() as conn:
        conn.execute(delete(leaves).where(leaves.c.idx >= size - 4))
        conn.execute(update(head).values(size=size - 4))
    log.checkpoint()
    assert _round(http, witness_key, state) == ALARM_EXIT
    assert "rollback" in alarm_path(state).read_text()


def test_forked_history_raises_the_alarm(
    log: Log, http: TestClient, witness_key: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    log.grow(4)
    size = log.checkpoint()
    assert _round(http, witness_key, state) == 0
    log.tamper_root(size)  # rewrite the old tree, then grow it
    log.grow(6)
    log.checkpoint()
    assert _round(http, witness_key, state) == ALARM_EXIT
    assert "inconsistent" in alarm_path(state).read_text()


def test_a_checkpoint_signed_by_another_key_is_refused(
    log: Log, http: TestClient, witness_key: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    log.grow(2)
    log.checkpoint()
    other = generate_ed25519_signer(log.settings.log_origin).verifier().vkey()
    code = run_witness(
        URL, witness_key, state, once=True, client=http, log_key=other, clock=lambda: FIXED_NOW_US
    )
    assert code == 2 and not alarm_path(state).exists()
    assert _cosigned_sizes(log.store) == []
