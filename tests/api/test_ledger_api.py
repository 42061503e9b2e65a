"""The ledger API on both backends: what the public and the permitted may read, proofs that
verify with the pure verifiers, checkpoints on demand, cosignatures from witnesses."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import TokenFor
from tests.conftest import SENSORS_CSV, detection
from truceline.api import create_app
from truceline.ledger import (
    CosignatureSigner,
    Ed25519Verifier,
    cosign,
    generate_ed25519_signer,
    leaf_data,
    leaf_hash,
    merkle_tree_hash,
    open_checkpoint,
    parse_note,
    verify_consistency,
    verify_cosignatures,
    verify_inclusion,
)
from truceline.services import ledger as ledger_svc
from truceline.settings import Settings
from truceline.store.engine import Store

API = "/api/v1"


def _b(value: str) -> bytes:
    return base64.b64decode(value)


def _load(client: TestClient, count: int) -> None:
    """Sensors and ``count`` detections, ingested as the admin in batches of uneven size."""
    r = client.post(f"{API}/sensors", content=SENSORS_CSV, headers={"Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    start = 0
    for size in (1, 6, 17, 3, 40):
        if start >= count:
            break
        batch = [detection(i) for i in range(start, min(count, start + size))]
        r = client.post(f"{API}/detections", content=orjson.dumps(batch))
        assert r.status_code == 201, r.text
        start += size


def _checkpoint(client: TestClient) -> dict[str, Any]:
    r = client.post(f"{API}/ledger/checkpoint")
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _all_hashes(anon: TestClient, size: int) -> list[bytes]:
    r = anon.get(f"{API}/ledger/leaves", params={"start": 0, "end": size})
    assert r.status_code == 200
    assert [item["index"] for item in r.json()] == list(range(size))
    return [_b(item["leaf_hash"]) for item in r.json()]


def test_checkpoint_key_and_well_known_key(client: TestClient, settings: Settings) -> None:
    anon = TestClient(client.app)
    assert anon.get(f"{API}/ledger/checkpoint").status_code == 404
    _load(client, 10)
    issued = _checkpoint(client)
    note = anon.get(f"{API}/ledger/checkpoint")
    assert note.status_code == 200 and note.headers["content-type"].startswith("text/plain")
    assert note.text == issued["note"]
    vkey = anon.get(f"{API}/ledger/key").text.strip()
    assert anon.get("/.well-known/truceline-ledger-key").text.strip() == vkey
    cp, _ = open_checkpoint(
        note.text, [Ed25519Verifier.from_vkey(vkey)], origin=settings.log_origin
    )
    assert (
        cp.size == issued["size"] and base64.b64encode(cp.root_hash).decode() == issued["root_hash"]
    )
    assert merkle_tree_hash(_all_hashes(anon, cp.size)) == cp.root_hash
    assert client.post(f"{API}/ledger/checkpoint").json()["created"] is False


def test_only_admins_issue_checkpoints(anon: TestClient, token_for: TokenFor) -> None:
    assert "authorization" not in anon.headers
    assert anon.post(f"{API}/ledger/checkpoint").status_code == 401
    analyst = {"Authorization": f"Bearer {token_for('analyst')}"}
    r = anon.post(f"{API}/ledger/checkpoint", headers=analyst)
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"


def test_inclusion_and_consistency_proofs_verify_for_many_sizes(client: TestClient) -> None:
    _load(client, 60)
    anon = TestClient(client.app)
    size = _checkpoint(client)["size"]
    hashes = _all_hashes(anon, size)
    for n in range(1, size + 1, 3):
        root = merkle_tree_hash(hashes[:n])
        for index in sorted({0, n // 2, n - 1}):
            r = anon.get(f"{API}/ledger/inclusion", params={"index": index, "size": n})
            body = r.json()
            assert (body["index"], body["size"]) == (index, n)
            assert verify_inclusion(
                _b(body["leaf_hash"]), index, n, [_b(p) for p in body["proof"]], root
            )
        for m in sorted({1, n // 2 or 1, n}):
            body = anon.get(f"{API}/ledger/consistency", params={"from": m, "to": n}).json()
            assert (body["from"], body["to"]) == (m, n)
            assert verify_consistency(
                m, n, merkle_tree_hash(hashes[:m]), root, [_b(p) for p in body["proof"]]
            )


def test_proof_parameters_are_checked(client: TestClient) -> None:
    _load(client, 5)
    size = _checkpoint(client)["size"]
    for params in (
        {"index": size, "size": size},
        {"index": 0, "size": size + 1},
        {"index": 0, "record": "detections:d-000001"},
        {},
    ):
        r = client.get(f"{API}/ledger/inclusion", params=params)
        assert r.status_code == 400, params
        assert r.headers["content-type"] == "application/problem+json"
    assert client.get(f"{API}/ledger/consistency", params={"from": 3, "to": 2}).status_code == 400
    assert client.get(f"{API}/ledger/leaves", params={"start": -1}).status_code == 400


def test_leaves_show_records_only_to_who_may_see_them(
    client: TestClient, token_for: TokenFor
) -> None:
    anon = TestClient(client.app)  # the `anon` fixture is the same object as `client`
    _load(client, 4)  # detections of AC-0001: owner USA, releasable to USA and MISSION
    size = _checkpoint(client)["size"]
    usa = {"Authorization": f"Bearer {token_for('analyst', nation='USA')}"}
    fra = {"Authorization": f"Bearer {token_for('observer', nation='FRA')}"}

    def records(headers: dict[str, str]) -> set[str]:
        r = anon.get(f"{API}/ledger/leaves", params={"start": 0, "end": size}, headers=headers)
        return {f"{i['record']['kind']}:{i['record']['id']}" for i in r.json() if "record" in i}

    assert records({}) == set()
    assert "detections:d-000002" in records(usa)
    assert "detections:d-000002" not in records(fra)
    assert "sensors:SE-0003" in records(fra)  # FRA owns SE-0003


def test_inclusion_by_record_and_the_opening(client: TestClient, token_for: TokenFor) -> None:
    anon = TestClient(client.app)
    _load(client, 8)
    size = _checkpoint(client)["size"]
    usa = {"Authorization": f"Bearer {token_for('analyst', nation='USA')}"}
    params = {"record": "detections:d-000005", "size": size}
    assert anon.get(f"{API}/ledger/inclusion", params=params).status_code == 404
    body = anon.get(f"{API}/ledger/inclusion", params=params, headers=usa).json()
    cp = parse_note(anon.get(f"{API}/ledger/checkpoint").text).text.split("\n")
    root = _b(cp[2])
    assert verify_inclusion(
        _b(body["leaf_hash"]), body["index"], size, [_b(p) for p in body["proof"]], root
    )
    assert anon.get(f"{API}/ledger/opening/detections/d-000005").status_code == 404
    opened = anon.get(f"{API}/ledger/opening/detections/d-000005", headers=usa).json()
    data = leaf_data(
        opened["record"],
        kind="detections",
        record_id="d-000005",
        markings=opened["markings"],
        salt=_b(opened["salt"]),
    )
    assert leaf_hash(data) == _b(body["leaf_hash"]) == _b(opened["leaf_hash"])
    assert opened["index"] == body["index"]


def test_witness_cosignature_round_trip(client: TestClient) -> None:
    from truceline.services.ledger_keys import add_witness

    _load(client, 3)
    _checkpoint(client)
    anon = TestClient(client.app)
    witness = CosignatureSigner("gbr.witness.example", generate_ed25519_signer("w").seed)
    note = anon.get(f"{API}/ledger/checkpoint").text
    text = parse_note(note).text
    body = text + "\n" + cosign(text, witness, 1_772_409_600).line()
    r = anon.post(f"{API}/ledger/cosignatures", content=body)
    assert r.status_code == 403  # not registered yet
    add_witness(client.app.state.store, "GBR", witness.verifier().vkey(), now_us=1)
    r = anon.post(f"{API}/ledger/cosignatures", content=body)
    assert r.status_code == 201, r.text
    assert r.json()["stored"] == [{"witness": "GBR", "timestamp": 1_772_409_600}]
    got = anon.get(f"{API}/ledger/cosignatures").json()
    assert [c["witness"] for c in got["cosignatures"]] == ["GBR"]
    [found] = verify_cosignatures(got["checkpoint"], [witness.verifier()])
    assert found.timestamp == 1_772_409_600
    keys = anon.get(f"{API}/ledger/keys").json()
    assert {k["role"] for k in keys} == {"log", "witness"}
    assert anon.post(f"{API}/ledger/cosignatures", content=b"junk").status_code == 400


@pytest.mark.parametrize("path", ["/ledger/checkpoint", "/ledger/key", "/ledger/cosignatures"])
def test_empty_log_answers_not_found(anon: TestClient, path: str) -> None:
    r = anon.get(f"{API}{path}")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


def test_the_server_issues_checkpoints_periodically(
    store: Store, tmp_path: Path, token_for: TokenFor
) -> None:
    """The checkpoints worker, run with the app's background workers, signs the grown log."""
    settings = Settings.from_env({}, home=str(tmp_path / "home"), checkpoint_seconds="1")
    with TestClient(create_app(settings, store=store, workers=True)) as served:
        served.headers["Authorization"] = f"Bearer {token_for('admin', nation='MISSION')}"
        _load(served, 3)
        with store.read() as conn:
            size = ledger_svc.tree_size(conn)
        deadline = time.monotonic() + 30
        while _signed_size(served) != size:  # the issuer catches up within a period or two
            assert time.monotonic() < deadline, "no periodic checkpoint of the grown log"
            time.sleep(0.2)


def _signed_size(client: TestClient) -> int | None:
    r = client.get(f"{API}/ledger/checkpoint")
    return int(parse_note(r.text).text.split("\n")[1]) if r.status_code == 200 else None
