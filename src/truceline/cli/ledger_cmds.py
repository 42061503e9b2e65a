"""`truceline ledger ...`, `truceline keys ...` and `truceline witness` (docs/ledger.md)."""

from __future__ import annotations

import base64
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import func, select

from truceline.cli.context import open_store, settings, user_errors
from truceline.cli.output import Format, console, emit, err_console
from truceline.clock import now_us
from truceline.errors import TrucelineError
from truceline.ledger import CosignatureSigner, generate_ed25519_signer
from truceline.services import ledger as svc
from truceline.services.ledger_checkpoints import (
    cosignatures_of,
    issue_checkpoint,
    latest_checkpoint,
)
from truceline.services.ledger_http import LedgerHttpClient
from truceline.services.ledger_keys import (
    add_witness,
    ensure_log_key,
    generate_log_key,
    key_dir,
    list_keys,
    rotate_log_key,
    witness_signer,
    write_secret,
)
from truceline.services.ledger_remote import RemoteReport, verify_remote
from truceline.services.ledger_verify import VerifyReport, verify_store
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import format_time, from_micros
from truceline.witness.local import StoreLog
from truceline.witness.observe import observe
from truceline.witness.run import run_witness
from truceline.witness.state import WitnessState, load_state, save_state

FormatOpt = Annotated[Format, typer.Option("--format", help="table or json")]
ledger_app = typer.Typer(help="The tamper-evident log: checkpoints, verification, witnesses.")
keys_app = typer.Typer(help="The log's signing key and witness keys.")
DEMO_WITNESS = "built-in demo witness"


