"""``truceline simulate`` and ``truceline evaluate``: scenarios with truth, and scoring.

``simulate`` writes sensors.csv, detections.ndjson, weather.ndjson, agreement.geojson and
truth.ndjson (docs/simulation.md); ``evaluate`` scores an events.geojson against the truth.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from pydantic import BaseModel, ConfigDict
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from truceline.cli.fuse_cmd import read_detections, read_sensors, read_weather
from truceline.errors import InputError, Problem, TrucelineError
from truceline.formats.readers import problems_of, validate_object
from truceline.formats.records import Sensor, to_json_dict
from truceline.fusion.clock_scores import ClockScore, clock_scores
from truceline.fusion.evaluate import Report, evaluate, match_events, read_events
from truceline.fusion.margin_scores import MarginBin, margin_scores
from truceline.fusion.misses import Miss, cause_counts, explain_misses
from truceline.fusion.salvo_scores import SalvoScore, salvo_scores
from truceline.fusion.simulate import PRESETS, Front, Scenario, SimulationConfig, simulate
from truceline.fusion.truth import read_truth, truth_lines
from truceline.timefmt import format_time, parse_time

SENSOR_COLUMNS = (
    "id",
    "kind",
    "lat",
    "lon",
    "alt_m",
    "owner",
    "timing_sigma_ms",
    "bearing_sigma_deg",
    "active_from",
    "active_to",
)


def sensors_csv(sensors: tuple[Sensor, ...]) -> str:
    """The sensor registry as CSV text (columns of docs/formats/sensors.md)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SENSOR_COLUMNS)
    for s in sensors:
        row = to_json_dict(s)
        if s.kind != "acoustic_array":
            row.pop("bearing_sigma_deg", None)
        writer.writerow([_cell(row.get(c)) for c in SENSOR_COLUMNS])
    return buf.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return (
        value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    )


def _ndjson(records: Any) -> Iterator[bytes]:
    for r in records:
        yield orjson.dumps(to_json_dict(r)) + b"\n"


