"""The ledger's signing keys: private key files under ``TRUCELINE_HOME/keys``, public history.

The log's Ed25519 private key lives in one file, ``keys/log.skey`` (Go ``PRIVATE+KEY+...``
encoding, mode 0600, in a 0700 directory); it never enters the database, so a copy of the
database cannot sign. Every public verifier key (vkey), the log's and the witnesses', is
kept in ``ledger_keys`` with its creation and retirement times: rotation retires the old
log key without deleting it, so checkpoints it signed still verify. The key name is the
log's origin (C2SP tlog-checkpoint: the key name SHOULD be the origin).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, insert, select, update

from truceline.errors import BadRequestError, ConfigError, ConflictError, NotFoundError
from truceline.ledger import (
    CosignatureSigner,
    CosignatureVerifier,
    Ed25519Signer,
    Ed25519Verifier,
    KeyFormatError,
    generate_ed25519_signer,
)
from truceline.store import tables
from truceline.store.engine import Store

__all__ = [
    "KeyInfo",
    "add_witness",
    "ensure_log_key",
    "generate_log_key",
    "key_dir",
    "list_keys",
    "load_log_signer",
    "log_key_path",
    "log_verifiers",
    "read_skey",
    "rotate_log_key",
    "witness_verifiers",
    "write_secret",
]

K = tables.ledger_keys
LOG, WITNESS = "log", "witness"


def key_dir(home: Path) -> Path:
    """``TRUCELINE_HOME/keys``, created private (0700)."""
    folder = home / "keys"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def log_key_path(home: Path) -> Path:
    return key_dir(home) / "log.skey"


def write_secret(path: Path, text: str) -> None:
    """Write a new secret file with mode 0600 (refusing to overwrite one)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConflictError(f"{path} already exists; refusing to overwrite a key") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_skey(path: Path) -> Ed25519Signer:
    """Load a ``PRIVATE+KEY+...`` file; a clear error naming the file if it is not one."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the key ({exc})") from None
    try:
        return Ed25519Signer.from_skey(text)
    except KeyFormatError as exc:
        raise ConfigError(f"{path}: not a signed-note private key ({exc})") from None


def load_log_signer(home: Path, origin: str) -> Ed25519Signer | None:
    """The log's current signer, or None before ``keys generate``."""
    path = home / "keys" / "log.skey"
    if not path.exists():
        return None
    signer = read_skey(path)
    if signer.name != origin:
        raise ConfigError(
            f"{path} signs for origin {signer.name!r} but TRUCELINE_LOG_ORIGIN is {origin!r}; "
            "a log keeps its origin for life"
        )
    return signer


def _register(conn: Connection, vkey: str, name: str, role: str, now_us: int) -> None:
    if conn.execute(select(K.c.vkey).where(K.c.vkey == vkey)).first() is None:
        conn.execute(insert(K).values(vkey=vkey, name=name, role=role, created_us=now_us))


def generate_log_key(store: Store, home: Path, origin: str, *, now_us: int) -> Ed25519Signer:
    """Create the log's first key (refused if one exists: rotate it instead)."""
    path = log_key_path(home)
    if path.exists():
        raise ConflictError(f"{path} exists: the log has a key; use `truceline keys rotate`")
    signer = generate_ed25519_signer(origin)
    write_secret(path, signer.skey())
    with store.write() as conn:
        _register(conn, signer.verifier().vkey(), origin, LOG, now_us)
    return signer


def ensure_log_key(store: Store, home: Path, origin: str, *, now_us: int) -> Ed25519Signer:
    """The log's signer, generated on first use and always listed in ``ledger_keys``."""
    signer = load_log_signer(home, origin)
    if signer is None:
        return generate_log_key(store, home, origin, now_us=now_us)
    vkey = signer.verifier().vkey()
    with store.read() as conn:
        row = conn.execute(select(K.c.retired_us).where(K.c.vkey == vkey)).first()
    if row is not None and row.retired_us is not None:
        raise ConfigError(f"{log_key_path(home)} holds a retired key; rotate to a new one")
    if row is None:
        with store.write() as conn:
            _register(conn, vkey, origin, LOG, now_us)
    return signer