def _when(us: int | None) -> str | None:
    return format_time(from_micros(us)) if us is not None else None


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(
        *columns, console=err_console, transient=True, disable=total < 20_000
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


# --- ledger ----------------------------------------------------------------------------


@ledger_app.command("checkpoint")
def checkpoint_cmd(
    force: Annotated[bool, typer.Option(help="sign even if the log has not grown")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Sign a checkpoint of the current tree now (generates the log key on first use)."""
    with user_errors():
        cfg, store = settings(), open_store()
        signer = ensure_log_key(store, cfg.home, cfg.log_origin, now_us=now_us())
        cp, created = issue_checkpoint(store, signer, cfg.log_origin, now_us=now_us(), force=force)
    if fmt is Format.json:
        emit(
            {
                "size": cp.size,
                "root_hash": base64.b64encode(cp.root_hash).decode(),
                "note": cp.note,
                "created": created,
            },
            fmt,
        )
        return
    if not created:
        err_console.print(f"the log has not grown since checkpoint {cp.seq}; it stands:")
    sys.stdout.write(cp.note)  # verbatim: a signed note must not be re-wrapped


def _print_local(report: VerifyReport, seconds: float) -> None:
    unchecked = ", ".join(f"{k}: {n}" for k, n in sorted(report.unchecked.items()))
    console.print(
        f"{report.leaves} leaves ({report.recomputed} recomputed from their records"
        f"{'; not recomputable, no table registered: ' + unchecked if unchecked else ''}), "
        f"{report.records} records, {report.checkpoints} checkpoints, "
        f"{report.cosignatures} cosignatures checked in {seconds:.2f} s"
    )
    if report.ok:
        console.print(
            "[bold green]the log verifies[/]: every record matches its leaf, "
            "every signed checkpoint matches the tree"
        )
        return
    first = report.findings[0]
    err_console.print(
        f"[bold red]LEDGER VERIFICATION FAILED:[/] {first.message}", highlight=False, soft_wrap=True
    )
    for finding in report.findings[1:20]:
        err_console.print(f"  - {finding.message}", highlight=False, soft_wrap=True)
    if len(report.findings) > 20:
        err_console.print(f"  ... and {len(report.findings) - 20} more")


def _print_remote(report: RemoteReport, seconds: float) -> None:
    pin = "pinned" if report.key_pinned else "as published by the server (not pinned)"
    console.print(
        f"{report.url}: log {report.origin!r}, {report.size} leaves, key {report.key} "
        f"({pin}); {report.inclusion_checked} inclusion and "
        f"{report.consistency_checked} consistency proofs checked in {seconds:.2f} s"
    )
    if report.cosignatures:
        console.print(f"cosigned by: {', '.join(report.cosignatures)}")
    for warning in report.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}")
    if report.ok:
        console.print("[bold green]the server's log verifies[/]")
        return
    for problem in report.problems:
        err_console.print(
            f"[bold red]LEDGER VERIFICATION FAILED:[/] {problem}", highlight=False, soft_wrap=True
        )


@ledger_app.command("verify")
def verify_cmd(
    url: Annotated[str | None, typer.Option(help="verify a server instead of the database")] = None,
    log_key: Annotated[str | None, typer.Option(help="the log's vkey you trust (--url)")] = None,
    witness_key: Annotated[
        list[str] | None,
        typer.Option(help="a witness vkey whose cosignature to check (--url; repeatable)"),
    ] = None,
    proofs: Annotated[int, typer.Option(help="inclusion/consistency proofs to check (--url)")] = 32,
    fmt: FormatOpt = Format.table,
) -> None:
    """Recompute every leaf, rebuild the tree, check every checkpoint; name what was tampered."""
    started = time.perf_counter()
    with user_errors():
        if url is not None:
            client = LedgerHttpClient(url)
            size = _remote_size(client)
            with _progress("leaves", size) as advance:
                remote = verify_remote(
                    client,
                    log_key=log_key,
                    witness_keys=witness_key or [],
                    proofs=proofs,
                    progress=advance,
                )
            ok, data = remote.ok, remote.__dict__
            if fmt is Format.table:
                _print_remote(remote, time.perf_counter() - started)
        else:
            cfg, store = settings(), open_store()
            with store.read() as conn:
                size = svc.tree_size(conn)
            with _progress("leaves", size) as advance:
                local = verify_store(store, origin=cfg.log_origin, progress=advance)
            ok, data = local.ok, local.as_dict()
            if fmt is Format.table:
                _print_local(local, time.perf_counter() - started)
    if fmt is Format.json:
        emit(data, fmt)
    if not ok:
        raise typer.Exit(1)


def _remote_size(client: LedgerHttpClient) -> int:
    try:
        return int(client.checkpoint().split("\n")[1])
    except (TrucelineError, ValueError, IndexError):
        return 0


@ledger_app.command("witness-add")
def witness_add_cmd(
    name: Annotated[str, typer.Argument(help="a label, e.g. the nation running it")],
    vkey: Annotated[str, typer.Argument(help="the witness's verifier key (name+hash+base64)")],
) -> None:
    """Register a witness's cosigning key, so the server accepts its cosignatures."""
    with user_errors():
        stored = add_witness(open_store(), name, vkey, now_us=now_us())
    console.print(f"witness {name!r} registered: {stored}", highlight=False)


@ledger_app.command("status")
def status_cmd(fmt: FormatOpt = Format.table) -> None:
    """Size of the log, latest checkpoint, its cosignatures, and the keys."""
    with user_errors():
        store = open_store()
        with store.read() as conn:
            size = svc.tree_size(conn)
            cp = latest_checkpoint(conn)
            cosigs = cosignatures_of(conn, cp.seq) if cp else []
            keys = list_keys(conn)
            count = conn.execute(
                select(func.count()).select_from(tables.ledger_checkpoints)
            ).scalar_one()
    data: dict[str, Any] = {
        "size": size,
        "checkpoints": count,
        "latest_checkpoint_size": cp.size if cp else None,
        "latest_checkpoint_at": _when(cp.issued_us) if cp else None,
        "unsigned_leaves": size - cp.size if cp else size,
        "cosigned_by": [c.witness for c in cosigs],
        "log_keys": [
            k.vkey + (" (retired)" if k.retired_us else "") for k in keys if k.role == "log"
        ],
        "witnesses": [f"{k.name}: {k.vkey}" for k in keys if k.role == "witness"],
    }
    emit(data, fmt, title="ledger")


# --- keys --------------------------------------------------------------------------------


@keys_app.command("generate")
def keys_generate(
    witness: Annotated[
        str | None,
        typer.Option(help="make a WITNESS cosigning key with this key name instead of the log key"),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="where to write the witness key")] = None,
) -> None:
    """Create the log's signing key (or, with --witness, a witness's key file)."""
    with user_errors():
        if witness is not None:
            path = out or Path("witness.skey")
            plain = generate_ed25519_signer(witness)
            write_secret(path, plain.skey())
            vkey = CosignatureSigner(plain.name, plain.seed).verifier().vkey()
            console.print(
                f"witness key written to {path} (mode 0600). Give the log's "
                "operator this verifier key for `truceline ledger witness-add`:"
            )
            sys.stdout.write(vkey + "\n")
            return
        cfg = settings()
        signer = generate_log_key(open_store(), cfg.home, cfg.log_origin, now_us=now_us())
    console.print(
        f"log key written to {key_dir(cfg.home) / 'log.skey'} (mode 0600). "
        "Verifier key (also at /.well-known/truceline-ledger-key):"
    )
    sys.stdout.write(signer.verifier().vkey() + "\n")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Replace the log key; the old one is retired but kept listed so old checkpoints verify."""
    with user_errors():
        cfg, store = settings(), open_store()
        signer = rotate_log_key(store, cfg.home, cfg.log_origin, now_us=now_us())
        issue_checkpoint(store, signer, cfg.log_origin, now_us=now_us(), force=True)
    console.print("new log key (announce it: witnesses must re-pin with --log-key):")
    sys.stdout.write(signer.verifier().vkey() + "\n")


@keys_app.command("show")
def keys_show(fmt: FormatOpt = Format.table) -> None:
    """Every log and witness key, with when it was created and retired."""
    with user_errors(), open_store().read() as conn:
        rows = [
            {
                "role": k.role,
                "name": k.name,
                "vkey": k.vkey,
                "created": _when(k.created_us),
                "retired": _when(k.retired_us),
            }
            for k in list_keys(conn)
        ]
    emit(rows, fmt, columns=["role", "name", "vkey", "created", "retired"], title="ledger keys")


# --- witness -----------------------------------------------------------------------------


def witness_cmd(
    url: Annotated[str, typer.Option(help="the Truceline server, e.g. https://host")],
    key: Annotated[
        Path,
        typer.Option(
            help="this witness's key file (keys generate --witness)", exists=True, dir_okay=False
        ),
    ],
    state: Annotated[Path, typer.Option(help="this witness's state file (created on first run)")],
    interval: Annotated[float, typer.Option(help="seconds between polls")] = 60.0,
    once: Annotated[bool, typer.Option(help="one round, then exit")] = False,
    log_key: Annotated[
        str | None,
        typer.Option(help="the log's vkey to pin (default: the server's, trusted on first use)"),
    ] = None,
) -> None:
    """Watch a log: verify, check consistency, cosign; alarm (exit 3) on a split view."""
    code = run_witness(url, key, state, interval=interval, once=once, log_key=log_key)
    if code:
        raise typer.Exit(code)


def seal_log(store: Store, *, home: Path, origin: str, now: int) -> list[str]:
    """Sign a checkpoint and have the built-in local witness cosign it (for the demo).

    The witness key lives in ``TRUCELINE_HOME/keys/witness.skey``; it shares the operator's
    machine, so it only shows the mechanism — real witnesses run elsewhere.
    """
    signer = ensure_log_key(store, home, origin, now_us=now)
    cp, _ = issue_checkpoint(store, signer, origin, now_us=now)
    path = key_dir(home) / "witness.skey"
    if not path.exists():
        write_secret(path, generate_ed25519_signer(f"{origin}/demo-witness").skey())
    cosigner = witness_signer(path)
    add_witness(store, DEMO_WITNESS, cosigner.verifier().vkey(), now_us=now)
    vkey = signer.verifier().vkey()
    state_file = home / "witness" / "state.json"
    state = load_state(state_file) or WitnessState(log_vkey=vkey)
    if state.log_vkey != vkey:
        state.log_vkey = vkey  # the operator rotated the key
        save_state(state_file, state)
    outcome = observe(StoreLog(store, now), cosigner, state_file, state, now_us=now)
    return [
        f"ledger: checkpoint of {cp.size} leaves signed by {vkey}",
        f"ledger: {DEMO_WITNESS} {outcome.status} ({outcome.reason}); "
        "check it with `truceline ledger verify`",
    ]


def register(app: typer.Typer) -> None:
    app.add_typer(ledger_app, name="ledger")
    app.add_typer(keys_app, name="keys")
    app.command("witness")(witness_cmd)
