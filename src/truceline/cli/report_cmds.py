"""`truceline report daily|spot|days|verify|published`: reports in en/uk/ru (docs/reports.md).

The command line acts as the local operator (``cli:<login>``, an administrator of the
mission) unless ``--as NAME`` names a stored principal, or ``--as public`` asks for the
public report. ``--publish`` stores the report and appends its ledger leaf.
"""

from __future__ import annotations

import getpass
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Connection

from truceline.access.policy import PUBLIC, Principal
from truceline.cli.context import open_store, user_errors
from truceline.cli.output import Format, emit, err_console
from truceline.clock import now_us
from truceline.errors import NotFoundError
from truceline.gazetteer import default_gazetteer
from truceline.reports.model import Report
from truceline.reports.render import Rendered, render
from truceline.services import reports as svc
from truceline.services.evidence import operator
from truceline.services.principals import active_principal
from truceline.store.engine import Store

report_app = typer.Typer(help="Daily and spot reports in English, Ukrainian and Russian.")
LangOpt = Annotated[str, typer.Option("--lang", help="en, uk or ru")]
FmtOpt = Annotated[str, typer.Option("--format", help="html, pdf, md or json")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="write here (default: stdout)")]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", help="a stored principal's name, or 'public' (default: the operator)"),
]
PublicOpt = Annotated[bool, typer.Option("--public", help="the public report")]
PublishOpt = Annotated[
    bool, typer.Option("--publish", help="store it and log it in the ledger (admins)")
]


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")


def _operator() -> Principal:
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return operator(f"cli:{login}")


def principal_named(store: Store, name: str | None) -> Principal:
    """``--as``: the operator (None), the public ('public'), or a stored, active principal."""
    if name is None:
        return _operator()
    if name == "public":
        return PUBLIC
    with store.read() as conn:
        found = active_principal(conn, name)
    if found is None:
        raise NotFoundError(f"--as: no active principal named {name!r}")
    return found


def _emit(rendered: Rendered, out: Path | None, started: float) -> None:
    if out is None:
        sys.stdout.buffer.write(rendered.content)
        sys.stdout.buffer.flush()
    else:
        out.write_bytes(rendered.content)
    where = str(out) if out else "stdout"
    err_console.print(
        f"{where}: {len(rendered.content):,} bytes, {rendered.format}, {rendered.lang}, "
        f"{time.perf_counter() - started:.2f} s\nsha256 {rendered.sha256}",
        highlight=False,
    )


def _publish(store: Store, report: Report, rendered: Rendered, principal: Principal) -> None:
    """Publish as ``principal``; the public cannot publish, so then as the operator."""
    publisher = _operator() if principal is PUBLIC else principal
    with store.write() as conn:
        summary = svc.publish(conn, report, rendered, publisher, now_us=now_us())
    err_console.print(
        f"published: report {summary['id']} (ledger leaf {summary['ledger_index']})",
        highlight=False,
    )


def _report(
    make: Callable[[Connection, Principal], Report],
    lang: str,
    fmt: str,
    out: Path | None,
    as_: str | None,
    publish: bool,
) -> None:
    """Build a report as ``--as`` with ``make``, render it, write it, publish if asked
    (``lang`` and ``fmt`` are checked by the caller, before anything else)."""
    started = time.perf_counter()
    with user_errors():
        store = open_store()
        principal = principal_named(store, as_)
        with store.read() as conn:
            report = make(conn, principal)
        rendered = render(report, lang, fmt, default_gazetteer())
        _emit(rendered, out, started)
        if publish:
            _publish(store, report, rendered, principal)


@report_app.command("daily")
def daily(
    date: Annotated[str, typer.Option("--date", help="the UTC day, YYYY-MM-DD")],
    lang: LangOpt = "en",
    fmt: FmtOpt = "html",
    out: OutOpt = None,
    as_: AsOpt = None,
    public: PublicOpt = False,
    publish: PublishOpt = False,
) -> None:
    """The daily report of one UTC day, for a principal (what it may see)."""
    with user_errors():
        svc.check_options(lang, fmt)
        day = svc.parse_day(date)
    _report(
        lambda conn, p: svc.daily_report(conn, p, day, now_us=now_us(), public=public),
        lang,
        fmt,
        out,
        as_,
        publish,
    )


@report_app.command("spot")
def spot(
    incident_id: Annotated[str, typer.Argument(help="the incident")],
    lang: LangOpt = "en",
    fmt: FmtOpt = "html",
    out: OutOpt = None,
    as_: AsOpt = None,
    public: PublicOpt = False,
    publish: PublishOpt = False,
) -> None:
    """The spot report of one incident: what, where, when, how sensed, who and why."""
    with user_errors():
        svc.check_options(lang, fmt)
    _report(
        lambda conn, p: svc.spot_report(conn, p, incident_id, now_us=now_us(), public=public),
        lang,
        fmt,
        out,
        as_,
        publish,
    )


@report_app.command("days")
def days(
    as_: AsOpt = None, fmt: Annotated[Format, typer.Option("--format")] = Format.table
) -> None:
    """The UTC days with findings or observations (that the principal may see)."""
    with user_errors():
        store = open_store()
        principal = principal_named(store, as_)
        with store.read() as conn:
            rows = svc.report_days(conn, principal)
    emit(rows, fmt, columns=["date", "findings", "observations"], title="days with data")


@report_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    offline: Annotated[
        bool, typer.Option("--offline", help="check the digest only, not the store")
    ] = False,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Check that FILE hashes to the SHA-256 it prints (and whether it was published)."""
    with user_errors():
        content = file.read_bytes()
        if offline:
            result = svc.verify_file(None, content)
        else:
            with open_store().read() as conn:
                result = svc.verify_file(conn, content)
    emit(result, fmt, title=str(file))
    if not result["ok"]:
        raise typer.Exit(1)


@report_app.command("published")
def published(
    as_: AsOpt = None,
    kind: Annotated[str | None, typer.Option(help="daily, public_daily or spot")] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
) -> None:
    """Published reports (that the principal may see), newest first."""
    with user_errors():
        store = open_store()
        principal = principal_named(store, as_)
        with store.read() as conn:
            rows = svc.list_published(conn, principal, kind=kind)
    columns = ["id", "kind", "subject", "lang", "format", "published_at", "ledger_index"]
    emit(rows, fmt, columns=columns, title="published reports")


__all__ = ["register", "report_app"]
