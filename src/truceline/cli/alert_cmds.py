"""`truceline alerts ...`: subscriptions, one worker pass, dead letters, reading alerts, and
the escalation detector measured on simulated series (docs/alerts.md)."""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from truceline.access.policy import Principal
from truceline.alerts import simulate as sim
from truceline.alerts.detector import CusumDesign
from truceline.alerts.text import LANGS, Lang
from truceline.cli.context import open_store, settings, user_errors
from truceline.cli.output import Format, console, emit, err_console
from truceline.clock import now_us
from truceline.errors import BadRequestError, NotFoundError
from truceline.services import alert_delivery, alert_subscriptions
from truceline.services import alerts as svc
from truceline.services.principals import active_principal
from truceline.store.engine import Store

alerts_app = typer.Typer(help="Escalation and grave-finding alerts: webhooks and CAP 1.2.")
FormatOpt = Annotated[Format, typer.Option("--format", help="table or json")]
OPERATOR = Principal("cli", "MISSION", frozenset({"admin"}), kind="service")
"""Who the command line acts as: it has the database, so it sees everything."""


def _principal(store: Store, name: str) -> Principal:
    with store.read() as conn:
        found = active_principal(conn, name)
    if found is None:
        raise NotFoundError(f"principal {name!r} not found (see `truceline principals list`)")
    return found


def _config() -> svc.AlertConfig:
    return svc.AlertConfig(sender=svc.cap_sender(settings()))


def _lang(value: str) -> Lang:
    if value not in LANGS:
        raise BadRequestError(f"--lang: one of {', '.join(LANGS)}")
    return value


@alerts_app.command("subscribe")
def subscribe(
    principal: Annotated[str, typer.Option(help="the principal that receives (its access)")],
    url: Annotated[str, typer.Option(help="https webhook URL")],
    secret: Annotated[str | None, typer.Option(help="HMAC key (default: generated)")] = None,
    sector: Annotated[list[str] | None, typer.Option(help="only this sector (repeat)")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="escalation and/or grave")] = None,
    min_severity: Annotated[str, typer.Option(help="Minor, Moderate, Severe, Extreme")] = "Minor",
    payload: Annotated[str, typer.Option("--payload", help="json or cap")] = "json",
    lang: Annotated[str, typer.Option(help="en, uk or ru")] = "en",
    fmt: FormatOpt = Format.table,
) -> None:
    """Subscribe a webhook for a principal; prints its secret once."""
    with user_errors():
        store = open_store()
        view = alert_subscriptions.create_subscription(
            store,
            _principal(store, principal),
            url=url,
            secret=secret,
            sectors=sector,
            kinds=kind or ["escalation", "grave"],
            min_severity=min_severity,
            fmt=payload,
            language=lang,
            now_us=now_us(),
            client="cli",
        )
    emit(view, fmt, title="subscription (the secret is not shown again)")


@alerts_app.command("subscriptions")
def subscriptions(fmt: FormatOpt = Format.table) -> None:
    """List live subscriptions (without secrets)."""
    with user_errors(), open_store().read() as conn:
        rows = alert_subscriptions.list_subscriptions(conn, OPERATOR)
    emit(
        rows,
        fmt,
        columns=[
            "id",
            "principal",
            "url",
            "kinds",
            "sectors",
            "min_severity",
            "format",
            "language",
        ],
        title="alert subscriptions",
    )


@alerts_app.command("unsubscribe")
def unsubscribe(subscription: str) -> None:
    """End a subscription; its pending deliveries are withdrawn."""
    with user_errors():
        alert_subscriptions.delete_subscription(
            open_store(), OPERATOR, subscription, now_us=now_us(), client="cli"
        )
    console.print(f"deleted {subscription}")


@alerts_app.command("list")
def list_alerts(
    kind: Annotated[str | None, typer.Option(help="escalation or grave")] = None,
    sector: Annotated[str | None, typer.Option()] = None,
    lang: Annotated[str, typer.Option(help="en, uk or ru")] = "en",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    fmt: FormatOpt = Format.table,
) -> None:
    """Alerts, newest first."""
    with user_errors(), open_store().read() as conn:
        page = svc.list_alerts(
            conn, OPERATOR, kind=kind, sector=sector, limit=limit, lang=_lang(lang)
        )
    if fmt is Format.json:
        emit(page["items"], fmt)
        return
    rows = [
        {k: a.get(k) for k in ("id", "kind", "severity", "time", "sector", "headline")}
        for a in page["items"]
    ]
    emit(
        rows, fmt, columns=["id", "kind", "severity", "time", "sector", "headline"], title="alerts"
    )


@alerts_app.command("show")
def show(
    alert: str,
    cap: Annotated[bool, typer.Option("--cap", help="print the CAP 1.2 XML")] = False,
    lang: Annotated[str, typer.Option(help="en, uk, ru or a list: en,uk,ru")] = "en",
) -> None:
    """One alert as JSON, or as a CAP 1.2 message."""
    with user_errors():
        langs = tuple(_lang(v.strip()) for v in lang.split(","))
        with open_store().read() as conn:
            row = svc.get_alert(conn, OPERATOR, alert)
        if cap:
            sys.stdout.write(svc.alert_cap(row, _config(), langs).decode() + "\n")
            return
    sys.stdout.write(
        orjson.dumps(svc.alert_view(row, langs[0]), option=orjson.OPT_INDENT_2).decode() + "\n"
    )


