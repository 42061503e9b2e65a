"""`truceline ingest detections|weather|observations|tracks FILE` and `sensors import`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from truceline.cli.context import CountingReader, byte_progress, open_store, user_errors
from truceline.cli.output import Format, console, emit
from truceline.clock import now_us
from truceline.formats.readers import iter_ndjson, iter_sensor_csv, open_lines
from truceline.services.ingest import KINDS, IngestReport, ingest
from truceline.store.engine import Store

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
SkipOpt = Annotated[
    bool, typer.Option("--skip-bad", help="store the good records and report each bad one")
]
FormatOpt = Annotated[Format, typer.Option("--format", help="table or json")]

ingest_app = typer.Typer(help="Ingest raw inputs from files (JSON Lines, .gz accepted).")


def ingest_file(
    store: Store,
    kind_name: str,
    path: Path,
    *,
    skip_bad: bool = False,
) -> IngestReport:
    """Stream one file into the store with a progress bar; all or nothing by default."""
    kind = KINDS[kind_name]
    with open_lines(path) as raw, byte_progress(path, f"{kind_name} {path.name}") as advance:
        if kind_name == "sensors":
            text = (line.decode("utf-8", "replace") for line in CountingReader(raw, advance))
            results: Any = iter_sensor_csv(text, source=str(path))
        else:
            results = iter_ndjson(CountingReader(raw, advance), kind.model, source=str(path))
        return ingest(
            store,
            kind,
            results,
            source=str(path),
            skip_bad=skip_bad,
            now_us=now_us(),
        )


def print_report(report: IngestReport, fmt: Format) -> None:
    if fmt is Format.json:
        emit(report.as_dict(), fmt)
        return
    console.print(
        f"{report.source}: {report.received} received, [green]{report.inserted} stored[/], "
        f"{report.unchanged} already stored, "
        f"{'[red]' if report.rejected else ''}{len(report.rejected)} rejected"
        f"{'[/]' if report.rejected else ''}"
    )
    for problem in report.rejected[:50]:
        console.print(f"  - {problem}", highlight=False)


def _command(kind_name: str) -> None:
    def run(path: FileArg, skip_bad: SkipOpt = False, fmt: FormatOpt = Format.table) -> None:
        with user_errors():
            print_report(ingest_file(open_store(), kind_name, path, skip_bad=skip_bad), fmt)

    run.__doc__ = f"Ingest {kind_name} from a JSON Lines file (docs/formats)."
    ingest_app.command(kind_name)(run)


for _name in ("detections", "weather", "observations", "tracks"):
    _command(_name)
