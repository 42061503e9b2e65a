"""`truceline sensors import|list|status`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from sqlalchemy import select

from truceline.cli.context import open_store, user_errors
from truceline.cli.ingest_cmds import FileArg, FormatOpt, SkipOpt, ingest_file, print_report
from truceline.cli.output import Format, emit
from truceline.clock import now_us
from truceline.errors import InputError, Problem
from truceline.services import sensors as svc
from truceline.store import tables
from truceline.timefmt import parse_time

sensors_app = typer.Typer(help="The sensor registry and sensor status spans.")


@sensors_app.command("import")
def import_(path: FileArg, skip_bad: SkipOpt = False, fmt: FormatOpt = Format.table) -> None:
    """Import sensors.csv (docs/formats/sensors.md)."""
    with user_errors():
        print_report(ingest_file(open_store(), "sensors", path, skip_bad=skip_bad), fmt)


@sensors_app.command("list")
def list_(
    owner: Annotated[str | None, typer.Option(help="only this owner")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List registered sensors."""
    with user_errors(), open_store().read() as conn:
        query = select(tables.sensors.c.raw).order_by(tables.sensors.c.id)
        if owner:
            query = query.where(tables.sensors.c.owner == owner)
        items = [orjson.loads(r.raw) for r in conn.execute(query)]
    emit(
        items,
        fmt,
        columns=["id", "kind", "lat", "lon", "alt_m", "owner", "timing_sigma_ms"],
        title=f"{len(items)} sensors",
    )


def read_status_file(path: Path) -> list[svc.StatusSpan]:
    """Read sensor_status.ndjson: {"sensor", "status", "from", "to", "reason"} per line."""
    spans, problems = [], []
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
            start = parse_time(obj["from"])
            end = parse_time(obj["to"]) if obj.get("to") else None
            spans.append(
                svc.StatusSpan(obj["sensor"], obj["status"], start, end, obj.get("reason"))
            )
        except orjson.JSONDecodeError:
            problems.append(Problem(str(path), number, None, "not valid JSON"))
        except KeyError as exc:
            problems.append(
                Problem(str(path), number, str(exc.args[0]), "required field is missing")
            )
        except (ValueError, TypeError) as exc:
            problems.append(Problem(str(path), number, None, str(exc)))
    if problems:
        raise InputError(f"{path}: bad status spans; nothing was written", problems=problems)
    return spans


@sensors_app.command("status")
def status(
    path: Annotated[Path | None, typer.Argument(help="sensor_status.ndjson to record")] = None,
    sensor: Annotated[str | None, typer.Option(help="only this sensor")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record status spans from a file, or list the recorded spans."""
    with user_errors():
        store = open_store()
        if path is not None:
            created = svc.record_status(
                store, read_status_file(path), source=str(path), now_us=now_us()
            )
            emit({"recorded": created}, fmt)
            return
        with store.read() as conn:
            spans = [s.as_dict() for s in svc.status_spans(conn, sensor=sensor)]
        emit(
            spans,
            fmt,
            columns=["sensor", "status", "from", "to", "reason"],
            title=f"{len(spans)} status spans",
        )
