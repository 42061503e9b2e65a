"""Make the example reports in ``docs/examples/`` from a freshly loaded demo database.

Loads the demo data set (``truceline.services.demo``) into a new SQLite store in a
temporary directory, runs fusion, the rules and the incident correlator to completion, then
takes the grave incident at the Donetsk Filter Station through the workflow with
illustrative demo staff (triage, investigation, a determination and one dissent, publication)
so that the examples show how a determination reads. It then writes, for the demo day
2026-03-02, in English, Ukrainian and Russian:

* ``daily-2026-03-02.<lang>.md`` and ``.html``: the daily report for the mission's
  administrator (the local operator), with ``--pdf`` also ``.pdf``;
* ``public-daily-2026-03-02.<lang>.md``: the public report;
* ``spot-<incident>.<lang>.md``: the spot report of that incident;
* ``README.md``: the list of files with the SHA-256 each prints.

The clock is fixed (data loaded at 2026-03-03T06:00Z, reports made at 07:00Z), so the same
code and data give the same files. Fusion of the demo day takes under a minute.

Run: ``.venv/bin/python scripts/make_examples.py [--out docs/examples] [--pdf]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from truceline.access.policy import Principal
from truceline.cli.ingest_cmds import ingest_file
from truceline.cli.sensors_cmds import read_status_file
from truceline.gazetteer import LANGS, default_gazetteer
from truceline.reports.render import render
from truceline.services import incidents
from truceline.services import reports as svc
from truceline.services import sensors as sensors_svc
from truceline.services.demo import load_demo, process
from truceline.services.evidence import operator
from truceline.store.engine import Store
from truceline.timefmt import parse_time, to_micros

DAY = date(2026, 3, 2)
LOADED_US = to_micros(parse_time("2026-03-03T06:00:00Z"))  # when the demo data arrive
AS_OF_US = to_micros(parse_time("2026-03-03T07:00:00Z"))  # when the reports are made


def staff(role: str, name: str) -> Principal:
    """Illustrative demo staff: mission administrators acting in one workflow role each
    (administrators, so that they see the incident whatever its markings)."""
    return Principal(name=name, nation="MISSION", roles=frozenset({"admin", role}))


def load(store: Store) -> None:
    lines = load_demo(
        store,
        ingest_file=ingest_file,
        record_status=lambda s, p: sensors_svc.record_status(
            s, read_status_file(p), source=str(p), now_us=LOADED_US
        ),
        now_us=LOADED_US,
    )
    lines += process(store, now_us=LOADED_US)
    for line in lines:
        print(" ", line)


def filter_station_incident(store: Store, who: Principal) -> str:
    """The grave incident whose findings include fire at the protected filter station."""
    with store.read() as conn:
        items, _ = incidents.list_incidents(conn, who, limit=1000)
        for item in items:
            if not item["grave"]:
                continue
            view = incidents.incident_view(conn, item["id"], who)
            if any(f["rule"] == "fire_at_protected_site" for f in view["findings"]):
                return str(item["id"])
    raise SystemExit("the demo has no grave incident at the filter station")


def walk(store: Store, incident_id: str) -> None:
    """Triage, investigate, determine (with a dissent) and publish, one minute apart."""
    now = LOADED_US
    steps: list[tuple[Principal, str, dict[str, Any]]] = [
        (staff("analyst", "demo-analyst"), "triage", {"grave": True}),
        (staff("investigator", "demo-investigator"), "assign", {}),
        (
            staff("investigator", "demo-investigator"),
            "submit",
            {"summary": "Camera footage, crater analysis and the UAV track reviewed."},
        ),
        (
            staff("reviewer", "demo-reviewer"),
            "determine",
            {
                "determination": {
                    "outcome": "violation",
                    "responsible_side": "RU",
                    "confidence": "medium",
                    "basis": (
                        "The mission's camera recorded a mortar impact about 250 m from the "
                        "Donetsk Filter Station at 02:10 UTC; the crater analysis points to "
                        "fire from the north-east, from ground held by side RU; a UAV from "
                        "RU-held ground was over the station minutes before."
                    ),
                    "remedies": [
                        "Notify both sides' liaison officers",
                        "Request a repair window for the station",
                    ],
                }
            },
        ),
    ]
    for who, action, body in steps:
        now += 60_000_000
        with store.write() as conn:
            current = incidents.incident_view(conn, incident_id, who)
            incidents.act(
                conn, incident_id, action, {"version": current["version"], **body}, who, now_us=now
            )
    dissenter, publisher = (
        staff("commissioner", "demo-commissioner-2"),
        staff("commissioner", "demo-commissioner-1"),
    )
    with store.write() as conn:
        current = incidents.incident_view(conn, incident_id, dissenter)
        decision = current["determination"]["decision"]
        body = {
            "version": current["version"],
            "refers_to": decision,
            "text": "The crater alone cannot exclude fire from the south-west; "
            "the confidence should be low.",
        }
        incidents.act(conn, incident_id, "dissent", body, dissenter, now_us=now + 60_000_000)
    with store.write() as conn:
        current = incidents.incident_view(conn, incident_id, publisher)
        incidents.act(
            conn,
            incident_id,
            "publish",
            {"version": current["version"]},
            publisher,
            now_us=now + 120_000_000,
        )


def write(out: Path, name: str, content: bytes, digest: str, index: list[str]) -> None:
    (out / name).write_bytes(content)
    index.append(f"| [`{name}`]({name}) | {len(content):,} | `{digest}` |")
    print(f"  {name}: {len(content):,} bytes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/examples"))
    parser.add_argument("--pdf", action="store_true", help="also write the daily report as PDF")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    gaz = default_gazetteer()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'truceline.db'}")
        store.migrate()
        started = time.perf_counter()
        print("loading and processing the demo day (fusion takes about a minute) ...")
        load(store)
        who = operator("cli:demo")
        incident = filter_station_incident(store, who)
        walk(store, incident)
        print(f"  ready in {time.perf_counter() - started:.0f} s; incident {incident} walked")
        with store.read() as conn:
            daily = svc.daily_report(conn, who, DAY, now_us=AS_OF_US)
            public = svc.daily_report(conn, who, DAY, now_us=AS_OF_US, public=True)
            spot = svc.spot_report(conn, who, incident, now_us=AS_OF_US)
        store.dispose()
    index: list[str] = []
    formats = ("md", "html", "pdf") if args.pdf else ("md", "html")
    for lang in LANGS:
        for fmt in formats:
            r = render(daily, lang, fmt, gaz)
            write(args.out, f"daily-{DAY}.{lang}.{fmt}", r.content, r.sha256, index)
        r = render(public, lang, "md", gaz)
        write(args.out, f"public-daily-{DAY}.{lang}.md", r.content, r.sha256, index)
        r = render(spot, lang, "md", gaz)
        write(args.out, f"spot-{incident}.{lang}.md", r.content, r.sha256, index)
    readme = [
        "# Example reports: the demo day, 2026-03-02",
        "",
        "Made by `scripts/make_examples.py` from a freshly loaded demo database (fusion, rules",
        "and incidents run to completion; reports as of 2026-03-03T07:00Z). The grave incident at",
        f"the Donetsk Filter Station (`{incident}`) was taken through the workflow by",
        "illustrative demo staff so that the reports show a determination and a dissent; the",
        "determination is part of the illustration, not a finding about real events.",
        "",
        "The daily reports are those of the mission's administrator (what that principal may",
        "see); the public reports hold only records released to the public. Each file prints",
        "its own SHA-256; check one with `truceline report verify --offline FILE` or with the",
        "`sed … | sha256sum` recipe in [docs/reports.md](../reports.md#checking-a-report).",
        "",
        "| file | bytes | SHA-256 printed in it |",
        "| --- | ---: | --- |",
        *index,
        "",
    ]
    (args.out / "README.md").write_text("\n".join(readme), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
