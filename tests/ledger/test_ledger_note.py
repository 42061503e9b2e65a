"""C2SP signed notes and keys against Go sumdb, C2SP and transparency-dev vectors."""

from __future__ import annotations

import base64

import pytest

from truceline.ledger import (
    Ed25519Signer,
    Ed25519Verifier,
    InvalidSignatureError,
    KeyFormatError,
    MalformedNoteError,
    NoteSignature,
    UnverifiedNoteError,
    key_id,
    open_note,
    parse_note,
    parse_verifier_key,
    sign_note,
)
from truceline.ledger.keys import generate_ed25519_signer, is_valid_key_name
from truceline.ledger.note import format_note

from .ledger_testdata import load

GO = load("golang-x-mod-sumdb/note_vectors.json")
FORMATS = load("transparency-dev-formats/checkpoint_vectors.json")
C2SP = load("c2sp/spec_examples.json")
PETER = GO["keys"]["PeterNeumann"]


def test_peter_neumann_resign_is_byte_identical() -> None:
    signer = Ed25519Signer.from_skey(PETER["skey"])
    assert signer.verifier().vkey() == PETER["vkey"]
    assert signer.skey() == PETER["skey"]
    assert sign_note(GO["text"], [signer]) == GO["signed_note_peter"]
    note = open_note(GO["signed_note_peter"], [Ed25519Verifier.from_vkey(PETER["vkey"])])
    assert note.text == GO["text"]
    assert [(s.name, s.key_id) for s in note.verified] == [("PeterNeumann", 0xC74F20A3)]


def test_enoch_root_zero_seed() -> None:
    enoch = Ed25519Signer("EnochRoot", bytes(32))
    assert enoch.verifier().vkey() == GO["keys"]["EnochRoot"]["vkey"]
    peter = Ed25519Signer.from_skey(PETER["skey"])
    both = sign_note(GO["text"], [peter, enoch])
    assert both == GO["signed_note_peter"] + GO["signature_line_enoch"]
    existing = parse_note(GO["signed_note_peter"]).signatures
    assert sign_note(GO["text"], [enoch], existing) == both
    opened = open_note(both, [enoch.verifier()])
    assert [s.name for s in opened.verified] == ["EnochRoot"]
    assert [s.name for s in opened.unverified] == ["PeterNeumann"]


def test_c2sp_spec_example_verifies() -> None:
    ex = C2SP["signed_note_vkey_example"]
    note = open_note(ex["note"], [Ed25519Verifier.from_vkey(ex["vkey"])])
    assert note.text == "This is an example message.\n"


def test_c2sp_format_only_note_parses() -> None:
    note = parse_note(C2SP["format_only_examples"]["signed_note_intro"])
    assert note.text.endswith("trafitto da un raggio di sole:\n\ned è subito sera.\n")
    assert note.signatures[0].name == "quasimodo.example/salvatore"


@pytest.mark.parametrize("msg", GO["malformed_notes_must_fail_with_peter_verifier"])
def test_go_malformed_notes_are_rejected(msg: str) -> None:
    with pytest.raises((MalformedNoteError, UnverifiedNoteError)):
        open_note(msg, [Ed25519Verifier.from_vkey(PETER["vkey"])])


def test_invalid_utf8_note_is_malformed() -> None:
    with pytest.raises(MalformedNoteError):
        parse_note(bytes.fromhex(GO["malformed_note_invalid_utf8_bytes_hex"]))


def test_tampered_signature_is_rejected() -> None:
    line_start = GO["signed_note_peter"].index("\u2014")
    at = line_start + 60
    msg = GO["signed_note_peter"]
    tampered = msg[:at] + "ABCD" + msg[at:]
    with pytest.raises(InvalidSignatureError, match=r"PeterNeumann\+c74f20a3"):
        open_note(tampered, [Ed25519Verifier.from_vkey(PETER["vkey"])])


def test_signature_count_limit() -> None:
    line = GO["signed_note_peter"][len(GO["text"]) + 1 :]
    verifier = Ed25519Verifier.from_vkey(PETER["vkey"])
    assert open_note(GO["text"] + "\n" + line * 100, [verifier]).verified
    with pytest.raises(MalformedNoteError):
        open_note(
            GO["text"] + "\n" + line * GO["too_many_signatures"]["repeat_peter_sig_times"],
            [verifier],
        )


def test_duplicate_lines_count_once_and_each_is_verified() -> None:
    peter = Ed25519Signer.from_skey(PETER["skey"])
    good = parse_note(GO["signed_note_peter"]).signatures[0]
    bad = NoteSignature(good.name, good.key_id, bytes(64))
    verifier = peter.verifier()
    note = open_note(format_note(GO["text"], [good, good]), [verifier])
    assert note.verified == (good,)
    with pytest.raises(InvalidSignatureError):
        open_note(format_note(GO["text"], [good, bad]), [verifier])