def write_scenario(scenario: Scenario, out: Path) -> dict[str, Path]:
    """Write the five files of a scenario into ``out`` (created); return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        name: out / name
        for name in (
            "sensors.csv",
            "detections.ndjson",
            "weather.ndjson",
            "agreement.geojson",
            "truth.ndjson",
        )
    }
    paths["sensors.csv"].write_text(sensors_csv(scenario.sensors), encoding="utf-8")
    with paths["detections.ndjson"].open("wb") as fh:
        fh.writelines(_ndjson(scenario.detections))
    with paths["weather.ndjson"].open("wb") as fh:
        fh.writelines(_ndjson(scenario.weather))
    paths["agreement.geojson"].write_bytes(orjson.dumps(scenario.agreement) + b"\n")
    with paths["truth.ndjson"].open("wb") as fh:
        fh.writelines(truth_lines(scenario.truth))
    return paths


def front_from_agreement(path: Path) -> Front:
    """Take the contact line and control areas of an agreement.geojson as the front."""
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg})") from None
    line: list[tuple[float, float]] = []
    areas: dict[str, Any] = {}
    for i, feat in enumerate(doc.get("features", []) if isinstance(doc, dict) else []):
        props, geom = feat.get("properties") or {}, feat.get("geometry") or {}
        if props.get("role") == "contact_line":
            if geom.get("type") == "LineString":
                line = [(float(c[0]), float(c[1])) for c in geom["coordinates"]]
            elif geom.get("type") == "MultiLineString":
                line = [(float(c[0]), float(c[1])) for part in geom["coordinates"] for c in part]
            else:
                raise InputError(
                    f"{path}: bad front",
                    problems=[Problem(str(path), i, "geometry", "expected a LineString", None,
                                      "feature")],
                )  # fmt: skip
        elif props.get("role") == "control_area":
            areas[str(props.get("side"))] = geom
    if len(line) < 2:
        raise InputError(f"{path}: no contact_line feature with at least two vertices")
    sides = doc.get("agreement", {}).get("sides", [])
    names = {str(s["code"]): str(s.get("name", s["code"])) for s in sides if "code" in s}
    return Front(tuple(line), areas or None, names or {"A": "Side A", "B": "Side B"})


def _simulate(
    preset: Annotated[str, typer.Option(help=f"Load preset: {', '.join(PRESETS)}.")] = "moderate",
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 0,
    hours: Annotated[float, typer.Option(min=0.01, help="Scenario length in hours.")] = 1.0,
    out: Annotated[Path, typer.Option(help="Output directory.")] = Path("scenario"),
    start: Annotated[str | None, typer.Option(help="Start time, RFC 3339 UTC.")] = None,
    n_sensors: Annotated[int | None, typer.Option(help="Number of sensors.")] = None,
    shots_per_hour: Annotated[float | None, typer.Option(help="Single shots an hour.")] = None,
    salvos_per_hour: Annotated[float | None, typer.Option(help="MLRS salvos an hour.")] = None,
    outlier_fraction: Annotated[
        float | None, typer.Option(help="Share of mis-timed picks.")
    ] = None,
    false_alarms: Annotated[
        float | None, typer.Option(help="False alarms per sensor-hour.")
    ] = None,
    wind: Annotated[float | None, typer.Option(help="Mean wind speed, m/s.")] = None,
    front: Annotated[
        Path | None, typer.Option(help="agreement.geojson whose contact line to fight along.")
    ] = None,
    sensors: Annotated[Path | None, typer.Option(help="sensors.csv to use instead.")] = None,
    clock_faults: Annotated[
        int | None,
        typer.Option(min=0, help="Sensors whose clock steps off from some time on."),
    ] = None,
    clock_drifts: Annotated[
        int | None,
        typer.Option(min=0, help="Sensors whose clock drifts from some time on."),
    ] = None,
    clock_fault_ms: Annotated[
        tuple[float, float] | None,
        typer.Option(
            help="Sizes of the clock steps, ms: LO HI (log-uniform, either way).", metavar="LO HI"
        ),
    ] = None,
) -> None:
    """Simulate a scenario with ground truth (docs/simulation.md)."""
    console = Console(stderr=True)
    overrides: dict[str, Any] = {"seed": seed, "hours": hours}
    named = {
        "n_sensors": n_sensors,
        "shots_per_hour": shots_per_hour,
        "salvos_per_hour": salvos_per_hour,
        "outlier_fraction": outlier_fraction,
        "false_alarms_per_sensor_hour": false_alarms,
        "wind_ms": wind,
        "clock_faults": clock_faults,
        "clock_drifts": clock_drifts,
        "clock_fault_ms": clock_fault_ms,
    }
    overrides.update({k: v for k, v in named.items() if v is not None})
    try:
        if clock_fault_ms is not None and not 0.0 < clock_fault_ms[0] <= clock_fault_ms[1]:
            raise ValueError(f"--clock-fault-ms: expected 0 < LO <= HI, got "
                             f"{clock_fault_ms[0]:g} {clock_fault_ms[1]:g}")  # fmt: skip
        if start is not None:
            overrides["start"] = parse_time(start)
        config = SimulationConfig.from_preset(preset, **overrides)
        the_front = front_from_agreement(front) if front is not None else None
        the_sensors = read_sensors(sensors) if sensors is not None else None
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("simulating blasts", total=None)

            def tick(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            scenario = simulate(config, front=the_front, sensors=the_sensors, progress=tick)
        paths = write_scenario(scenario, out)
    except (TrucelineError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    t = scenario.truth
    console.print(
        f"wrote {out}: {len(scenario.sensors)} sensors, {len(t.blasts)} blasts, "
        f"{len(scenario.detections)} detections ({len(t.false_alarms)} false alarms), "
        f"{format_time(scenario.start)} to {format_time(scenario.end)}"
    )
    del paths


def _report_table(report: Report) -> Table:
    table = Table(title="fusion vs truth")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for f in fields(report):
        value = getattr(report, f.name)
        text = f"{value:.4g}" if isinstance(value, float) else str(value)
        table.add_row(f.name, text)
    return table


def _evaluate(
    truth: Annotated[Path, typer.Option(help="truth.ndjson from truceline simulate.")],
    events: Annotated[Path, typer.Option(help="events.geojson from truceline fuse.")],
    sensors: Annotated[Path, typer.Option(help="sensors.csv of the scenario.")],
    weather: Annotated[Path | None, typer.Option(help="weather.ndjson (for the CRB).")] = None,
    detections: Annotated[
        Path | None,
        typer.Option(
            help="detections.ndjson of the scenario: also say why each missed blast was "
            "missed (docs/simulation.md)."
        ),
    ] = None,
    clocks: Annotated[
        Path | None,
        typer.Option(
            help="clocks.json from truceline fuse --clocks: score the clock checks "
            "against the truth's clock faults."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Score located events against the simulator's ground truth."""
    console = Console(stderr=True)
    if weather is None:
        _warn_still_air(console, truth, detections is not None)
    try:
        the_truth, the_events = read_truth(truth), read_events(events)
        the_sensors = read_sensors(sensors)
        the_weather = read_weather(weather) if weather is not None else []
        matches = match_events(the_truth, the_events)  # once, for every figure below
        report = evaluate(the_truth, the_events, the_sensors, the_weather, matches=matches)
        salvos = salvo_scores(the_truth, the_events, matches=matches)
        margins = margin_scores(the_truth, the_events, matches=matches)
        clock = clock_scores(the_truth, *read_clocks(clocks)) if clocks is not None else None
        misses = None
        if detections is not None:
            misses = explain_misses(the_truth, the_events, the_sensors,
                                    read_detections(detections), the_weather)  # fmt: skip
    except TrucelineError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if as_json:
        doc = report.as_dict()
        doc["salvos"] = [asdict(s) for s in salvos]
        doc["pairing_by_margin"] = [asdict(b) for b in margins]
        if misses is not None:
            doc["miss_causes"] = cause_counts(misses)
            doc["misses"] = [asdict(m) for m in misses]
        if clock is not None:
            doc["clocks"] = asdict(clock)
        typer.echo(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
    else:
        Console().print(_report_table(report))
        if salvos:
            Console().print(_salvos_table(salvos))
        if any(b.pairs for b in margins):
            Console().print(_margins_table(margins))
        if misses is not None:
            Console().print(_misses_table(misses))
        if clock is not None:
            Console().print(_clocks_table(clock))


def _warn_still_air(console: Console, truth: Path, misses: bool) -> None:
    """Say that without ``--weather`` the figures assume the spec's default air.

    The Cramér–Rao bound, and the fit behind each miss's cause, then take 15 °C and no
    wind: where the scenario had other weather a miss's picks fail the fit at the true
    place, and it is called ``misfit`` for a fault of the command line, not of the
    fusion. A ``weather.ndjson`` beside the truth is named."""
    beside = truth.parent / "weather.ndjson"
    what = "the Cramér–Rao bounds" + (" and the misses' fits" if misses else "")
    hint = (f"; {escape(str(beside))} lies beside the truth: pass --weather "
            f"{escape(str(beside))}") if beside.exists() else ""  # fmt: skip
    console.print(f"[yellow]warning:[/] no --weather: {what} take 15 °C and still air (the "
                  f"spec's default){hint}", highlight=False, soft_wrap=True)  # fmt: skip


class _ClockRecord(BaseModel):
    """What the scoring reads of one sensor's check in ``clocks.json`` (other fields are
    kept and ignored)."""

    model_config = ConfigDict(extra="allow")
    sensor: str
    status: str
    offset_ms: float | None = None


def read_clocks(path: Path) -> tuple[list[dict[str, Any]], datetime | None]:
    """The sensors' checks of a ``clocks.json`` and the time they were made (``as_of``);
    :class:`InputError` naming the record and field of anything malformed."""
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg})") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    items = doc.get("sensors") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise InputError(f"{path}: invalid clocks file", problems=[
            Problem(str(path), None, "sensors", "expected a list of checks")])  # fmt: skip
    problems: list[Problem] = []
    for i, item in enumerate(items, start=1):
        problems += problems_of(validate_object(item, _ClockRecord, source=str(path), line=i,
                                                unit="record"))  # fmt: skip
    as_of = doc.get("as_of")
    try:
        when = parse_time(as_of) if as_of is not None else None
    except ValueError as exc:
        problems.append(Problem(str(path), None, "as_of", str(exc)))
    if problems:
        raise InputError(f"{path}: invalid clocks file", problems=problems)
    return items, when


