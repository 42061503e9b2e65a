"""The `truceline` command: serve, demo, settings, and the command groups."""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from truceline.cli.access_cmds import audit, principals_app
from truceline.cli.agreement_cmds import agreement_app
from truceline.cli.context import open_store, settings, user_errors
from truceline.cli.ingest_cmds import FormatOpt, ingest_app, ingest_file
from truceline.cli.output import Format, console, emit
from truceline.cli.sensors_cmds import read_status_file, sensors_app
from truceline.clock import now_us
from truceline.services import sensors as sensors_svc
from truceline.services.demo import load_demo
from truceline.services.demo import process as process_demo
from truceline.settings import SETTINGS

app = typer.Typer(
    name="truceline",
    help="Ceasefire monitoring and verification: ingest, fuse, judge, verify, record, share.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(agreement_app, name="agreement")
app.add_typer(sensors_app, name="sensors")
app.add_typer(ingest_app, name="ingest")
app.add_typer(principals_app, name="principals")
app.command("audit")(audit)

# Command modules of other capabilities register themselves here.
PLUGINS = (
    "truceline.cli.fuse_cmd",
    "truceline.cli.simulate_cmd",
    "truceline.cli.ledger_cmds",
    "truceline.cli.evidence_cmds",
    "truceline.cli.rules_cmd",
    "truceline.cli.alert_cmds",
    "truceline.cli.report_cmds",
)


def _register_plugins() -> None:
    for name in PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # that capability is not installed in this build
        module.register(app)


@app.command("settings")
def show_settings(fmt: FormatOpt = Format.table) -> None:
    """List every setting, its environment variable, current value and help."""
    with user_errors():
        current = settings()
    rows = [
        {"setting": s.env, "value": current.value_of(s.name), "default": s.default, "help": s.help}
        for s in SETTINGS
    ]
    emit(rows, fmt, title="settings")


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="default: TRUCELINE_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default: TRUCELINE_PORT")] = None,
) -> None:
    """Serve the HTTP API (and, when built, the web workspace)."""
    import uvicorn

    from truceline.api import create_app

    with user_errors():
        cfg = settings()
        application = create_app(cfg, store=open_store(), workers=cfg.workers == 1)
    bind_host, bind_port = host or cfg.host, port or cfg.port
    console.print(
        f"Truceline on [bold]http://{bind_host}:{bind_port}/[/] "
        f"(API docs at /api/v1/docs, OGC API at /ogc)"
    )
    uvicorn.run(application, host=bind_host, port=bind_port, log_level=cfg.log_level)


@app.command("worker")
def worker(
    only: Annotated[
        list[str] | None,
        typer.Option(help="run only these workers: fusion, judge, checkpoints, alerts"),
    ] = None,
) -> None:
    """Run the background workers (fusion, judge, checkpoints, alerts) without serving HTTP.

    Run as many as you like against one database: each worker runs in one process at a
    time (a lease), and another takes over when that process stops.
    """
    import signal
    import threading

    from truceline.errors import ConfigError
    from truceline.services.workers import WorkerSet, build_workers

    with user_errors():
        cfg = settings()
        store = open_store()
        built = build_workers(store, cfg, now_us)
        missing = sorted(set(only or ()) - {w.name for w in built})
        if missing:  # a typo, or a worker its setting turns off (TRUCELINE_CHECKPOINT_SECONDS=0)
            names = ", ".join(w.name for w in built)
            raise ConfigError(f"no worker {', '.join(missing)} to run; the workers are: {names}")
    chosen = [w for w in built if not only or w.name in only]
    running = WorkerSet(chosen, store)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    running.start()
    console.print(f"workers running: {', '.join(w.name for w in chosen)} (Ctrl-C stops)")
    done.wait()
    running.stop()


@app.command("demo")
def demo(
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="load the demo data and exit")
    ] = False,
) -> None:
    """Load the illustrative demo data set (idempotent), then serve it."""
    with user_errors():
        store = open_store()
        lines = load_demo(
            store,
            ingest_file=ingest_file,
            record_status=lambda s, p: sensors_svc.record_status(
                s, read_status_file(p), source=str(p), now_us=now_us()
            ),
            now_us=now_us(),
        )
        with console.status("fusing the demo day's detections, then judging them"):
            lines += process_demo(store, now_us=now_us())
        from truceline.cli.ledger_cmds import seal_log  # a signed, witnessed demo log

        cfg = settings()
        lines += seal_log(store, home=cfg.home, origin=cfg.log_origin, now=now_us())
    for line in lines:
        console.print(line)
    if not no_serve:
        serve(None, None)


def main() -> None:
    _register_plugins()
    app()


if __name__ == "__main__":
    main()