@alerts_app.command("deliver")
def deliver(
    scan: Annotated[bool, typer.Option(help="raise alerts from new findings first")] = True,
    fmt: FormatOpt = Format.table,
) -> None:
    """One pass of the alert worker: raise new alerts, then send what is due."""
    with user_errors():
        worker = svc.AlertWorker(open_store(), clock_us=now_us, config=_config())
        result = worker.step(scan=scan)
    emit(result, fmt, title="alert worker pass")


@alerts_app.command("dead-letters")
def dead_letters(
    retry: Annotated[list[str] | None, typer.Option(help="queue this dead letter again")] = None,
    retry_all: Annotated[bool, typer.Option("--retry-all", help="queue them all again")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """List deliveries that ran out of attempts; --retry ID or --retry-all queues them."""
    with user_errors():
        store = open_store()
        with store.read() as conn:
            rows = alert_delivery.dead_letters(conn, OPERATOR)
        chosen = [r["id"] for r in rows] if retry_all else list(retry or [])
        for delivery in chosen:
            alert_delivery.retry_dead_letter(store, OPERATOR, delivery, now_us=now_us())
    if chosen:
        console.print(f"queued again: {len(chosen)}")
        return
    emit(
        rows,
        fmt,
        columns=["id", "alert", "url", "attempts", "last_status", "last_error", "failed_at"],
        title="dead letters",
    )


def _measure(
    design: CusumDesign,
    rates: list[float],
    rises: list[float],
    replicates: int,
    bins: int,
    seed: int,
    growth: float,
) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    rows = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("simulating", total=len(rates) * (1 + len(rises)))
        for rate in rates:
            fa = sim.false_alarms(
                design, rate, rng, replicates=replicates, bins=bins, growth_per_bin=growth
            )
            progress.advance(task)
            low, high = fa.interval_95
            row: dict[str, Any] = {
                "rate_per_bin": rate,
                "false_alarms_per_1000": round(fa.per_1000, 3),
                "ci95": f"{low:.2f}-{high:.2f}",
                "design_per_1000": round(fa.design_per_1000, 3),
            }
            for rise in rises:
                d = sim.delays(design, rate, rise, rng, replicates=replicates)
                progress.advance(task)
                q1, q3 = d.quartiles
                row[f"delay_{rise:g}x_median"] = d.median
                row[f"delay_{rise:g}x_iqr"] = f"{q1:g}-{q3:g}"
                row[f"detected_{rise:g}x"] = round(d.detected, 3)
            rows.append(row)
    return rows


def _example(path: Path, seed: int) -> str:
    """Run the whole pipeline on a simulated escalation in a scratch store; write its CAP."""
    from truceline.agreement import parse_agreement
    from truceline.services import agreements
    from truceline.services.demo import demo_dir
    from truceline.services.judge import store_findings

    doc = orjson.loads((demo_dir() / "agreement.geojson").read_bytes())
    agreement = parse_agreement(doc, source="demo agreement")
    start = agreement.effective_from
    scenario = sim.Scenario(sector="Donetsk north", start=start)
    findings = sim.simulated_findings(agreement, scenario, np.random.default_rng(seed))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/example.db")
        store.migrate()
        now = int(scenario.change.timestamp() * 1e6) + scenario.rise_hours * 3_600_000_000
        agreements.load_agreement(store, doc, source="demo", now_us=now)
        with store.write() as conn:
            store_findings(conn, findings, side_codes=agreement.side_codes, now_us=now)
        config = svc.AlertConfig(sender=svc.cap_sender(settings()), status="Exercise")
        svc.AlertWorker(store, clock_us=lambda: now, config=config).step()
        with store.read() as conn:
            page = svc.list_alerts(conn, OPERATOR, kind="escalation", limit=1000)
            if not page["items"]:
                raise NotFoundError("the simulated escalation raised no alert; try another seed")
            first = min(page["items"], key=lambda a: a["time"])
            row = svc.get_alert(conn, OPERATOR, first["id"])
        path.write_bytes(svc.alert_cap(row, config, LANGS))
        store.dispose()
    change = scenario.change.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return f"rise at {change} UTC; alert at {first['time']}: {first['headline']}"


@alerts_app.command("simulate")
def simulate(
    rate: Annotated[
        list[float] | None, typer.Option(help="baseline events per bin (repeat)")
    ] = None,
    rise: Annotated[list[float] | None, typer.Option(help="rate multiplier (repeat)")] = None,
    replicates: Annotated[int, typer.Option(min=10, max=5000)] = 200,
    bins: Annotated[int, typer.Option(min=100, help="measured bins per series (no change)")] = 2000,
    growth: Annotated[float, typer.Option(help="slow drift of the baseline, per 30 days")] = 0.0,
    seed: Annotated[int, typer.Option()] = 1,
    example: Annotated[
        Path | None,
        typer.Option(
            help="also write the CAP of an alert raised end-to-end on a simulated escalation"
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The detector on simulated series with known change points: false alarms per 1,000
    bins under no change (against the design) and bins to detect a rise."""
    design = CusumDesign()
    per_bin = float(np.log1p(growth) / 720.0)
    with user_errors():
        rows = _measure(
            design, rate or [0.1, 0.5, 2.0], rise or [2.0, 4.0], replicates, bins, seed, per_bin
        )
        note = _example(example, seed) if example is not None else None
    emit(
        rows,
        fmt,
        title=f"Poisson CUSUM, ARL0 {design.arl0_bins:g} bins, rho {design.rho:g}, "
        f"window {design.window_bins} + guard {design.guard_bins} bins",
    )
    if note:
        err_console.print(f"example written to {example}: {note}")


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
