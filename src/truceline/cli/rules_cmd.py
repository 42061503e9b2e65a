"""``truceline rules check``: judge events, observations and tracks against the agreement.

Reads the inputs with the interchange readers (docs/formats), runs the pure rules engine
(:mod:`truceline.rules`) and writes ``findings.ndjson`` (docs/formats/findings.md). Bad
input names the file, line (or feature index) and field, exits 2 and writes nothing; the
output is written to a temporary file and renamed, so a half-written file never appears.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, TypeVar, get_args

import orjson
import typer
from pydantic import BaseModel
from rich.table import Table

from truceline.agreement.io import read_agreement_file
from truceline.cli.context import CountingReader, byte_progress, user_errors
from truceline.cli.output import atomic_write, console, err_console
from truceline.errors import InputError, Problem
from truceline.formats.readers import Parsed, iter_ndjson, open_lines
from truceline.formats.records import Observation, Track
from truceline.formats.vocab import ObservationType
from truceline.rules import (
    DEFAULT_OPTIONS,
    RULES,
    Finding,
    RuleOptions,
    check,
    events_from_geojson,
    extra_problems,
)
from truceline.rules.events import FireEvent

M = TypeVar("M", bound=BaseModel)

rules_app = typer.Typer(help="The rules engine: findings from events, reports and tracks.")

InFile = typer.Option(exists=True, dir_okay=False, readable=True)


def read_records(path: Path, model: type[M]) -> list[tuple[int, M]]:
    """Every record of a JSON Lines file with its line, or an InputError listing problems."""
    out: list[tuple[int, M]] = []
    problems: list[Problem] = []
    with open_lines(path) as raw, byte_progress(path, f"reading {path.name}") as advance:
        for res in iter_ndjson(CountingReader(raw, advance), model, source=str(path)):
            if isinstance(res, Parsed):
                out.append((res.line, res.record))
            elif isinstance(res, Problem):
                problems.append(res)
            else:
                problems.extend(res)
    if problems:
        raise InputError(f"{path}: invalid records, nothing written", problems=problems)
    return out


def read_observations(path: Path) -> list[Observation]:
    """Observations, with the holding-area extras checked too (docs/rules.md)."""
    records = read_records(path, Observation)
    problems = [
        Problem(str(path), line, field, message, obs.id)
        for line, obs in records
        for field, message in extra_problems(obs)
    ]
    if problems:
        raise InputError(f"{path}: invalid records, nothing written", problems=problems)
    return [obs for _, obs in records]


def read_events(path: Path) -> list[FireEvent]:
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    return events_from_geojson(doc, source=str(path))


def write_findings(path: Path, findings: Sequence[Finding]) -> None:
    with atomic_write(path) as fh:
        for f in findings:
            fh.write(orjson.dumps(f.to_dict()) + b"\n")


def summary(findings: Sequence[Finding]) -> Table:
    """Findings per rule (every rule listed), grave ones, and the total."""
    per_rule = Counter(f.rule for f in findings)
    grave = Counter(f.rule for f in findings if f.grave)
    table = Table(title="findings per rule")
    table.add_column("rule")
    table.add_column("findings", justify="right")
    table.add_column("grave", justify="right")
    for rule in RULES:
        table.add_row(rule, str(per_rule[rule]), str(grave[rule]))
    table.add_row("[bold]total[/]", f"[bold]{len(findings)}[/]", f"[bold]{sum(grave.values())}[/]")
    return table


@rules_app.command("check")
def check_cmd(
    agreement: Annotated[
        list[Path],
        typer.Option(
            "--agreement",
            exists=True,
            dir_okay=False,
            help="agreement.geojson; repeat for each version or agreement",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="findings.ndjson to write")],
    events: Annotated[
        Path | None, typer.Option("--events", exists=True, dir_okay=False, help="events.geojson")
    ] = None,
    observations: Annotated[
        Path | None,
        typer.Option("--observations", exists=True, dir_okay=False, help="observations.ndjson"),
    ] = None,
    tracks: Annotated[
        Path | None, typer.Option("--tracks", exists=True, dir_okay=False, help="tracks.ndjson")
    ] = None,
    judge: Annotated[
        list[str] | None,
        typer.Option(
            "--judge",
            help="observation types to judge (default: monitor_report); repeat to add",
        ),
    ] = None,
    bearing_uncertainty: Annotated[
        float,
        typer.Option(
            min=0.1, max=90.0, help="half-width (degrees) of the sector a bearing report gives"
        ),
    ] = DEFAULT_OPTIONS.bearing_uncertainty_deg,
) -> None:
    """Judge events, observations and tracks against the agreement; write findings.ndjson."""
    with user_errors():
        bad = [t for t in judge or () if t not in get_args(ObservationType)]
        if bad:
            raise InputError(f"--judge: unknown observation type {bad[0]!r}")
        options = RuleOptions(
            bearing_uncertainty_deg=bearing_uncertainty,
            judged_observation_types=(
                tuple(judge) if judge else DEFAULT_OPTIONS.judged_observation_types
            ),
        )
        agreements = [read_agreement_file(p) for p in agreement]
        evs = read_events(events) if events else []
        obs = read_observations(observations) if observations else []
        trs = [t for _, t in read_records(tracks, Track)] if tracks else []
        with err_console.status(
            f"judging {len(evs)} events, {len(obs)} observations, {len(trs)} tracks"
        ):
            findings = check(agreements, events=evs, observations=obs, tracks=trs, options=options)
        write_findings(out, findings)
    console.print(summary(findings))
    console.print(f"wrote {len(findings)} findings to {out}")


def register(app: typer.Typer) -> None:
    """Add the ``rules`` command group to the main CLI."""
    app.add_typer(rules_app, name="rules")
