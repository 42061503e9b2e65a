"""``truceline fuse``: detections in, located and paired events out (docs/formats/events.md).

The detections file is streamed through :class:`truceline.fusion.engine.FusionEngine` in
batches, with the watermark trailing the latest detection time read by ``--reorder-s``
(so a file needs to be in time order only to within that many seconds), and events are
written as they are released. Output goes to a temporary file next to ``--out`` that is
renamed into place only when everything succeeded: on bad input nothing is written and
the command exits with status 2 and a message naming the file, line and field.

At the end it checks the sensors' clocks against the well-located events of the last hour
of input (:mod:`truceline.fusion.clocks`), warns of every clock that runs off, and with
``--clocks`` writes every sensor's check as JSON. A clock is found off only after minutes
of fire around its sensor; with ``--refit-clocks`` the input is then fused a second time,
each correction in force from when the evidence says its fault began, and that pass is
written (docs/fusion.md, "A second pass").
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, TypeVar

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from truceline.cli.output import atomic_write
from truceline.errors import InputError, Problem, TrucelineError
from truceline.formats.readers import (
    Parsed,
    iter_ndjson,
    iter_sensor_csv,
    open_lines,
    problems_of,
)
from truceline.formats.records import Detection, Record, Sensor, Weather
from truceline.fusion.clocks import WINDOW_S, ClockCheck
from truceline.fusion.engine import FusionEngine
from truceline.fusion.event import Event, event_to_feature
from truceline.timefmt import format_time, from_micros

if TYPE_CHECKING:
    from truceline.agreement.spatial import AgreementIndex
    from truceline.fusion.warmup import WarmUp

BATCH = 2_000


R = TypeVar("R", bound=Record)


def read_sensors(path: Path) -> list[Sensor]:
    """The registry (for `fuse`, `simulate` and `evaluate`); :class:`InputError` naming
    line and field of every bad row."""
    out: list[Sensor] = []
    problems: list[Problem] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for item in iter_sensor_csv(fh, source=str(path)):
            if isinstance(item, Parsed):
                out.append(item.record)
            problems += problems_of(item)
    ids = [s.id for s in out]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})[0]
        problems.append(Problem(str(path), None, "id", f"sensor id {dup!r} is not unique"))
    if problems:
        raise InputError(f"{path}: invalid sensor registry", problems=problems)
    if not out:
        raise InputError(f"{path}: the sensor registry is empty")
    return out


def _read_records(path: Path, kind: type[R], what: str) -> list[R]:
    """Every record of an NDJSON file; :class:`InputError` naming line and field of every
    bad one (``what``: the file's name in the message)."""
    out: list[R] = []
    problems: list[Problem] = []
    with open_lines(path) as fh:
        for item in iter_ndjson(fh, kind, source=str(path)):
            if isinstance(item, Parsed):
                out.append(item.record)
            problems += problems_of(item)
    if problems:
        raise InputError(f"{path}: invalid {what}", problems=problems)
    return out


def read_weather(path: Path) -> list[Weather]:
    """Weather records; :class:`InputError` on bad records."""
    return _read_records(path, Weather, "weather file")


def agreement_index(path: Path) -> AgreementIndex:
    """The agreement file's spatial index (imported lazily), for
    :meth:`FusionEngine.for_agreement`."""
    from truceline.agreement.io import read_agreement_file
    from truceline.agreement.spatial import AgreementIndex

    return AgreementIndex(read_agreement_file(path))


def read_detections(path: Path) -> list[Detection]:
    """Every detection of a file (for ``evaluate --detections``); :class:`InputError` on
    bad records. ``fuse`` streams its detections instead (:func:`_detections`)."""
    return _read_records(path, Detection, "detections file")


class _Counting:
    """Iterate a binary file's lines while reporting bytes read."""

    def __init__(self, raw: IO[bytes], progress: Progress, task: int) -> None:
        self.raw, self.progress, self.task = raw, progress, task

    def __iter__(self) -> Iterator[bytes]:
        for line in self.raw:
            self.progress.advance(self.task, len(line))  # type: ignore[arg-type]
            yield line


def _detections(
    path: Path, engine: FusionEngine, progress: Progress, task: int
) -> Iterator[list[Detection]]:
    """Batches of valid detections; the first bad record raises :class:`InputError`."""
    batch: list[Detection] = []
    net = engine.net
    with open_lines(path) as raw:
        for item in iter_ndjson(_Counting(raw, progress, task), Detection, source=str(path)):
            problems = problems_of(item)
            if problems:
                raise InputError(f"{path}: invalid detection", problems=problems)
            assert isinstance(item, Parsed)
            d: Detection = item.record
            s = net.index.get(d.sensor)
            if s is None:
                bad = Problem(str(path), item.line, "sensor", f"unknown sensor {d.sensor!r}", d.id)
                raise InputError(f"{path}: invalid detection", problems=[bad])
            floor = engine.accepts_from
            if floor is not None and d.time < floor:
                raise InputError(f"{path}: detections out of order", problems=[Problem(
                    str(path), item.line, "time",
                    f"earlier than {floor.isoformat()}: the file must be in time order "
                    "(within --reorder-s seconds)", d.id)])  # fmt: skip
            if not engine.sensors[s].active_at(d.time):
                raise InputError(f"{path}: invalid detection", problems=[Problem(
                    str(path), item.line, "time",
                    f"outside the active span of sensor {d.sensor!r}", d.id)])  # fmt: skip
            batch.append(d)
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def _write(fh: IO[bytes], events: list[Event], first: bool) -> bool:
    for ev in events:
        fh.write((b"\n" if first else b",\n") + orjson.dumps(event_to_feature(ev)))
        first = False
    return first


@dataclass(frozen=True)
class Fused:
    """What a fusion run did: its counts and the sensors' clock checks at its end."""

    detections: int
    events: int
    duplicates: int
    unsearched: int
    clocks: list[ClockCheck] = field(default_factory=list)
    clocks_as_of: datetime | None = None  # the latest pick time the clock checks saw
    # With --refit-clocks: the corrections the second pass put in force (sensor id, from
    # when, how late its clock read then, s); empty when it made none (one pass).
    refitted: list[tuple[str, datetime, float]] = field(default_factory=list)
    # Sensors silent at the end as the blasts near them were heard (FusionEngine.silences).
    silent: list[tuple[str, datetime, int]] = field(default_factory=list)


def run_fuse(
    sensors: Path,
    detections: Path,
    out: Path,
    *,
    weather: Path | None = None,
    agreement: Path | None = None,
    reorder_s: float = 60.0,
    console: Console | None = None,
    clocks: Path | None = None,
    refit_clocks: bool = False,
) -> Fused:
    """Fuse the files into ``out`` (and the clock checks into ``clocks`` when given);
    returns counts. With ``refit_clocks``, where the first pass corrected any clock, the
    input is fused again with each correction in force from when its fault began
    (:meth:`FusionEngine.clock_schedule`), and that pass is written. Raises
    :class:`TrucelineError`."""
    console = console or Console(stderr=True)
    registry = read_sensors(sensors)
    records = read_weather(weather) if weather else []
    index = agreement_index(agreement) if agreement else None
    engine = FusionEngine.for_agreement(registry, records, index)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    refitted: list[tuple[str, datetime, float]] = []
    try:
        n_detections, n_events = _fuse_into(tmp, engine, detections, console, reorder_s,
                                            "fusing")  # fmt: skip
        pieces = engine.clock_pieces() if refit_clocks else []
        schedule = engine.clock_schedule(pieces)
        if schedule is not None:
            refitted = [(engine.sensors[p.sensor].id, from_micros(round(p.since * 1e6)),
                         float(p.at(p.since))) for p in pieces]  # fmt: skip
            engine = FusionEngine.for_agreement(registry, records, index)
            engine.follow_schedule(schedule)
            n_detections, n_events = _fuse_into(tmp, engine, detections, console, reorder_s,
                                                "fusing again, clocks corrected")  # fmt: skip
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    checks, as_of = engine.clock_checks(), engine.clocks_as_of
    if clocks is not None:
        _write_clocks(clocks, checks, as_of, refitted if refit_clocks else None)
    return Fused(n_detections, n_events, engine.duplicates, engine.stats["unsearched"], checks,
                 as_of, refitted, engine.silences())  # fmt: skip


def _fuse_into(tmp: Path, engine: FusionEngine, detections: Path, console: Console,
               reorder_s: float, what: str) -> tuple[int, int]:  # fmt: skip
    """One pass of ``detections`` through ``engine``, its events written over ``tmp``;
    the counts of detections and events."""
    n_events = n_detections = 0
    with tmp.open("wb") as fh, Progress(
        TextColumn(what), BarColumn(), TextColumn("{task.fields[events]} events"),
        TimeRemainingColumn(), console=console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("fuse", total=detections.stat().st_size, events=0)
        fh.write(b'{"type":"FeatureCollection","features":[')
        first = True
        latest = None
        for batch in _detections(detections, engine, progress, task):
            engine.add(batch)
            n_detections += len(batch)
            top = max(d.time for d in batch)
            latest = top if latest is None or top > latest else latest
            released = engine.ready(latest - timedelta(seconds=reorder_s))
            first = _write(fh, released, first)
            n_events += len(released)
            progress.update(task, events=n_events)
        released = engine.finish()
        first = _write(fh, released, first)
        n_events += len(released)
        fh.write(b"\n]}\n")
    return n_detections, n_events


def _write_clocks(path: Path, checks: list[ClockCheck], as_of: datetime | None,
                  refitted: list[tuple[str, datetime, float]] | None = None) -> None:  # fmt: skip
    """The clock checks as JSON, written whole or not at all; with ``--refit-clocks``,
    also the corrections its second pass put in force (``second_pass``: empty when there
    was none)."""
    doc: dict[str, object] = {
        "as_of": format_time(as_of) if as_of is not None else None, "window_s": WINDOW_S,
        "sensors": [c.as_dict() for c in checks],
    }  # fmt: skip
    if refitted is not None:
        doc["second_pass"] = [{"sensor": sid, "from": format_time(when),
                               "offset_ms": round(late * 1e3, 3)}
                              for sid, when, late in refitted]  # fmt: skip
    with atomic_write(path) as fh:
        fh.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")


def fuse(
    sensors: Annotated[Path, typer.Option(help="sensors.csv (docs/formats/sensors.md)")],
    detections: Annotated[Path, typer.Option(help="detections.ndjson, in time order")],
    out: Annotated[Path, typer.Option(help="events.geojson to write")],
    weather: Annotated[Path | None, typer.Option(help="weather.ndjson")] = None,
    agreement: Annotated[Path | None, typer.Option(help="agreement.geojson for sides")] = None,
    reorder_s: Annotated[
        float, typer.Option(min=0.0, help="how far out of time order detections may be, s")
    ] = 60.0,
    clocks: Annotated[
        Path | None, typer.Option(help="clocks.json to write: every sensor's clock check")
    ] = None,
    refit_clocks: Annotated[
        bool,
        typer.Option(
            "--refit-clocks",
            help="where a clock was found off, fuse again with its correction in force from "
            "when its fault began (twice the time)",
        ),
    ] = False,
) -> None:
    """Fuse detections into located, paired, side-attributed blasts (events.geojson)."""
    from truceline.fusion.warmup import kernels_cached

    console = Console(stderr=True)
    if not kernels_cached():  # a plain pip install: compile now, not stalled mid-input
        console.print("the fusion kernels are not compiled yet (`truceline warm-up` does it "
                      "once after an install): compiling them first", highlight=False)  # fmt: skip
        _warm(console)
    _say_if_stale(console)
    try:
        counts = run_fuse(
            sensors, detections, out, weather=weather, agreement=agreement,
            reorder_s=reorder_s, console=console, clocks=clocks, refit_clocks=refit_clocks,
        )  # fmt: skip
    except TrucelineError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except OSError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(
        f"wrote {out}: {counts.events} events from {counts.detections} detections",
        highlight=False,
    )
    if counts.refitted:
        console.print(
            "fused twice: the second time with these clock corrections in force from when "
            "each fault began: " + "; ".join(f"{sid} from {format_time(when)} "
                                          f"({late * 1e3:+.1f} ms)"
                                          for sid, when, late in counts.refitted),
            highlight=False, soft_wrap=True,
        )  # fmt: skip
    for check in counts.clocks:
        if check.verdict.status in ("offset", "inconsistent") or check.kept:
            console.print(f"warning: {check.describe()}", highlight=False, soft_wrap=True)
    for sensor, since, missed in counts.silent:
        console.print(
            f"warning: sensor {sensor} heard none of the {missed} blasts that sensors beyond "
            f"it heard since {format_time(since.replace(microsecond=0))}, sending nothing "
            "around them: is it down?", highlight=False, soft_wrap=True,
        )  # fmt: skip
    if counts.unsearched:
        console.print(
            f"warning: fire too dense to search in full: {counts.unsearched} partition "
            "boxes were left unsearched (docs/fusion.md, 'Search budget')",
            highlight=False,
        )


def _say_if_stale(console: Console) -> None:
    """A hint when the kernels built ahead of time are older than their sources (after an
    update without ``truceline warm-up``): fusion is as right, but starts slower."""
    from truceline.fusion import kernels

    if kernels.ACTIVE != "aot" and kernels.stale():
        console.print("note: the fusion kernels built ahead of time are older than their "
                      "sources; `truceline warm-up` builds them again (each run starts "
                      "about 0.6 s sooner)", highlight=False)  # fmt: skip


def warm_up_cmd() -> None:
    """Compile the fusion kernels now, so the first fusion runs at full speed.

    Once per install is enough (``make install`` runs it): numba caches them on disk,
    and the ahead-of-time build (:mod:`truceline.fusion.aot`) spares every later process
    numba's start-up.
    """
    console = Console(stderr=True)
    done = _warm(console)
    if done is None:
        console.print("numba is not installed: fusion runs uncompiled, nothing to warm up")
        return
    console.print(
        f"fusion kernels ready: {done.events} events from {done.detections:,} simulated detections",
        highlight=False,
    )
    _build_ahead(console)


def _build_ahead(console: Console) -> None:
    """Build the kernels ahead of time unless a current build is there; a failure is
    reported, not raised: fusion then keeps to numba's JIT."""
    from truceline.fusion import aot, kernels

    if kernels.current():
        console.print("ahead-of-time kernels: current", highlight=False)
        return
    with console.status("building the fusion kernels ahead of time (about 20 s)"):
        try:
            path = aot.build()
        except aot.BuildError as exc:
            console.print(f"ahead-of-time kernels not built ({exc}): fusion uses numba's "
                          "JIT, and each process starts about 0.6 s slower",
                          highlight=False)  # fmt: skip
            return
    console.print(f"ahead-of-time kernels built: {path}", highlight=False)


def _warm(console: Console) -> WarmUp | None:
    """Run the warm-up behind a spinner."""
    from truceline.fusion.warmup import HOURS, warm_up

    with console.status(
        f"compiling the fusion kernels: fusing a {HOURS * 60:.0f}-minute simulated input "
        "(about half a minute on a cold cache, two seconds once cached)"
    ):
        return warm_up()


def register(app: typer.Typer) -> None:
    """Add ``fuse`` and ``warm-up`` to the main command."""
    app.command("fuse")(fuse)
    app.command("warm-up")(warm_up_cmd)
