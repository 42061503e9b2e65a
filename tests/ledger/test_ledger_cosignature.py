"""C2SP tlog-cosignature/v1 (Ed25519, type 0x04)."""

from __future__ import annotations

import pytest

from truceline.ledger import (
    CosignatureError,
    CosignatureSigner,
    CosignatureVerifier,
    Ed25519Verifier,
    InvalidSignatureError,
    KeyFormatError,
    cosign,
    cosignature_message,
    open_checkpoint,
    parse_note,
    sign_note,
    verify_cosignatures,
)
from truceline.ledger.cosignature import MAX_TIMESTAMP, cosignature_timestamp
from truceline.ledger.keys import key_id

from .ledger_testdata import load

C2SP = load("c2sp/spec_examples.json")["format_only_examples"]
WITNESS = load("transparency-dev-witness/witness_vectors.json")
FORMATS = load("transparency-dev-formats/checkpoint_vectors.json")
MONKEYS = Ed25519Verifier.from_vkey(WITNESS["keys"]["monkeys"]["vkey"])
CP8 = WITNESS["checkpoint_size8"]
BODY8 = parse_note(CP8).text


def _witness() -> CosignatureSigner:
    return CosignatureSigner.from_skey(WITNESS["keys"]["witness"]["skey"])


def test_signed_message_matches_spec_example() -> None:
    body = parse_note(C2SP["checkpoint"]).text
    assert cosignature_message(body, 1679315147).decode() == C2SP["cosignature_v1_signed_message"]


def test_spec_cosignature_line_framing() -> None:
    line = C2SP["cosignature_line"]
    sig = parse_note(parse_note(C2SP["checkpoint"]).text + "\n" + line).signatures[0]
    assert sig.name == "witness.example.com/w1"
    assert 4 + len(sig.signature) == 76
    assert cosignature_timestamp(sig.signature) == 1679315147


def test_key_id_uses_type_0x04() -> None:
    w = _witness()
    assert w.key_id == key_id("witness", 0x04, w.public_key)
    assert w.key_id != Ed25519Verifier.from_vkey(WITNESS["keys"]["witness"]["vkey"]).key_id
    assert CosignatureVerifier.from_vkey(WITNESS["keys"]["witness"]["vkey"]).key_id == w.key_id
    assert CosignatureVerifier.from_vkey(w.verifier().vkey()).key_id == w.key_id
    assert w.verifier().vkey().startswith(f"witness+{w.key_id:08x}+B")


@pytest.mark.parametrize("vkey", FORMATS["cosignature_vkeys"]["valid"])
def test_formats_cosignature_vkeys_parse(vkey: str) -> None:
    v = CosignatureVerifier.from_vkey(vkey)
    assert v.key_id == key_id(v.name, 0x04, v.public_key)


@pytest.mark.parametrize("vkey", FORMATS["cosignature_vkeys"]["invalid"])
def test_formats_bad_cosignature_vkeys_fail(vkey: str) -> None:
    with pytest.raises(KeyFormatError):
        CosignatureVerifier.from_vkey(vkey)


def test_cosign_monkeys_checkpoint_round_trip() -> None:
    w = _witness()
    line = cosign(BODY8, w, 1_700_000_000).line()
    cosigned = CP8 + line
    assert open_checkpoint(cosigned, [MONKEYS], origin="monkeys")[0].size == 8
    found = verify_cosignatures(cosigned, [w.verifier()])
    assert [(c.name, c.key_id, c.timestamp) for c in found] == [
        ("witness", w.key_id, 1_700_000_000)
    ]
    # the same key as a plain Ed25519 verifier does not match the 0x04 line
    assert verify_cosignatures(CP8, [w.verifier()]) == []


SELF_GENERATED_LINE = (
    "\u2014 witness JLN4UQAAAABlU/EAULwRn53qQOl2faLVTsoQZZwdIsbHrGSa7dr+KeUBhPQM5AnDXaUnwn1avsYV"
    "Vbx0m4SqbgSXiTrlj0gK+2qADg==\n"
)


def test_cosignature_is_deterministic_regression() -> None:
    """Self-generated (NOT external) vector: fixed key, body and time give this exact line.

    It pins our own output so that a change is noticed; an external type-0x04
    vector does not exist yet (see tests/data/tlog/PROVENANCE.md).
    """
    w = _witness()
    line = cosign(BODY8, w, 1_700_000_000).line()
    assert line == SELF_GENERATED_LINE
    assert line != cosign(BODY8, w, 1_700_000_001).line()
    assert w.verifier().verify(BODY8.encode(), parse_note(CP8 + line).signatures[-1].signature)


def test_tampering_fails() -> None:
    w = _witness()
    sig = w.sign_at(BODY8, 42)
    v = w.verifier()
    assert v.verify(BODY8.encode(), sig)
    later = (43).to_bytes(8, "big") + sig[8:]
    assert not v.verify(BODY8.encode(), later)
    assert not v.verify(BODY8.replace("\n8\n", "\n9\n").encode(), sig)
    assert not v.verify(BODY8.encode(), sig[:-1])
    assert not v.verify(b"not a checkpoint\n", sig)
    tampered = SELF_GENERATED_LINE.replace("ULwRn53q", "ULwRn53r")
    with pytest.raises(InvalidSignatureError):
        verify_cosignatures(CP8 + tampered, [v])


def test_timestamped_signer_works_with_sign_note() -> None:
    w = _witness()
    msg = sign_note(BODY8, [w.at(7)], parse_note(CP8).signatures)
    assert [c.timestamp for c in verify_cosignatures(msg, [w.verifier()])] == [7]
    assert open_checkpoint(msg, [MONKEYS])[0].size == 8


@pytest.mark.parametrize("timestamp", [-1, MAX_TIMESTAMP + 1])
def test_timestamp_bounds(timestamp: int) -> None:
    with pytest.raises(CosignatureError):
        cosignature_message(BODY8, timestamp)


def test_extension_lines_are_signed() -> None:
    w = _witness()
    body = BODY8 + "extension\n"
    sig = w.sign_at(body, 5)
    assert w.verifier().verify(body.encode(), sig)
    assert not w.verifier().verify(BODY8.encode(), sig)