def rotate_log_key(store: Store, home: Path, origin: str, *, now_us: int) -> Ed25519Signer:
    """Replace the log key: retire the old vkey (kept listed), move its file aside."""
    old = load_log_signer(home, origin)
    if old is None:
        raise NotFoundError("the log has no key yet; use `truceline keys generate`")
    path = log_key_path(home)
    new = generate_ed25519_signer(origin)
    retired = path.with_name(f"log-{old.key_id:08x}.retired.skey")
    os.replace(path, retired)
    write_secret(path, new.skey())
    with store.write() as conn:
        _register(conn, old.verifier().vkey(), origin, LOG, now_us)
        conn.execute(
            update(K)
            .where(K.c.role == LOG, K.c.retired_us.is_(None), K.c.vkey != new.verifier().vkey())
            .values(retired_us=now_us)
        )
        _register(conn, new.verifier().vkey(), origin, LOG, now_us)
    return new


def log_verifiers(conn: Connection) -> list[Ed25519Verifier]:
    """Every log key ever used, retired included (old checkpoints must still verify)."""
    query = select(K.c.vkey).where(K.c.role == LOG).order_by(K.c.created_us)
    return [Ed25519Verifier.from_vkey(v) for v in conn.execute(query).scalars()]


def current_log_vkey(conn: Connection) -> str | None:
    """The vkey of the log's current (not retired) key."""
    query = (
        select(K.c.vkey)
        .where(K.c.role == LOG, K.c.retired_us.is_(None))
        .order_by(K.c.created_us.desc())
        .limit(1)
    )
    found = conn.execute(query).scalar()
    return str(found) if found is not None else None


def witness_verifiers(
    conn: Connection, *, include_retired: bool = False
) -> list[tuple[str, CosignatureVerifier]]:
    """``(label, verifier)`` of registered witnesses."""
    query = select(K.c.name, K.c.vkey).where(K.c.role == WITNESS)
    if not include_retired:
        query = query.where(K.c.retired_us.is_(None))
    return [(r.name, CosignatureVerifier.from_vkey(r.vkey)) for r in conn.execute(query)]


def add_witness(store: Store, name: str, vkey: str, *, now_us: int) -> str:
    """Register a witness's cosigning key; returns its type-0x04 vkey as stored."""
    try:
        verifier = CosignatureVerifier.from_vkey(vkey.strip())
    except KeyFormatError as exc:
        raise BadRequestError(f"VKEY: not a signed-note verifier key ({exc})") from None
    if not name or len(name) > 128:
        raise BadRequestError("NAME: give 1 to 128 characters")
    stored = verifier.vkey()
    with store.write() as conn:
        clash = conn.execute(
            select(K.c.vkey).where(K.c.role == WITNESS, K.c.name == name, K.c.vkey != stored)
        ).first()
        if clash is not None:
            raise ConflictError(f"witness {name!r} is registered with another key")
        _register(conn, stored, name, WITNESS, now_us)
    return stored


@dataclass(frozen=True, slots=True)
class KeyInfo:
    vkey: str
    name: str
    role: str
    created_us: int
    retired_us: int | None


def list_keys(conn: Connection) -> list[KeyInfo]:
    """Every key in ``ledger_keys``, oldest first."""
    query = select(K).order_by(K.c.role, K.c.created_us)
    return [
        KeyInfo(r.vkey, r.name, r.role, int(r.created_us), r.retired_us)
        for r in conn.execute(query)
    ]


def witness_signer(path: Path) -> CosignatureSigner:
    """A witness's cosigning key from its ``PRIVATE+KEY+...`` file."""
    plain = read_skey(path)
    return CosignatureSigner(plain.name, plain.seed)
