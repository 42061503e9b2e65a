"""Evaluation: how often the gazetteer resolves real place strings to the right place.

Not part of the test suite, and its input is never shipped: it reads the shared evaluation
file ``texts/text_geoparse_eval_candidates.jsonl`` (under ``/work/shared/data`` by default,
``--shared DIR`` to override), whose records carry a ``gold_place`` string as the source
wrote it ("Marinka town", "Stanytsia Luhanska", "Donestk"), an oblast (``gold_admin1``) and
gold coordinates. Each string is resolved with :meth:`Gazetteer.resolve` (with and without
the oblast as a hint) and the first match counts when it lies within 10 km of the gold
point (exact geodesic). Cities are larger than that, so "right place" also counts a first
match that is, of all the places matching the string, the one nearest the gold point.
Records without gold coordinates, and UCDP records located only to a region
(``where_prec`` 3-7), are left out. Run::

    .venv/bin/python benchmarks/geoparse_eval.py [--shared DIR] [--km 10]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyproj import Geod

from truceline.gazetteer import Gazetteer, default_gazetteer

EVAL_FILE = "texts/text_geoparse_eval_candidates.jsonl"
GEOD = Geod(ellps="WGS84")
SETTLEMENT_LEVEL = {"point (geolocated)", "ucdp where_prec=1", "ucdp where_prec=2"}


@dataclass
class Tally:
    """Counts for one (language, source) group."""

    records: int = 0
    resolved: int = 0
    within: int = 0
    within_hint: int = 0
    right_hint: int = 0

    def line(self, label: str) -> str:
        n = max(self.records, 1)
        shares = (self.resolved, self.within, self.within_hint, self.right_hint)
        return f"| {label} | {self.records} | " + " | ".join(f"{v / n:.1%}" for v in shares) + " |"


def records(path: Path) -> Iterator[dict[str, object]]:
    """Evaluation records that have a place string and settlement-level gold coordinates."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            located = rec.get("gold_place") and rec.get("lat") is not None
            if located and rec.get("gold_precision") in SETTLEMENT_LEVEL:
                yield rec


def judge(gaz: Gazetteer, rec: dict[str, object], km: float, hint: bool) -> tuple[bool, bool, bool]:
    """(resolved at all, first match within ``km`` of gold, first match is the right
    homonym: within ``km`` or the match nearest to the gold point) for one record."""
    lat, lon = float(rec["lat"]), float(rec["lon"])  # type: ignore[arg-type]
    oblast = str(rec.get("gold_admin1") or "") if hint else ""
    matches = gaz.resolve(str(rec["gold_place"]), oblast=oblast or None)
    if not matches:
        return False, False, False
    lats = [m.settlement.lat for m in matches]
    lons = [m.settlement.lon for m in matches]
    _, _, dist = GEOD.inv(lons, lats, [lon] * len(lons), [lat] * len(lats))
    ok = dist[0] <= km * 1000.0
    return True, ok, ok or dist[0] <= min(dist)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--km", type=float, default=10.0)
    parser.add_argument("--misses", type=int, default=0, help="print this many misses")
    args = parser.parse_args(argv)
    gaz = default_gazetteer()
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    misses: list[str] = []
    for rec in records(args.shared / EVAL_FILE):
        lang, source = str(rec["lang"]), str(rec["source"])
        resolved, ok, _ = judge(gaz, rec, args.km, hint=False)
        _, ok_hint, right_hint = judge(gaz, rec, args.km, hint=True)
        for key in ((lang, source), (lang, "all")):
            t = tallies[key]
            t.records += 1
            t.resolved += resolved
            t.within += ok
            t.within_hint += ok_hint
            t.right_hint += right_hint
        if not ok_hint and len(misses) < args.misses:
            misses.append(f"{source}: {rec['gold_place']!r} ({rec['gold_admin1']})")
    print(
        f"| language | source | records | resolved | within {args.km:g} km | "
        f"within {args.km:g} km, oblast hint | right place, oblast hint |"
    )
    print("|---|---|---|---|---|---|---|")
    for (lang, source), t in sorted(tallies.items()):
        print(t.line(f"{lang} | {source}"))
    for miss in misses:
        print(miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
