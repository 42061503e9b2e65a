"""`truceline keys|ledger|witness`: keys, checkpoints, verify naming the tampered record,
a witness and a remote verifier against a real server, and a SIGKILL in mid-ingest."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import SENSORS_CSV, detection, serving
from truceline.api import create_app
from truceline.ledger import CosignatureSigner, Ed25519Signer
from truceline.settings import Settings
from truceline.store.engine import Store


def _files(tmp_path: Path, count: int = 30) -> tuple[Path, Path]:
    sensors = tmp_path / "sensors.csv"
    sensors.write_text(SENSORS_CSV)
    detections = tmp_path / "detections.ndjson"
    detections.write_bytes(b"\n".join(orjson.dumps(detection(i)) for i in range(count)))
    return sensors, detections


def _loaded(run: Any, tmp_path: Path) -> Path:
    sensors, detections = _files(tmp_path)
    assert run("sensors", "import", str(sensors)).exit_code == 0
    assert run("ingest", "detections", str(detections)).exit_code == 0
    assert run("ledger", "checkpoint").exit_code == 0
    return tmp_path / "home" / "truceline.db"


def test_keys_generate_show_rotate(run: Any, tmp_path: Path) -> None:
    result = run("keys", "generate")
    assert result.exit_code == 0
    vkey = result.stdout.strip().splitlines()[-1]
    assert vkey.startswith("truceline.local/ledger+")
    skey = tmp_path / "home" / "keys" / "log.skey"
    assert skey.stat().st_mode & 0o777 == 0o600
    assert Ed25519Signer.from_skey(skey.read_text().strip()).verifier().vkey() == vkey
    assert run("keys", "generate").exit_code == 2  # one log key; rotate to replace it
    rotated = run("keys", "rotate")
    assert rotated.exit_code == 0
    new_vkey = rotated.stdout.strip().splitlines()[-1]
    shown = json.loads(run("keys", "show", "--format", "json").stdout)
    assert {(k["vkey"], k["retired"] is None) for k in shown} == {(vkey, False), (new_vkey, True)}
    assert run("ledger", "verify").exit_code == 0


def test_witness_key_and_witness_add(run: Any, tmp_path: Path) -> None:
    out = tmp_path / "w.skey"
    result = run("keys", "generate", "--witness", "gbr.example/witness", "--out", str(out))
    assert result.exit_code == 0
    vkey = result.stdout.strip().splitlines()[-1]
    assert out.stat().st_mode & 0o777 == 0o600
    plain = Ed25519Signer.from_skey(out.read_text().strip())
    assert CosignatureSigner(plain.name, plain.seed).verifier().vkey() == vkey
    assert run("ledger", "witness-add", "GBR", vkey).exit_code == 0
    assert run("ledger", "witness-add", "GBR", "not-a-key").exit_code == 2
    status = json.loads(run("ledger", "status", "--format", "json").stdout)
    assert status["witnesses"] == [f"GBR: {vkey}"]


def test_checkpoint_status_and_verify(run: Any, tmp_path: Path) -> None:
    _loaded(run, tmp_path)
    status = json.loads(run("ledger", "status", "--format", "json").stdout)
    assert status["size"] == status["latest_checkpoint_size"] == 33
    assert status["unsigned_leaves"] == 0
    again = run("ledger", "checkpoint", "--format", "json")
    assert json.loads(again.stdout)["created"] is False
    verified = run("ledger", "verify", "--format", "json")
    assert verified.exit_code == 0
    body = json.loads(verified.stdout)
    assert body["ok"] and body["leaves"] == 33 and body["checkpoints"] == 1


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        (
            "UPDATE detections SET snr_db = 1.5 WHERE id = 'd-000011'",
            "detections d-000011 (leaf 14) was edited",
        ),
        (
            "DELETE FROM detections WHERE id = 'd-000020'",
            "detections d-000020 (leaf 23) was deleted",
        ),
        (
            "INSERT INTO detections SELECT 'd-999999', sensor_id, time_us, lat, lon, phase, "
            "weapon, bearing_deg, snr_db, originator, markings, audience, raw, content_hash, "
            "ingested_us FROM detections WHERE id = 'd-000001'",
            "detections d-999999 was inserted",
        ),
        (
            "UPDATE sensors SET raw = replace(raw, '48.1612', '48.1613') WHERE id = 'AC-0001'",
            "sensors AC-0001 (leaf 0) was edited",
        ),
    ],
)
def test_verify_names_the_record_tampered_by_hand(
    run: Any, tmp_path: Path, sql: str, named: str
) -> None:
    db = _loaded(run, tmp_path)
    with sqlite3.connect(db) as conn:
        assert conn.execute(sql).rowcount == 1
    result = run("ledger", "verify")
    assert result.exit_code == 1
    assert named in " ".join(result.stderr.split())


# --- against a real server -------------------------------------------------------------------


@pytest.fixture
def server(run: Any, tmp_path: Path) -> Iterator[str]:
    """`truceline serve` over the CLI's home, on 127.0.0.1 and a free port, in a thread."""
    _loaded(run, tmp_path)
    settings = Settings.from_env()
    store = Store(settings.database_url)
    with serving(create_app(settings, store=store), lifespan="auto") as url:
        yield url
    store.dispose()