def _clocks_table(score: ClockScore) -> Table:
    table = Table(title=f"clock faults: {score.found} of {score.faults} found, "
                  f"{score.false_flags} false flags", box=box.SIMPLE)  # fmt: skip
    for name in ("sensor", "offset ms", "drift ppm", "check", "found ms", "found"):
        table.add_column(name, justify="left" if name in ("sensor", "check") else "right")
    for d in score.detail:
        found = "" if d.found_ms is None else f"{d.found_ms:.1f}"
        table.add_row(d.sensor, f"{d.offset_ms:.1f}", f"{d.drift_ppm:g}", d.status, found,
                      "yes" if d.found else "no")  # fmt: skip
    if score.false_sensors:
        table.caption = "flagged with a right clock: " + ", ".join(score.false_sensors)
    return table


def _salvos_table(salvos: list[SalvoScore]) -> Table:
    table = Table(title="pairing by salvo", box=box.SIMPLE, padding=(0, 0))
    names = ("salvo", "rounds", "launch", "impact", "both", "right", "shifted", "other",
             "unpaired", "attributed")  # fmt: skip
    for name in names:
        table.add_column(name, justify="left" if name == "salvo" else "right", no_wrap=True)
    for s in salvos:
        shifted = str(s.shifted)
        if s.shift is not None:
            shifted += f" ({s.at_shift}: {s.shift:+d})"
        table.add_row(s.salvo, str(s.rounds), str(s.launches), str(s.impacts), str(s.both),
                      str(s.right), shifted, str(s.other), str(s.unpaired),
                      str(s.attributed))  # fmt: skip
    table.caption = (
        "rounds found at launch, at impact and at both; shifted: paired with "
        "another round's impact of the salvo (how many by the commonest shift, "
        "in rounds); attributed: impacts found whose event names a launch of the salvo, "
        "by its pair or its salvo label"
    )
    return table


