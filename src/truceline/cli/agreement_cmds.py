"""`truceline agreement load|show|list|where`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer

from truceline.agreement.spatial import AgreementIndex
from truceline.cli.context import open_store, user_errors
from truceline.cli.ingest_cmds import FormatOpt
from truceline.cli.output import Format, console, emit
from truceline.clock import now_us
from truceline.errors import InputError
from truceline.services import agreements as svc
from truceline.services.where import describe_point
from truceline.timefmt import parse_time

agreement_app = typer.Typer(help="The ceasefire agreement: load versions, show, ask where.")


@agreement_app.command("load")
def load(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Validate and store an agreement version (agreement.geojson)."""
    with user_errors():
        try:
            doc = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
        result = svc.load_agreement(open_store(), doc, source=str(path), now_us=now_us())
    verb = "stored" if result.created else "already stored"
    console.print(f"agreement {result.id} version {result.version} {verb}")


def _at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise InputError(f"--at: {exc}") from None


@agreement_app.command("show")
def show(
    agreement_id: str,
    version: Annotated[int | None, typer.Option(help="this version")] = None,
    at: Annotated[str | None, typer.Option(help="the version in force at this time")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Show one agreement version: terms and features by role."""
    with user_errors(), open_store().read() as conn:
        agreement = svc.get_agreement(conn, agreement_id, version=version, at=_at(at))
    emit(svc.summary(agreement), fmt, title=agreement.title)


@agreement_app.command("list")
def list_(fmt: FormatOpt = Format.table) -> None:
    """List every stored agreement version."""
    with user_errors(), open_store().read() as conn:
        items = svc.list_versions(conn)
    emit(items, fmt, title="agreement versions")


@agreement_app.command("where")
def where(
    agreement_id: str,
    lat: Annotated[float, typer.Option(min=-90, max=90)],
    lon: Annotated[float, typer.Option(min=-180, max=180)],
    at: Annotated[str | None, typer.Option(help="judge against the version in force then")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Which side holds a point, its distances to the lines, and the zones holding it."""
    with user_errors(), open_store().read() as conn:
        when = _at(at)
        agreement = svc.get_agreement(conn, agreement_id, at=when)
        emit(describe_point(AgreementIndex(agreement, when), lat, lon), fmt)
