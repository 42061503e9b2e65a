"""Witness decisions (C2SP tlog-witness) on the transparency-dev/witness cases."""

from __future__ import annotations

from typing import Any

import pytest

from truceline.ledger import (
    EMPTY_ROOT,
    Checkpoint,
    Ed25519Signer,
    TreeHead,
    WitnessRequestError,
    WitnessVerdict,
    open_checkpoint,
    parse_add_checkpoint_request,
    sign_checkpoint,
    witness_add_checkpoint,
    witness_decide,
)
from truceline.ledger.witness import checkpoint_origin
from truceline.ledger.witness_protocol import format_add_checkpoint_request, format_size_response

from .ledger_testdata import b64, load

W = load("transparency-dev-witness/witness_vectors.json")
MONKEYS = Ed25519Signer.from_skey(W["keys"]["monkeys"]["skey"])
ROOT5 = bytes.fromhex("e35b268c1522014ef412d2a54fa94838862d453631617b0307e5c77dcbeefc11")
ROOT8 = open_checkpoint(W["checkpoint_size8"], [MONKEYS.verifier()])[0].root_hash

EXPECTED = {
    "happy path": WitnessVerdict.ACCEPT,
    "old size doesn't match stored state": WitnessVerdict.STALE,
    "old 0 with non-empty proof": WitnessVerdict.INCONSISTENT,
    "resubmit same checkpoint": WitnessVerdict.ACCEPT,
    # transparency-dev/witness answers 422 here; the C2SP text prescribes 409.
    "same size, different root": WitnessVerdict.SPLIT_VIEW,
    "missing proof 4->5": WitnessVerdict.INCONSISTENT,
    "smaller checkpoint": WitnessVerdict.ROLLBACK,
    "garbage proof (2-byte hashes)": WitnessVerdict.INCONSISTENT,
}


def _stored(case: dict[str, Any]) -> TreeHead | None:
    size = case["stored_size"]
    if size == 0:
        return None
    if "stored_root_hex" in case:
        return TreeHead(size, bytes.fromhex(case["stored_root_hex"]))
    return TreeHead(size, {5: ROOT5, 8: ROOT8}.get(size, bytes(32)))


def _new_note(case: dict[str, Any]) -> str:
    if "new" in case:
        note: str = W[case["new"]]
        return note
    cp = Checkpoint("monkeys", case["new_size"], bytes.fromhex(case["new_root_hex"]))
    return sign_checkpoint(cp, [MONKEYS])


def _proof(case: dict[str, Any]) -> list[bytes]:
    if "proof_hex" in case:
        return [bytes.fromhex(h) for h in case["proof_hex"]]
    proof = case["proof"]
    return [b64(h) for h in (W[proof] if isinstance(proof, str) else proof)]


@pytest.mark.parametrize("case", W["witness_update_cases"], ids=lambda c: c["desc"])
def test_witness_update_cases(case: dict[str, Any]) -> None:
    want = EXPECTED[case["desc"]]
    assert (want is WitnessVerdict.ACCEPT) is case["ok"]
    if "c2sp_http" in case and want is not WitnessVerdict.SPLIT_VIEW:
        assert want.http_status == case["c2sp_http"]
    note = _new_note(case)
    last = _stored(case)
    decision = witness_add_checkpoint(
        last, note, [MONKEYS.verifier()], origin="monkeys", proof=_proof(case), old_size=case["old"]
    )
    assert decision.verdict is want, decision.reason
    assert decision.known_size == case["stored_size"]
    cp = open_checkpoint(note, [MONKEYS.verifier()])[0]
    direct = witness_decide(last, TreeHead.of(cp), _proof(case), old_size=case["old"])
    assert direct.verdict is want
    if decision.accepted:
        assert decision.update == TreeHead.of(cp)
        assert decision.checkpoint_text == note[: note.rindex("\n\n") + 1]
    else:
        assert decision.update is None


def test_without_old_size_a_smaller_checkpoint_is_a_rollback() -> None:
    d = witness_decide(TreeHead(8, ROOT8), TreeHead(5, ROOT5), [])
    assert d.verdict is WitnessVerdict.ROLLBACK and d.verdict.http_status == 400


def test_first_checkpoint_and_empty_tree() -> None:
    assert witness_decide(None, TreeHead(5, ROOT5), []).update == TreeHead(5, ROOT5)
    assert witness_decide(None, TreeHead(0, EMPTY_ROOT), []).accepted
    assert witness_decide(None, TreeHead(0, ROOT5), []).verdict is WitnessVerdict.SPLIT_VIEW


def test_consistent_extension_from_stored_state() -> None:
    proof = [b64(h) for h in W["consistency_5_to_8_b64"]]
    assert witness_decide(TreeHead(5, ROOT5), TreeHead(8, ROOT8), proof).accepted
    bad = witness_decide(TreeHead(5, ROOT5), TreeHead(8, ROOT5), proof)
    assert bad.verdict is WitnessVerdict.INCONSISTENT and bad.verdict.http_status == 422


def test_signature_origin_and_format_failures() -> None:
    note = W["checkpoint_size8"]
    stranger = Ed25519Signer("monkeys", bytes(32))
    d = witness_add_checkpoint(
        None, note, [stranger.verifier()], origin="monkeys", proof=[], old_size=0
    )
    assert d.verdict is WitnessVerdict.BAD_SIGNATURE and d.verdict.http_status == 403
    forged = note.replace("\n8\n", "\n9\n")
    d = witness_add_checkpoint(
        None, forged, [MONKEYS.verifier()], origin="monkeys", proof=[], old_size=0
    )
    assert d.verdict is WitnessVerdict.BAD_SIGNATURE
    d = witness_add_checkpoint(
        None, note, [MONKEYS.verifier()], origin="bananas", proof=[], old_size=0
    )
    assert d.verdict is WitnessVerdict.UNKNOWN_ORIGIN and d.verdict.http_status == 404
    d = witness_add_checkpoint(
        None, "junk", [MONKEYS.verifier()], origin="monkeys", proof=[], old_size=0
    )
    assert d.verdict is WitnessVerdict.MALFORMED and d.verdict.http_status == 400
    assert checkpoint_origin(note) == "monkeys"


def test_c2sp_add_checkpoint_request_example() -> None:
    ex = load("c2sp/spec_examples.json")["format_only_examples"]
    req = parse_add_checkpoint_request(ex["witness_add_checkpoint_request"])
    assert req.old_size == 20852014
    assert len(req.proof) == 4 and all(len(h) == 32 for h in req.proof)
    assert req.checkpoint.startswith("example.com/behind-the-sofa\n20852163\n")
    assert req.checkpoint.count("\u2014 ") == 2
    rebuilt = format_add_checkpoint_request(req.old_size, req.proof, req.checkpoint)
    assert rebuilt == ex["witness_add_checkpoint_request"]
    assert format_size_response(20852014) == ex["witness_conflict_response"]["body_example"]


@pytest.mark.parametrize(
    "body",
    [
        "old 5\n",
        "old 05\n\nx",
        "new 5\n\nx",
        "old 5\nqqq\n\nx",
        "old 5\nAAAA\n\nx",
        "old 5\n" + "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n" * 64 + "\nx",
    ],
)
def test_bad_add_checkpoint_requests(body: str) -> None:
    with pytest.raises(WitnessRequestError):
        parse_add_checkpoint_request(body)