def _of(n: int, total: int) -> str:
    """``n`` and its share of ``total`` (just ``n`` when there is no total)."""
    return f"{n} ({n / total:.2f})" if total else str(n)


def _margins_table(margins: list[MarginBin]) -> Table:
    table = Table(title="pairing by margin", box=box.SIMPLE, padding=(0, 1))
    for name in ("margin, nats", "pairs", "right", "launcher right"):
        table.add_column(name, justify="right", no_wrap=True)
    for b in margins:
        span = f"{b.low:g}–{b.high:g}" if b.high is not None else f"≥ {b.low:g}"
        table.add_row(span, str(b.pairs), _of(b.right, b.pairs), _of(b.launcher_right, b.pairs))
    table.caption = (
        "launch events paired to a matched event, by their pair's margin over its best local "
        'alternative (docs/fusion.md, "Pair margins")'
    )
    return table


def _misses_table(misses: list[Miss]) -> Table:
    counts = ", ".join(f"{n} {c}" for c, n in cause_counts(misses).items())
    table = Table(title=f"missed blasts: {counts}", box=box.SIMPLE)
    for name in ("blast", "phase", "salvo", "heard", "taken", "fit p", "rivals", "cause"):
        table.add_column(name, justify="left" if name in ("blast", "cause") else "right",
                         no_wrap=True)  # fmt: skip
    for m in misses:
        table.add_row(m.blast, m.phase, m.salvo or "", f"{m.on_time}/{m.sensors}",
                      str(m.taken), f"{m.fit_p:.2g}", str(m.rivals), m.cause)  # fmt: skip
    table.caption = "heard: sensors with an on-time pick / sensors that picked it"
    return table


def register(app: typer.Typer) -> None:
    """Add ``simulate`` and ``evaluate`` to the main CLI."""
    app.command("simulate")(_simulate)
    app.command("evaluate")(_evaluate)