def test_unknown_keys_are_ignored_even_when_sharing_name_or_id() -> None:
    peter = Ed25519Signer.from_skey(PETER["skey"])
    good = parse_note(GO["signed_note_peter"]).signatures[0]
    same_name = NoteSignature(good.name, good.key_id ^ 1, bytes(64))
    same_id = NoteSignature("PeterNeumann2", good.key_id, bytes(64))
    note = open_note(
        format_note(GO["text"], [same_name, same_id, same_id, good]), [peter.verifier()]
    )
    assert note.verified == (good,)
    assert note.unverified == (same_name, same_id)
    with pytest.raises(UnverifiedNoteError):
        open_note(format_note(GO["text"], [same_name]), [peter.verifier()])


@pytest.mark.parametrize(
    "msg",
    [
        "text\n\n\u2014 PeterNeumann AAAAAA==\n",  # fewer than 5 bytes
        "text\n\n\u2014 PeterNeumann x08go/ZJ\nnot a signature line\n",
        "text\n\n- PeterNeumann x08go/ZJkuBS9UG\n",  # not an em dash
        "text\n\n\u2014 PeterNeumann\n",  # no signature
        "text\n\n\u2014 Peter Neumann x08go/ZJkuBS9UG/Sf\n",  # space in name
        "text\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/Sf==\n",  # bad padding
        "text\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/Sf \n",  # trailing space
        "te\tx\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/Sf\n",  # control character
        "text\n\n",
        "text\n",
        "",
    ],
)
def test_parse_rejects_format_violations(msg: str) -> None:
    with pytest.raises(MalformedNoteError):
        parse_note(msg)


def test_text_may_hold_blank_lines_and_last_blank_line_splits() -> None:
    # A blank line can never sit inside the signature block: the LAST blank line splits.
    odd = parse_note("text\n\n\u2014 PeterNeumann x08go/ZJ\n\n\u2014 PeterNeumann x08go/ZJ\n")
    assert odd.text == "text\n\n\u2014 PeterNeumann x08go/ZJ\n"
    assert len(odd.signatures) == 1
    signer = Ed25519Signer("example.com/log", bytes(range(32)))
    for text in ("a\n\nb\n", "a\n\n", "\n", "\n\n\n"):
        msg = sign_note(text, [signer])
        assert open_note(msg, [signer.verifier()]).text == text
    for text in ("no newline", "", "bad\x00\n"):
        with pytest.raises(MalformedNoteError):
            sign_note(text, [signer])


def test_key_pairs_from_formats_and_witness_vectors() -> None:
    pairs = dict(FORMATS["test_keypairs"])
    pairs.pop("desc")
    pairs.update(load("transparency-dev-witness/witness_vectors.json")["keys"])
    for name, pair in pairs.items():
        signer = Ed25519Signer.from_skey(pair["skey"])
        assert signer.verifier().vkey() == pair["vkey"], name
        assert Ed25519Verifier.from_vkey(pair["vkey"]).key_id == signer.key_id


def test_key_id_definition() -> None:
    vk = parse_verifier_key(PETER["vkey"])
    assert vk.key_id == key_id("PeterNeumann", 0x01, vk.public_key) == 0xC74F20A3
    assert vk.encode() == PETER["vkey"]


@pytest.mark.parametrize(
    "vkey",
    [
        *GO["bad_vkeys"],
        *FORMATS["cosignature_vkeys"]["invalid"],
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter+Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_bad_vkeys_are_rejected(vkey: str) -> None:
    with pytest.raises(KeyFormatError):
        Ed25519Verifier.from_vkey(vkey)


@pytest.mark.parametrize(
    "skey",
    [
        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEX+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a3",
    ],
)
def test_bad_skeys_are_rejected(skey: str) -> None:
    with pytest.raises(KeyFormatError):
        Ed25519Signer.from_skey(skey)


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("example.com/log", True),
        ("sum.golang.org", True),
        ("", False),
        ("a+b", False),
        ("a b", False),
        ("a\u00a0b", False),
        ("a\u3000b", False),
        ("a\x01b", False),
    ],
)
def test_key_names(name: str, ok: bool) -> None:
    assert is_valid_key_name(name) is ok


def test_generated_keys_round_trip() -> None:
    signer = generate_ed25519_signer("example.com/generated")
    again = Ed25519Signer.from_skey(signer.skey())
    assert again.public_key == signer.public_key
    msg = sign_note("hello\n", [signer])
    assert open_note(msg, [Ed25519Verifier.from_vkey(signer.verifier().vkey())]).text == "hello\n"
    assert "PRIVATE" not in repr(signer) and base64.b64encode(signer.seed).decode() not in repr(
        signer
    )


def test_ambiguous_verifiers_are_refused() -> None:
    v = Ed25519Verifier.from_vkey(PETER["vkey"])
    with pytest.raises(KeyFormatError):
        open_note(GO["signed_note_peter"], [v, Ed25519Verifier.from_vkey(PETER["vkey"])])
