"""C2SP tlog-checkpoint bodies and real signed checkpoints (sum.golang.org, Rekor v2)."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_public_key,
)

from truceline.ledger import (
    Checkpoint,
    CheckpointError,
    Ed25519Signer,
    Ed25519Verifier,
    UnverifiedNoteError,
    format_checkpoint,
    leaf_hash,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    parse_note,
    sign_checkpoint,
    verify_inclusion,
)

from .ledger_testdata import b64, load

FORMATS = load("transparency-dev-formats/checkpoint_vectors.json")
PROD = FORMATS["production_checkpoint"]
REKOR = load("sigstore-python/rekor_v2_entry.json")


def test_real_sum_golang_org_checkpoint() -> None:
    cp, note = open_checkpoint(
        PROD["note"], [Ed25519Verifier.from_vkey(PROD["vkey"])], origin=PROD["origin"]
    )
    assert cp == Checkpoint(PROD["origin"], PROD["size"], b64(PROD["root_b64"]))
    assert note.verified[0].name == "sum.golang.org"


def test_extra_signers_on_production_checkpoint() -> None:
    extra = PROD["extra_signers"]
    msg = PROD["note"] + "".join(line + "\n" for line in extra["sig_lines"])
    log = Ed25519Verifier.from_vkey(PROD["vkey"])
    others = [Ed25519Verifier.from_vkey(v) for v in extra["vkeys"]]
    note = open_note(msg, [log, *others])
    assert [s.name for s in note.verified] == ["sum.golang.org", "monkeys", "bananas", "witness"]
    assert [s.name for s in note.unverified] == ["random1", "random2"]
    cp, _ = open_checkpoint(msg, [log])
    assert cp.size == PROD["size"]
    with pytest.raises(UnverifiedNoteError):
        open_note(PROD["note"], others)


@pytest.mark.parametrize("case", FORMATS["checkpoint_body_parse"], ids=lambda c: c["m"][:30])
def test_formats_body_parse_cases(case: dict[str, object]) -> None:
    text = case["m"]
    assert isinstance(text, str)
    if not case["ok"]:
        with pytest.raises(CheckpointError):
            parse_checkpoint(text)
        return
    # formats accepts non-32-byte roots ("bananas"); a strict C2SP parser must not.
    with pytest.raises(CheckpointError, match="32 bytes"):
        parse_checkpoint(text)
    fixed = text.split("\n")
    fixed[2] = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
    cp = parse_checkpoint("\n".join(fixed))
    rest = case.get("rest", "")
    assert isinstance(rest, str)
    assert cp.extensions == tuple(rest.split("\n")[:-1])
    if "origin" in case:
        assert (cp.origin, cp.size) == (case["origin"], case["size"])


@pytest.mark.parametrize(
    "text",
    [
        "Log\n123\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\n\n",  # empty extensions
        "Log\n0123\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",  # leading zero
        "Log\n+12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "Log\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "Log\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n",  # non-canonical base64
        "Log\n12\n CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "Log\n\u0661\u0662\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",  # Arabic digits
        "Log\r\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    ],
)
def test_strict_parser_rejects(text: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(text)


def test_largest_size_and_round_trip() -> None:
    cp = Checkpoint("example.com/log", 2**64 - 1, bytes(range(32)), ("ext one", "ext+two"))
    assert parse_checkpoint(format_checkpoint(cp)) == cp
    with pytest.raises(CheckpointError):
        format_checkpoint(Checkpoint("example.com/log", 2**64, bytes(32)))
    with pytest.raises(CheckpointError):
        format_checkpoint(Checkpoint("go.sum database tree", 1, bytes(32)))
    lax = format_checkpoint(Checkpoint("go.sum database tree", 1, bytes(32)), strict_origin=False)
    assert lax == "go.sum database tree\n1\n" + "A" * 43 + "=\n"


def test_go_sum_tree_note_body() -> None:
    v = load("golang-x-mod-sumdb/tlog_tree_note_vectors.json")
    cp = Checkpoint("go.sum database tree", v["tree_size"], leaf_hash(v["record_utf8"].encode()))
    assert format_checkpoint(cp, strict_origin=False) == v["formatted_tree"]
    assert parse_checkpoint(v["formatted_tree"]) == cp


def test_c2sp_example_checkpoint_parses() -> None:
    msg = load("c2sp/spec_examples.json")["format_only_examples"]["checkpoint"]
    cp = parse_checkpoint(parse_note(msg).text)
    assert (cp.origin, cp.size) == ("example.com/behind-the-sofa", 20852163)


def test_sign_and_open_checkpoint() -> None:
    signer = Ed25519Signer("example.com/log", bytes(range(32)))
    cp = Checkpoint("example.com/log", 5, hashlib.sha256(b"root").digest())
    msg = sign_checkpoint(cp, [signer])
    assert open_checkpoint(msg, [signer.verifier()], origin="example.com/log")[0] == cp
    with pytest.raises(CheckpointError):
        open_checkpoint(msg, [signer.verifier()], origin="example.com/other")


def test_rekor_v2_entry_end_to_end() -> None:
    """A real tlog-tiles log: key ID, log ID, checkpoint signature and inclusion proof."""
    der = b64(REKOR["log_public_key_spki_der_b64"])
    public = load_der_public_key(der).public_bytes(Encoding.Raw, PublicFormat.Raw)
    cp_note = parse_note(REKOR["checkpoint"])
    origin = cp_note.text.split("\n")[0]
    verifier = Ed25519Verifier(origin, public)
    assert cp_note.signatures[0].key_id == verifier.key_id
    full = hashlib.sha256(origin.encode() + b"\n\x01" + public).digest()
    assert full == b64(REKOR["log_id_b64"])
    cp, _ = open_checkpoint(REKOR["checkpoint"], [verifier], origin=origin)
    proof = REKOR["inclusion_proof"]
    assert (cp.size, cp.root_hash) == (proof["tree_size"], b64(proof["root_hash_b64"]))
    leaf = leaf_hash(b64(REKOR["canonicalized_body_b64"]))
    hashes = [b64(h) for h in proof["hashes_b64"]]
    assert verify_inclusion(leaf, proof["log_index"], cp.size, hashes, cp.root_hash)
    assert not verify_inclusion(leaf, proof["log_index"] - 1, cp.size, hashes, cp.root_hash)
