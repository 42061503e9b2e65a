"""The ledger in the store, on SQLite and PostgreSQL: leaves in the record's transaction,
proofs from stored nodes, checkpoints, keys, and `verify` naming what was tampered with."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Table, delete, func, select, update

from tests.conftest import AGREEMENT, FIXED_NOW_US, SENSORS_CSV, detection
from truceline.access.policy import PUBLIC, Principal
from truceline.errors import ConflictError, InputError, NotFoundError
from truceline.formats.readers import iter_body, iter_sensor_csv
from truceline.ledger import (
    CosignatureVerifier,
    Ed25519Verifier,
    cosign,
    generate_ed25519_signer,
    leaf_data,
    leaf_hash,
    merkle_tree_hash,
    open_checkpoint,
    verify_consistency,
    verify_cosignatures,
    verify_inclusion,
)
from truceline.ledger.cosignature import CosignatureSigner
from truceline.services import ledger
from truceline.services.agreements import load_agreement
from truceline.services.ingest import KINDS, ingest
from truceline.services.ledger_checkpoints import (
    CheckpointIssuer,
    add_cosignatures,
    cosignatures_of,
    issue_checkpoint,
    latest_checkpoint,
)
from truceline.services.ledger_keys import (
    add_witness,
    ensure_log_key,
    generate_log_key,
    list_keys,
    log_key_path,
    rotate_log_key,
)
from truceline.services.ledger_verify import verify_store
from truceline.services.principals import add_principal, revoke_principal
from truceline.services.sensors import StatusSpan, record_status
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import parse_time

ORIGIN = "test.example/ledger"
MISSION_ADMIN = Principal("root", "MISSION", frozenset({"admin"}))


def _sensors(store: Store) -> None:
    results = iter_sensor_csv(io.StringIO(SENSORS_CSV), source="sensors.csv")
    ingest(store, KINDS["sensors"], results, source="sensors.csv", now_us=FIXED_NOW_US)


def _detections(store: Store, ids: range, **overrides: Any) -> None:
    body = b"\n".join(orjson.dumps(detection(i, **overrides)) for i in ids)
    results = iter_body(body, KINDS["detections"].model, source="d.ndjson")
    ingest(store, KINDS["detections"], results, source="d.ndjson", now_us=FIXED_NOW_US)


def _count(store: Store, table: Table) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _leaf_hashes(store: Store) -> list[bytes]:
    with store.read() as conn:
        query = select(tables.ledger_leaves.c.leaf_hash).order_by(tables.ledger_leaves.c.idx)
        return [bytes(h) for h in conn.execute(query).scalars()]


def _signed(store: Store, home: Path) -> None:
    signer = ensure_log_key(store, home, ORIGIN, now_us=FIXED_NOW_US)
    issue_checkpoint(store, signer, ORIGIN, now_us=FIXED_NOW_US)


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    """Sensors, 40 detections, an agreement and a checkpoint."""
    _sensors(store)
    _detections(store, range(40))
    load_agreement(store, AGREEMENT, source="a.geojson", now_us=FIXED_NOW_US)
    _signed(store, tmp_path)
    return store


# --- leaves ----------------------------------------------------------------------------


def test_every_stored_record_gets_one_leaf(store: Store) -> None:
    _sensors(store)
    _detections(store, range(25))
    load_agreement(store, AGREEMENT, source="a.geojson", now_us=FIXED_NOW_US)
    span = StatusSpan("AC-0001", "degraded", parse_time("2026-03-02T00:00:00Z"), None, "wind")
    record_status(store, [span], source="s", now_us=FIXED_NOW_US)
    add_principal(
        store,
        name="ann",
        nation="GBR",
        roles=["analyst"],
        side=None,
        expires_us=None,
        now_us=FIXED_NOW_US,
        actor="test",
    )
    revoke_principal(store, "ann", now_us=FIXED_NOW_US, actor="test")
    with store.read() as conn:
        kinds = dict(
            conn.execute(
                select(tables.ledger_leaves.c.kind, func.count()).group_by(
                    tables.ledger_leaves.c.kind
                )
            ).all()
        )
        assert ledger.tree_size(conn) == sum(kinds.values())
    assert kinds == {
        "sensors": 3,
        "detections": 25,
        "agreement": 1,
        "sensor_status": 1,
        "access_change": 2,
    }
    assert verify_store(store).ok


def test_leaf_recomputes_from_the_stored_row(store: Store) -> None:
    _sensors(store)
    _detections(store, range(1))
    with store.read() as conn:
        leaf = ledger.record_leaves(conn, "detections", "d-000000")[0]
        row = conn.execute(select(tables.detections)).mappings().one()
    record = {k: v for k, v in row.items() if k not in ("markings", "audience", "content_hash")}
    data = leaf_data(
        record,
        kind="detections",
        record_id="d-000000",
        markings=orjson.loads(row["markings"]),
        salt=leaf.salt,
    )
    assert leaf_hash(data) == leaf.leaf_hash
    assert leaf.markings == orjson.loads(row["markings"])


def test_failed_ingest_leaves_neither_record_nor_leaf(store: Store) -> None:
    _sensors(store)
    before = _count(store, tables.ledger_leaves)
    records = [detection(i) for i in range(2500)] + [detection(9999, sensor="NOPE")]
    body = b"\n".join(orjson.dumps(r) for r in records)
    with pytest.raises(InputError):
        ingest(
            store,
            KINDS["detections"],
            iter_body(body, KINDS["detections"].model, source="x"),
            source="x",
            now_us=FIXED_NOW_US,
        )
    assert _count(store, tables.detections) == 0
    assert _count(store, tables.ledger_leaves) == before
    assert _count(store, tables.ledger_nodes) == 2 * before - bin(before).count("1")
    with store.read() as conn:
        assert ledger.tree_size(conn) == before


def test_conflicting_agreement_adds_no_leaf(store: Store) -> None:
    load_agreement(store, AGREEMENT, source="a", now_us=FIXED_NOW_US)
    changed = {**AGREEMENT, "agreement": {**AGREEMENT["agreement"], "title": "other"}}
    with pytest.raises(ConflictError):
        load_agreement(store, changed, source="a", now_us=FIXED_NOW_US)
    assert _count(store, tables.ledger_leaves) == 1


def test_append_leaf_and_markings_change(store: Store) -> None:
    with store.write() as conn:
        first = ledger.append_leaf(
            conn,
            "test_note",
            "n-1",
            {"verdict": "violation"},
            {"releasable_to": ["MISSION"]},
            now_us=FIXED_NOW_US,
        )
        second = ledger.record_markings_change(
            conn,
            "test_note",
            "n-1",
            {"verdict": "violation"},
            {"releasable_to": ["PUBLIC"]},
            now_us=FIXED_NOW_US,
        )
        assert (first, second) == (0, 1)
        with pytest.raises(NotFoundError):
            ledger.record_markings_change(conn, "test_note", "n-2", {}, {}, now_us=FIXED_NOW_US)
        leaves = ledger.record_leaves(conn, "test_note", "n-1")
    assert [leaf.markings["releasable_to"] for leaf in leaves] == [["MISSION"], ["PUBLIC"]]
    report = verify_store(store)
    assert report.ok and report.unchecked == {"test_note": 2}


# --- tree and proofs -------------------------------------------------------------------


def test_stored_tree_matches_an_in_memory_tree_and_proofs_verify(store: Store) -> None:
    _sensors(store)
    for start in (0, 7, 30, 31, 64):  # batches of uneven sizes
        _detections(store, range(start, start + {0: 7, 7: 23, 30: 1, 31: 33, 64: 5}[start]))
    hashes = _leaf_hashes(store)
    with store.read() as conn:
        for size in range(1, len(hashes) + 1):
            root = merkle_tree_hash(hashes[:size])
            assert ledger.tree_root(conn, size) == root
            for index in {0, size // 2, size - 1}:
                digest, proof = ledger.inclusion(conn, index, size)
                assert digest == hashes[index]
                assert verify_inclusion(digest, index, size, proof, root)
            for old in {1, size // 3 or 1, size - 1 or 1}:
                proof = ledger.consistency(conn, old, size)
                assert verify_consistency(old, size, merkle_tree_hash(hashes[:old]), root, proof)


def test_proofs_read_a_logarithmic_number_of_nodes(store: Store) -> None:
    _sensors(store)
    _detections(store, range(300))

    class Counting(ledger.SqlNodeReader):
        calls: ClassVar[list[int]] = []

        def get_nodes(self, keys):  # type: ignore[no-untyped-def]
            self.calls.append(len(keys))
            return super().get_nodes(keys)

    from truceline.ledger import inclusion_proof

    with store.read() as conn:
        reader = Counting(conn)
        inclusion_proof(5, 303, reader)
    [keys] = Counting.calls  # one query ...
    assert keys <= 2 * (303).bit_length()  # ... of O(log n) nodes


# --- keys and checkpoints --------------------------------------------------------------


def test_keys_generate_rotate_and_old_checkpoints_still_verify(
    store: Store, tmp_path: Path
) -> None:
    _sensors(store)
    signer = generate_log_key(store, tmp_path, ORIGIN, now_us=FIXED_NOW_US)
    assert log_key_path(tmp_path).stat().st_mode & 0o777 == 0o600
    with pytest.raises(ConflictError):
        generate_log_key(store, tmp_path, ORIGIN, now_us=FIXED_NOW_US)
    old_cp, created = issue_checkpoint(store, signer, ORIGIN, now_us=FIXED_NOW_US)
    assert created and old_cp.size == 3
    assert issue_checkpoint(store, signer, ORIGIN, now_us=FIXED_NOW_US) == (old_cp, False)
    new_signer = rotate_log_key(store, tmp_path, ORIGIN, now_us=FIXED_NOW_US + 1)
    assert new_signer.key_id != signer.key_id
    _detections(store, range(5))
    new_cp, _ = issue_checkpoint(store, new_signer, ORIGIN, now_us=FIXED_NOW_US + 2)
    with store.read() as conn:
        keys = {k.vkey: k for k in list_keys(conn)}
    assert keys[signer.verifier().vkey()].retired_us == FIXED_NOW_US + 1
    assert keys[new_signer.verifier().vkey()].retired_us is None
    verifiers = [Ed25519Verifier.from_vkey(v) for v in keys]
    assert open_checkpoint(old_cp.note, verifiers, origin=ORIGIN)[0].size == 3
    assert open_checkpoint(new_cp.note, verifiers, origin=ORIGIN)[0].size == 8
    assert verify_store(store, origin=ORIGIN).checkpoints == 2
    assert verify_store(store, origin=ORIGIN).ok


def test_periodic_issuer_signs_only_when_the_log_grew(store: Store, tmp_path: Path) -> None:
    issuer = CheckpointIssuer(store, tmp_path, ORIGIN, 3600, lambda: FIXED_NOW_US)
    assert issuer.tick() is not None  # the empty log, first checkpoint: generates the key
    assert issuer.tick() is None
    _sensors(store)
    issued = issuer.tick()
    assert issued is not None and issued.size == 3
    assert issuer.tick() is None


def test_cosignatures_are_checked_against_registered_witnesses(loaded: Store) -> None:
    witness = CosignatureSigner("witness.example", generate_ed25519_signer("w").seed)
    stranger = CosignatureSigner("stranger.example", generate_ed25519_signer("s").seed)
    with loaded.read() as conn:
        cp = latest_checkpoint(conn)
    assert cp is not None
    line = cosign(cp.text, witness, 1_772_409_600).line()
    with pytest.raises(Exception, match="registered witness"):
        add_cosignatures(loaded, cp.note + line, now_us=FIXED_NOW_US)
    add_witness(loaded, "UK witness", witness.verifier().vkey(), now_us=FIXED_NOW_US)
    stored = add_cosignatures(loaded, cp.text + "\n" + line, now_us=FIXED_NOW_US)
    assert [c.witness for c in stored] == ["UK witness"]
    add_cosignatures(loaded, cp.text + "\n" + line, now_us=FIXED_NOW_US)  # idempotent
    bad = cosign(cp.text, stranger, 1).line().replace("stranger.example", "witness.example")
    with pytest.raises(Exception, match=r"registered witness|invalid signature"):
        add_cosignatures(loaded, cp.text + "\n" + bad, now_us=FIXED_NOW_US)
    with loaded.read() as conn:
        [cosig] = cosignatures_of(conn, cp.seq)
    assert verify_cosignatures(cp.note + cosig.line, [witness.verifier()])
    report = verify_store(loaded)
    assert report.ok and report.cosignatures == 1


def test_cosignature_on_an_unknown_checkpoint_is_refused(loaded: Store) -> None:
    witness = CosignatureSigner("w.example", generate_ed25519_signer("w").seed)
    add_witness(
        loaded,
        "w",
        CosignatureVerifier(witness.name, witness.public_key).vkey(),
        now_us=FIXED_NOW_US,
    )
    text = f"{ORIGIN}\n7\n{'A' * 43}=\n"
    with pytest.raises(NotFoundError):
        add_cosignatures(loaded, text + "\n" + cosign(text, witness, 5).line(), now_us=1)


# --- openings and visibility ------------------------------------------------------------


def test_opening_is_for_those_who_may_see_the_record(loaded: Store) -> None:
    usa = Principal("u", "USA", frozenset({"analyst"}))
    fra = Principal("f", "FRA", frozenset({"observer"}))
    with loaded.read() as conn:
        opened = ledger.opening(conn, usa, "detections", "d-000003")
        for who in (fra, PUBLIC):
            with pytest.raises(NotFoundError):
                ledger.opening(conn, who, "detections", "d-000003")
        leaf = opened.latest
    data = leaf_data(
        opened.record,
        kind="detections",
        record_id="d-000003",
        markings=leaf.markings,
        salt=leaf.salt,
    )
    assert leaf_hash(data) == leaf.leaf_hash
    assert ledger.may_see_leaf(usa, leaf) and not ledger.may_see_leaf(PUBLIC, leaf)


# --- verify names the tampered record ------------------------------------------------------


def _tamper(store: Store, statement: Any) -> None:
    with store.write() as conn:
        conn.execute(statement)


def test_clean_log_verifies(loaded: Store) -> None:
    report = verify_store(loaded, origin=ORIGIN)
    assert report.ok, report.findings
    assert (report.size, report.leaves, report.checkpoints) == (44, 44, 1)
    assert report.recomputed == 44 and report.records == 44


def test_edited_record_is_named(loaded: Store) -> None:
    d = tables.detections
    _tamper(loaded, update(d).where(d.c.id == "d-000017").values(snr_db=3.0))
    first = verify_store(loaded).first
    assert first is not None and first.problem == "edited"
    assert (first.kind, first.record_id, first.index) == ("detections", "d-000017", 20)
    assert first.message == (
        "detections d-000017 (leaf 20) was edited: its stored record no longer matches its leaf"
    )


def test_deleted_record_is_named(loaded: Store) -> None:
    d = tables.detections
    _tamper(loaded, delete(d).where(d.c.id == "d-000005"))
    first = verify_store(loaded).first
    assert first is not None
    assert (first.problem, first.record_id, first.index) == ("deleted", "d-000005", 8)


def test_inserted_record_is_named(loaded: Store) -> None:
    d = tables.detections
    with loaded.read() as conn:
        row = dict(conn.execute(select(d).where(d.c.id == "d-000001")).mappings().one())
    _tamper(loaded, d.insert().values({**row, "id": "d-777777"}))
    first = verify_store(loaded).first
    assert first is not None
    assert (first.problem, first.kind, first.record_id) == ("inserted", "detections", "d-777777")


def test_swapped_leaves_are_named(loaded: Store) -> None:
    leaves = tables.ledger_leaves
    cols = [c.name for c in leaves.columns if c.name != "idx"]
    with loaded.write() as conn:
        a = conn.execute(select(leaves).where(leaves.c.idx == 10)).mappings().one()
        b = conn.execute(select(leaves).where(leaves.c.idx == 30)).mappings().one()
        conn.execute(update(leaves).where(leaves.c.idx == 10).values({c: b[c] for c in cols}))
        conn.execute(update(leaves).where(leaves.c.idx == 30).values({c: a[c] for c in cols}))
    first = verify_store(loaded).first
    assert first is not None and first.problem == "reordered"
    assert (first.index, first.record_id) == (10, b["record_id"])


def test_rewritten_tree_is_caught_by_the_signed_root(loaded: Store) -> None:
    """An operator who edits a record AND recomputes its leaf and every node still fails."""
    d, leaves, nodes = tables.detections, tables.ledger_leaves, tables.ledger_nodes
    _tamper(loaded, update(d).where(d.c.id == "d-000017").values(weapon="mlrs"))
    with loaded.write() as conn:
        kind = ledger.get_kind("detections")
        assert kind is not None
        row = conn.execute(select(d).where(d.c.id == "d-000017")).mappings().one()
        leaf = ledger.record_leaves(conn, "detections", "d-000017")[0]
        forged = leaf_hash(
            leaf_data(
                kind.record_of(row),
                kind="detections",
                record_id="d-000017",
                markings=leaf.markings,
                salt=leaf.salt,
            )
        )
        conn.execute(update(leaves).where(leaves.c.idx == leaf.index).values(leaf_hash=forged))
        hashes = [
            bytes(h)
            for h in conn.execute(select(leaves.c.leaf_hash).order_by(leaves.c.idx)).scalars()
        ]
        conn.execute(delete(nodes))
        from truceline.ledger import MemoryNodeStore, nodes_to_store_on_append_batch

        rebuilt = nodes_to_store_on_append_batch(0, hashes, MemoryNodeStore())
        conn.execute(nodes.insert(), [{"level": k[0], "idx": k[1], "hash": h} for k, h in rebuilt])
    report = verify_store(loaded)
    assert not report.ok
    assert report.first is not None and report.first.problem == "reordered"
    assert "no longer give its signed root" in report.first.message


def test_markings_edited_without_a_leaf_is_named(loaded: Store) -> None:
    d = tables.detections
    public = orjson.dumps({"releasable_to": ["PUBLIC"]}).decode()
    _tamper(loaded, update(d).where(d.c.id == "d-000002").values(markings=public))
    first = verify_store(loaded).first
    assert first is not None
    assert (first.problem, first.record_id) == ("markings", "d-000002")


def test_forged_checkpoint_is_caught(loaded: Store) -> None:
    c = tables.ledger_checkpoints
    with loaded.read() as conn:
        cp = latest_checkpoint(conn)
    assert cp is not None
    forged = cp.note.replace(f"\n{cp.size}\n", f"\n{cp.size - 1}\n")
    _tamper(loaded, update(c).where(c.c.seq == cp.seq).values(note=forged))
    first = verify_store(loaded).first
    assert first is not None and first.problem == "checkpoint"


def test_truncated_log_is_caught(loaded: Store) -> None:
    leaves, head = tables.ledger_leaves, tables.ledger_head
    _tamper(loaded, delete(leaves).where(leaves.c.idx >= 40))
    _tamper(loaded, update(head).values(size=40))
    report = verify_store(loaded)
    assert {f.problem for f in report.findings} >= {"deleted", "inserted"}


_RAW_TABLES = {"detections": tables.detections, "sensors": tables.sensors}


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_flipping_any_byte_of_any_raw_is_named(
    sqlite_store: Store, tmp_path: Path, data: st.DataObject
) -> None:
    store = sqlite_store
    if _count(store, tables.detections) == 0:
        _sensors(store)
        _detections(store, range(12))
        _signed(store, tmp_path)
    kind = data.draw(st.sampled_from(sorted(_RAW_TABLES)))
    t = _RAW_TABLES[kind]
    with store.read() as conn:
        rows = conn.execute(select(t.c.id, t.c.raw).order_by(t.c.id)).all()
    record_id, raw = data.draw(st.sampled_from(rows))
    encoded = bytearray(raw.encode())
    position = data.draw(st.integers(0, len(encoded) - 1))
    encoded[position] ^= data.draw(st.integers(1, 255))
    flipped = encoded.decode("utf-8", "replace")
    if flipped == raw:
        return
    _tamper(store, update(t).where(t.c.id == record_id).values(raw=flipped))
    try:
        first = verify_store(store).first
        assert first is not None
        assert (first.problem, first.kind, first.record_id) == ("edited", kind, record_id)
    finally:
        _tamper(store, update(t).where(t.c.id == record_id).values(raw=raw))