def test_witness_and_remote_verify_against_a_server(run: Any, server: str, tmp_path: Path) -> None:
    key = tmp_path / "w.skey"
    vkey = run("keys", "generate", "--witness", "deu.example/witness", "--out", str(key))
    witness_vkey = vkey.stdout.strip().splitlines()[-1]
    assert run("ledger", "witness-add", "DEU", witness_vkey).exit_code == 0
    state = tmp_path / "w.json"
    result = run("witness", "--url", server, "--key", str(key), "--state", str(state), "--once")
    assert result.exit_code == 0, result.stderr
    status = json.loads(run("ledger", "status", "--format", "json").stdout)
    assert status["cosigned_by"] == ["DEU"]
    log_key = run("keys", "show", "--format", "json")
    pinned = json.loads(log_key.stdout)[0]["vkey"]
    remote = run(
        "ledger",
        "verify",
        "--url",
        server,
        "--log-key",
        pinned,
        "--witness-key",
        witness_vkey,
        "--format",
        "json",
    )
    assert remote.exit_code == 0, remote.stderr
    body = json.loads(remote.stdout)
    assert body["size"] == 33 and body["cosignatures"] == ["deu.example/witness"]
    assert body["inclusion_checked"] == 32 and body["consistency_checked"] > 0
    with sqlite3.connect(tmp_path / "home" / "truceline.db") as conn:
        conn.execute("UPDATE ledger_leaves SET leaf_hash = randomblob(32) WHERE idx = 7")
    tampered = run("ledger", "verify", "--url", server, "--log-key", pinned)
    assert tampered.exit_code == 1
    assert "do not give the root it signed" in " ".join(tampered.stderr.split())


# --- a crash in mid-ingest ----------------------------------------------------------------


BATCH = 4000
INGESTER = """
import sys
from truceline.cli.main import _register_plugins, app
_register_plugins()
for i, path in enumerate(sys.argv[1:]):
    if app(["ingest", "detections", path, "--format", "json"], standalone_mode=False):
        sys.exit(1)
    print(f"ACK {i}", flush=True)
"""


def _acks(lines: Iterator[str], count: int | None = None) -> list[int]:
    out = []
    for line in lines:
        if line.startswith("ACK "):
            out.append(int(line.split()[1]))
            if len(out) == count:
                break
    return out


def test_sigkill_mid_ingest_loses_nothing_acknowledged(run: Any, tmp_path: Path) -> None:
    """One process runs `truceline ingest detections BATCH` for batch after batch, printing
    ACK when a command returned; it is killed with SIGKILL while ingesting a later one."""
    home = tmp_path / "home"
    env = {**os.environ, "TRUCELINE_HOME": str(home)}
    env.pop("TRUCELINE_DATABASE_URL", None)
    sensors, _ = _files(tmp_path)
    assert run("sensors", "import", str(sensors)).exit_code == 0  # the same home, in-process
    batches = []
    for b in range(6):
        path = tmp_path / f"batch{b}.ndjson"
        path.write_bytes(b"\n".join(orjson.dumps(detection(b * BATCH + i)) for i in range(BATCH)))
        batches.append(str(path))
    proc = subprocess.Popen(
        [sys.executable, "-c", INGESTER, *batches],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    acked = _acks(iter(proc.stdout.readline, ""), 2)
    time.sleep(0.3)  # inside the third batch (any moment must do; this is the likely one)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    acked += _acks(iter(proc.stdout.read().splitlines()))
    assert acked == list(range(len(acked))) and len(acked) < len(batches)
    with sqlite3.connect(home / "truceline.db") as conn:
        stored = {row[0] for row in conn.execute("SELECT id FROM detections")}
    for b in acked:
        assert {f"d-{b * BATCH + i:06d}" for i in range(BATCH)} <= stored
    assert len(stored) % BATCH == 0  # whole batches only
    verified = run("ledger", "verify", "--format", "json")
    assert verified.exit_code == 0, verified.stderr
    report = json.loads(verified.stdout)
    assert report["ok"] and report["leaves"] == len(stored) + 3


@pytest.mark.slow
def test_demo_log_is_signed_witnessed_and_catches_a_hand_edit(run: Any, tmp_path: Path) -> None:
    assert run("demo", "--no-serve").exit_code == 0
    status = json.loads(run("ledger", "status", "--format", "json").stdout)
    assert status["size"] == status["latest_checkpoint_size"] > 4000
    assert status["cosigned_by"] == ["built-in demo witness"]
    assert run("ledger", "verify").exit_code == 0
    with sqlite3.connect(tmp_path / "home" / "truceline.db") as conn:
        query = "SELECT id FROM detections ORDER BY id LIMIT 1 OFFSET 1234"
        (victim,) = conn.execute(query).fetchone()
        conn.execute("UPDATE detections SET weapon = 'mortar' WHERE id = ?", (victim,))
    result = run("ledger", "verify")
    assert result.exit_code == 1
    assert f"detections {victim} (leaf " in result.stderr
    assert "was edited" in result.stderr
