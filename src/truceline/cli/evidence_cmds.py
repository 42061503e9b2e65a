"""`truceline evidence add|show|verify|custody`: evidence files from the command line.

The command line acts as the local operator (``cli:<login>``, client ``local``): it may
handle every file, and each thing it does is a custody entry like any API request's.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from truceline.cli.context import byte_progress, open_store, settings, user_errors
from truceline.cli.ingest_cmds import FormatOpt
from truceline.cli.output import Format, console, emit, err_console
from truceline.clock import now_us
from truceline.evidence import submission
from truceline.evidence.storage import CHUNK
from truceline.services import evidence as svc
from truceline.services.evidence_custody import custody_log
from truceline.services.evidence_verify import bytes_to_verify, verify_originals

evidence_app = typer.Typer(help="Evidence files: add, show, verify, custody log.")
FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
CUSTODY_COLUMNS = ["seq", "at", "who", "client", "action", "detail"]


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")


def _handler() -> svc.Handler:
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return svc.Handler(svc.operator(f"cli:{login}"), "local")


@evidence_app.command("add")
def add(
    file: FileArg,
    incident: Annotated[str, typer.Option("--incident", help="the incident it supports")],
    sensitive: Annotated[
        bool, typer.Option("--sensitive", help="graphic content: opens only on explicit request")
    ] = False,
    description: Annotated[str | None, typer.Option(help="what the file shows")] = None,
    markings: Annotated[
        str | None, typer.Option(help="JSON markings (default: the incident's)")
    ] = None,
    expected_sha256: Annotated[
        str | None, typer.Option(help="refuse the file unless it hashes to this")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Add FILE as evidence of an incident (stored once under its SHA-256)."""
    by = _handler()
    with user_errors():
        cfg, store = settings(), open_store()
        evstore = svc.evidence_store_for(cfg)
        fields = {
            "sensitive": "1" if sensitive else "0",
            "description": description or "",
            "markings": markings or "",
            "expected_sha256": expected_sha256 or "",
        }
        sub = submission(fields, file.name, None)
        with store.read() as conn:
            svc.visible_incident(conn, incident, by.principal)
        staged = evstore.stage(cfg.evidence_max_mb * svc.MIB)
        try:
            with file.open("rb") as fh, byte_progress(file, f"hashing {file.name}") as advance:
                while chunk := fh.read(CHUNK):
                    staged.write(chunk)
                    advance(len(chunk))
        except BaseException:
            staged.discard()
            raise
        result = svc.add_evidence(store, evstore, incident, staged, sub, by=by, now_us=now_us())
    emit(result, fmt, title="evidence added")


@evidence_app.command("show")
def show(sha256: str, fmt: FormatOpt = Format.table) -> None:
    """Metadata of one file, the incidents it supports and its custody log."""
    with user_errors(), open_store().read() as conn:
        item = svc.describe(conn, sha256, _handler().principal)
    if fmt is Format.json:
        emit(item, fmt)
        return
    emit({k: v for k, v in item.items() if k != "custody"}, fmt, title=f"evidence {item['sha256']}")
    emit(item["custody"], fmt, columns=CUSTODY_COLUMNS, title="custody")


@evidence_app.command("custody")
def custody(sha256: str, fmt: FormatOpt = Format.table) -> None:
    """The chain of custody of one file: who did what, when, from where."""
    with user_errors(), open_store().read() as conn:
        row = svc.visible_evidence(conn, sha256, _handler().principal)
        entries = custody_log(conn, row.sha256)
    emit(entries, fmt, columns=CUSTODY_COLUMNS, title=f"custody of {row.sha256}")


@evidence_app.command("verify")
def verify(
    sha256: Annotated[
        list[str] | None, typer.Argument(help="files to check (default: every original)")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Re-hash stored originals; report each missing or altered one (exit 1 if any)."""
    with user_errors():
        cfg, store = settings(), open_store()
        total = bytes_to_verify(store, sha256)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
        )
        with Progress(
            *columns, console=err_console, transient=True, disable=total < 2_000_000
        ) as progress:
            task = progress.add_task("re-hashing originals", total=total)
            results = verify_originals(
                store,
                svc.evidence_store_for(cfg),
                sha256,
                by=_handler(),
                clock=now_us,
                advance=lambda n: progress.advance(task, n),
            )
    bad = [r for r in results if not r.ok]
    rows = [
        {"sha256": r.sha256, "status": r.status, "size": r.size, "detail": r.detail}
        for r in (results if fmt is Format.json else bad)
    ]
    if rows or fmt is Format.json:
        emit(rows, fmt, columns=["sha256", "status", "size", "detail"], title="problems")
    failures = sum(r.status in ("mismatch", "missing") for r in results)
    if fmt is Format.table:
        checked = sum(r.status != "orphan" for r in results)
        style = "red" if failures else "green"
        console.print(
            f"{checked} originals checked, [{style}]{failures} failed[/], "
            f"{len(results) - checked} orphan files"
        )
    if failures:
        raise typer.Exit(1)
