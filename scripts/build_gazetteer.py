"""Build Truceline's gazetteer tables from the open-licence GeoNames and OCHA files.

Reads ``gazetteer/`` under the project's shared data directory (``/work/shared/data`` by
default, ``--shared DIR`` to override):

* ``geonames_ua_cities500_multilingual.csv``: GeoNames ``cities500`` for Ukraine (CC BY 4.0):
  exact coordinates, population, alternate names split by script;
* ``ocha_ua_admin_units_uk_ru_en.csv`` and ``ocha_ua_settlements_pcode_uk_en.csv``: OCHA
  COD-AB P-codes (CC BY-IGO): oblasts, raions, hromadas, and every settlement with official
  Ukrainian and English names, located only by its hromada's centroid.

Writes ``src/truceline/gazetteer/data/settlements.csv.gz`` and ``admin_units.csv.gz``
(``--out DIR`` to override). Each GeoNames place is matched to its OCHA settlement (same
oblast; name agreement; nearest hromada centroid; one-to-one, strongest evidence first),
which gives it P-codes and the official names; names are chosen by the heuristics of
:mod:`truceline.gazetteer.naming`. OCHA settlements with no GeoNames match are kept with
their hromada's centroid (``precision`` = ``hromada``) so that names resolve, but
``nearest``/``describe`` never use them. The output is deterministic.

Run: ``.venv/bin/python scripts/build_gazetteer.py [--shared DIR] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import Geod
from rich.console import Console
from rich.progress import track

from truceline.gazetteer.model import AdminUnit, Settlement
from truceline.gazetteer.names import deletions, levenshtein, loose_key, strict_key
from truceline.gazetteer.naming import (
    canonical_uk,
    choose_en,
    choose_ru,
    choose_uk,
    clean_cyrillic,
    clean_latin,
    split_alternates,
)
from truceline.gazetteer.rows import (
    ADMIN_COLUMNS,
    SETTLEMENT_COLUMNS,
    admin_to_row,
    settlement_to_row,
)
from truceline.gazetteer.translit import cyrillic_from_latin, russianize

REPO = Path(__file__).resolve().parents[1]
GEONAMES_FILE = "gazetteer/geonames_ua_cities500_multilingual.csv"
ADMIN_FILE = "gazetteer/ocha_ua_admin_units_uk_ru_en.csv"
OCHA_FILE = "gazetteer/ocha_ua_settlements_pcode_uk_en.csv"
GEOD = Geod(ellps="WGS84")
MAX_KM = {
    4: 40.0,
    3: 40.0,
    2: 40.0,
    1: 25.0,
}  # hromada centroid to GeoNames point, by evidence level
RAION_SLACK_KM = 30.0  # extra allowance where only the raion centroid is known

# OCHA gives no Russian oblast names and English ones only as transliterated adjectives
# (Donetska); the conventional English short names and the Russian adjectives are these.
# Extra aliases are how texts name the oblast (centre city, former English spellings).
OBLASTS: dict[str, tuple[str, str, str]] = {
    "UA05": ("Vinnytsia", "Винницкая", "Vinnitsa|Вінниця|Винница"),
    "UA07": ("Volyn", "Волынская", "Volhynia|Волинь|Волынь"),
    "UA12": ("Dnipropetrovsk", "Днепропетровская", "Dnipro|Dnepropetrovsk|Дніпро|Днепр"),
    "UA14": ("Donetsk", "Донецкая", "Донецьк|Донецк"),
    "UA18": ("Zhytomyr", "Житомирская", "Zhitomir|Житомир"),
    "UA21": ("Zakarpattia", "Закарпатская", "Transcarpathia|Закарпаття|Закарпатье"),
    "UA23": ("Zaporizhzhia", "Запорожская", "Zaporizhia|Zaporozhye|Запоріжжя|Запорожье"),
    "UA26": ("Ivano-Frankivsk", "Ивано-Франковская", "Ivano-Frankovsk|Івано-Франківськ"),
    "UA32": ("Kyiv", "Киевская", "Kiev|Київ|Киев"),
    "UA35": ("Kirovohrad", "Кировоградская", "Kirovograd|Kropyvnytskyi|Кропивницький"),
    "UA44": ("Luhansk", "Луганская", "Lugansk|Луганськ|Луганск"),
    "UA46": ("Lviv", "Львовская", "Lvov|Львів|Львов"),
    "UA48": ("Mykolaiv", "Николаевская", "Nikolaev|Nikolayev|Миколаїв|Николаев"),
    "UA51": ("Odesa", "Одесская", "Odessa|Одеса|Одесса"),
    "UA53": ("Poltava", "Полтавская", "Полтава"),
    "UA56": ("Rivne", "Ровенская", "Rovno|Рівне|Ровно"),
    "UA59": ("Sumy", "Сумская", "Суми|Сумы"),
    "UA61": ("Ternopil", "Тернопольская", "Ternopol|Тернопіль|Тернополь"),
    "UA63": ("Kharkiv", "Харьковская", "Kharkov|Харків|Харьков"),
    "UA65": ("Kherson", "Херсонская", "Херсон"),
    "UA68": ("Khmelnytskyi", "Хмельницкая", "Khmelnitsky|Хмельницький|Хмельницкий"),
    "UA71": ("Cherkasy", "Черкасская", "Cherkassy|Черкаси|Черкассы"),
    "UA73": ("Chernivtsi", "Черновицкая", "Chernovtsy|Чернівці|Черновцы"),
    "UA74": ("Chernihiv", "Черниговская", "Chernigov|Чернігів|Чернигов"),
}
# GeoNames admin1 codes for Ukraine (FIPS 10-4 based) → OCHA oblast P-codes.
GEONAMES_ADMIN1 = {
    "01": "UA71", "02": "UA74", "03": "UA73", "04": "UA12", "05": "UA14", "06": "UA26",
    "07": "UA63", "08": "UA65", "09": "UA68", "10": "UA35", "11": "UA01", "12": "UA80",
    "13": "UA32", "14": "UA44", "15": "UA46", "16": "UA48", "17": "UA51", "18": "UA53",
    "19": "UA56", "20": "UA85", "21": "UA59", "22": "UA61", "23": "UA05", "24": "UA07",
    "25": "UA21", "26": "UA23", "27": "UA18",
}  # fmt: skip
# Russian names that the heuristic of truceline.gazetteer.naming.choose_ru gets wrong for
# well-known towns (its development set: 119 of 128 right); keyed by GeoNames id.
RUSSIAN_NAMES: dict[int, str] = {
    706483: "Харьков",
    696643: "Полтава",
    712165: "Белая Церковь",
    710791: "Черкассы",
    694725: "Счастье",
    704202: "Хрустальный",
    713749: "Ахтырка",
    699942: "Нежин",
    695464: "Ромны",
}
SPECIAL_UNITS: dict[str, tuple[str, str, str, str]] = {
    "UA01": (
        "Autonomous Republic of Crimea",
        "Автономна Республіка Крим",
        "Автономная Республика Крым",
        "Crimea|Krym|Крим|Крым",
    ),
    "UA80": ("Kyiv city", "м. Київ", "г. Киев", "Kyiv City|місто Київ|город Киев"),
    "UA85": ("Sevastopol city", "м. Севастополь", "г. Севастополь", "Sevastopol|Севастополь"),
}


def read_csv(path: Path) -> list[dict[str, str]]:
    """All rows of a UTF-8 CSV file; exits with the file named if it is missing."""
    if not path.is_file():
        sys.exit(f"error: {path}: not found (use --shared DIR)")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def split(value: str) -> list[str]:
    return [v for v in value.split("|") if v]


# ------------------------------------------------------------------ admin units


def build_admin(rows: Sequence[dict[str, str]]) -> list[AdminUnit]:
    """Oblasts and raions with display names and aliases in the three languages."""
    units: list[AdminUnit] = []
    for row in rows:
        if row["level"] == "oblast":
            units.append(_oblast_unit(row))
        elif row["level"] == "raion":
            units.append(
                AdminUnit(
                    pcode=row["pcode"],
                    level="raion",
                    parent=row["parent_pcode"],
                    name_en=f"{row['name_en']} raion",
                    name_uk=f"{row['name_uk']} район",
                    name_ru=f"{row['name_ru']} район",
                    aliases=(row["name_en"], row["name_uk"], row["name_ru"]),
                )
            )
    return sorted(units, key=lambda u: (u.level != "oblast", u.pcode))


def _oblast_unit(row: dict[str, str]) -> AdminUnit:
    pcode = row["pcode"]
    if pcode in SPECIAL_UNITS:
        en, uk, ru, extra = SPECIAL_UNITS[pcode]
        aliases = (row["name_en"], row["name_uk"], *split(extra))
    else:
        short, ru_adj, extra = OBLASTS[pcode]
        en, uk, ru = f"{short} oblast", f"{row['name_uk']} область", f"{ru_adj} область"
        aliases = (short, row["name_en"], row["name_uk"], ru_adj, *split(extra))
    return AdminUnit(pcode, "oblast", None, en, uk, ru, aliases)


# ------------------------------------------------------------------ matching


@dataclass
class Ocha:
    """One OCHA settlement with the best location known for it."""

    pcode: str
    name_en: str
    name_uk: str
    oblast: str
    raion: str
    hromada: str
    lat: float
    lon: float
    precision: str


def read_ocha(rows: Iterable[dict[str, str]], admin: Sequence[dict[str, str]]) -> list[Ocha]:
    """OCHA settlements located at their hromada's centroid, else their raion's."""
    centroid = {
        r["pcode"]: (float(r["lat_centroid"]), float(r["lon_centroid"]))
        for r in admin
        if r["lat_centroid"]
    }
    out: list[Ocha] = []
    for r in rows:
        if r["hromada_lat_centroid"]:
            lat, lon = float(r["hromada_lat_centroid"]), float(r["hromada_lon_centroid"])
            precision = "hromada"
        elif r["raion_pcode"] in centroid:
            (lat, lon), precision = centroid[r["raion_pcode"]], "raion"
        else:
            sys.exit(f"error: {OCHA_FILE}: {r['pcode']}: no hromada or raion centroid")
        out.append(
            Ocha(
                r["pcode"], r["name_en"], r["name_uk"], r["oblast_pcode"], r["raion_pcode"],
                r["hromada_pcode"], round(lat, 5), round(lon, 5), precision,
            )
        )  # fmt: skip
    return out


def oblast_of(row: dict[str, str]) -> str:
    """OCHA oblast P-code of a GeoNames row, from GeoNames' own admin1 code.

    (The shared file's ``oblast_uk_pip`` column is not used: it is derived from a CC BY-SA
    layer, and the shipped table should derive from CC BY and CC BY-IGO sources only.)
    """
    code = row["geonames_admin1"]
    if code not in GEONAMES_ADMIN1:
        sys.exit(f"error: {GEONAMES_FILE}: geonameid {row['geonameid']}: admin1 {code!r}?")
    return GEONAMES_ADMIN1[code]


def match_places(geo: Sequence[dict[str, str]], ocha: Sequence[Ocha]) -> dict[int, Ocha]:
    """GeoNames row index → its OCHA settlement, one to one, strongest evidence first.

    Evidence levels: 4, OCHA's Ukrainian name equals the GeoNames row's provisional
    Ukrainian name; 3, the transliteration-folded keys of OCHA's name and of the primary
    or provisional name agree; 2, OCHA's name equals any other Cyrillic name of the row
    (Сєвєродонецьк beside Сіверськодонецьк); 1, the folded keys differ by one edit
    (Оленівка / Olenevka). Within a level, the nearest hromada centroid wins; beyond
    :data:`MAX_KM` (plus :data:`RAION_SLACK_KM` for raion centroids) nothing matches.
    """
    by_strict: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_loose: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_delete: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j, s in enumerate(ocha):
        by_strict[s.oblast, strict_key(s.name_uk)].append(j)
        lk = loose_key(s.name_uk)
        by_loose[s.oblast, lk].append(j)
        if len(lk) >= 5:
            for d in deletions(lk):
                by_delete[s.oblast, d].append(j)
    pairs: list[tuple[int, float, int, int]] = []
    for i, g in enumerate(track(geo, description="matching GeoNames to OCHA")):
        for j, level in _candidates(g, by_strict, by_loose, by_delete, ocha).items():
            s = ocha[j]
            _, _, dist = GEOD.inv(float(g["longitude"]), float(g["latitude"]), s.lon, s.lat)
            limit = MAX_KM[level] + (RAION_SLACK_KM if s.precision == "raion" else 0.0)
            if dist / 1000.0 <= limit:
                pairs.append((-level, dist, i, j))
    matched: dict[int, Ocha] = {}
    used: set[int] = set()
    for _, _, i, j in sorted(pairs):
        if i not in matched and j not in used:
            matched[i] = ocha[j]
            used.add(j)
    return matched


def _candidates(
    g: dict[str, str],
    by_strict: dict[tuple[str, str], list[int]],
    by_loose: dict[tuple[str, str], list[int]],
    by_delete: dict[tuple[str, str], list[int]],
    ocha: Sequence[Ocha],
) -> dict[int, int]:
    """OCHA index → evidence level for one GeoNames row (already carrying ``_oblast``)."""
    oblast, main = g["_oblast"], g["name"]
    cyrillic = clean_cyrillic(split(g["names_cyr_uk_marked"]) + split(g["names_cyr_ambiguous"]))
    provisional = g["_uk_provisional"]
    found: dict[int, int] = {}

    def add(js: Iterable[int], level: int) -> None:
        for j in js:
            found[j] = max(found.get(j, 0), level)

    if provisional:
        add(by_strict.get((oblast, strict_key(provisional)), ()), 4)
    for name in cyrillic:
        add(by_strict.get((oblast, strict_key(name)), ()), 2)
    keys = {loose_key(main)} | ({loose_key(provisional)} if provisional else set())
    for key in keys:
        add(by_loose.get((oblast, key), ()), 3)
        if len(key) >= 5:
            near = {j for d in deletions(key) for j in by_delete.get((oblast, d), ())}
            add((j for j in near if levenshtein(loose_key(ocha[j].name_uk), key) <= 1), 1)
    return found


# ------------------------------------------------------------------ names


def name_geonames_row(g: dict[str, str], ocha: Ocha | None) -> tuple[str, str, str | None, str]:
    """(en, uk, ru or None, sources so far) for one GeoNames row."""
    uk_marked, unmarked = split(g["names_cyr_uk_marked"]), split(g["names_cyr_ambiguous"])
    chosen = choose_uk(g["name"], uk_marked, unmarked, ocha.name_uk if ocha else None)
    uk, uk_src = chosen if chosen else (canonical_uk(cyrillic_from_latin(g["name"])), "t")
    ru = choose_ru(uk, split(g["names_cyr_ru_marked"]), unmarked)
    en, en_src = choose_en(uk, g["name"], split(g["names_latin"]), ocha.name_en if ocha else None)
    return en, uk, ru, en_src + uk_src


def russian_by_homonym(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """strict_key(Ukrainian) → Russian name, where GeoNames' homonyms agree (≥ 2/3)."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for uk, ru in pairs:
        seen[strict_key(uk)][ru] += 1
    out: dict[str, str] = {}
    for key, counts in seen.items():
        ru, n = counts.most_common(1)[0]
        if n * 3 >= 2 * sum(counts.values()):
            out[key] = ru
    return out


def rule_accuracy(pairs: Sequence[tuple[str, str]]) -> tuple[float, float]:
    """Share of GeoNames (uk, ru) pairs that russianize() and the homonym table (leave one
    out) reproduce: the figures quoted in docs/gazetteer.md."""
    rules = sum(strict_key(russianize(uk)) == strict_key(ru) for uk, ru in pairs)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for uk, ru in pairs:
        counts[strict_key(uk)][ru] += 1
    tried = hits = 0
    for uk, ru in pairs:
        rest = counts[strict_key(uk)].copy()
        rest[ru] -= 1
        rest = +rest
        if rest:
            tried += 1
            best, n = rest.most_common(1)[0]
            hits += n * 3 >= 2 * sum(rest.values()) and best == ru
    return rules / max(len(pairs), 1), hits / max(tried, 1)


# ------------------------------------------------------------------ assembly


def nearest_hromada(
    lat: float, lon: float, oblast: str, hromadas: dict[str, list[tuple[str, str, float, float]]]
) -> tuple[str | None, str | None]:
    """(raion, hromada) P-codes of the hromada whose centroid is nearest, in the oblast."""
    cands = hromadas.get(oblast, [])
    if not cands:
        return None, None
    lats = np.array([c[2] for c in cands])
    lons = np.array([c[3] for c in cands])
    _, _, dist = GEOD.inv(np.full_like(lons, lon), np.full_like(lats, lat), lons, lats)
    best = cands[int(np.argmin(dist))]
    return best[1], best[0]


def build(shared: Path, console: Console) -> tuple[list[Settlement], list[AdminUnit]]:
    """All settlements and admin units, in output order."""
    admin_rows = read_csv(shared / ADMIN_FILE)
    geo = read_csv(shared / GEONAMES_FILE)
    ocha = read_ocha(read_csv(shared / OCHA_FILE), admin_rows)
    hromadas: dict[str, list[tuple[str, str, float, float]]] = defaultdict(list)
    for r in admin_rows:
        if r["level"] == "hromada" and r["lat_centroid"]:
            oblast = r["parent_pcode"][:4]
            hromadas[oblast].append(
                (r["pcode"], r["parent_pcode"], float(r["lat_centroid"]), float(r["lon_centroid"]))
            )
    for g in geo:
        g["_oblast"] = oblast_of(g)
        first = choose_uk(
            g["name"], split(g["names_cyr_uk_marked"]), split(g["names_cyr_ambiguous"]), None
        )
        g["_uk_provisional"] = first[0] if first else ""
    matched = match_places(geo, ocha)
    named = {i: name_geonames_row(g, matched.get(i)) for i, g in enumerate(geo)}
    ru_pairs = [(uk, ru) for en, uk, ru, src in named.values() if ru is not None]
    homonym_ru = russian_by_homonym(ru_pairs)
    rule_acc, homonym_acc = rule_accuracy(ru_pairs)
    console.print(
        f"Russian fallbacks on {len(ru_pairs)} GeoNames pairs: rules reproduce "
        f"{rule_acc:.1%}, homonyms (leave-one-out) {homonym_acc:.1%}"
    )

    def russian(uk: str, ru: str | None, geonameid: int = 0) -> tuple[str, str]:
        if geonameid in RUSSIAN_NAMES:
            return RUSSIAN_NAMES[geonameid], "c"
        if ru is not None:
            return ru, "g"
        if strict_key(uk) in homonym_ru:
            return homonym_ru[strict_key(uk)], "h"
        return russianize(uk), "t"

    settlements: list[Settlement] = []
    for i, g in enumerate(track(geo, description="naming GeoNames places")):
        en, uk, ru_found, src = named[i]
        ru, ru_src = russian(uk, ru_found, int(g["geonameid"]))
        o = matched.get(i)
        lat, lon = float(g["latitude"]), float(g["longitude"])
        raion, hromada = (
            (o.raion, o.hromada) if o else nearest_hromada(lat, lon, g["_oblast"], hromadas)
        )
        alternates = clean_latin([g["name"], *split(g["names_latin"])]) + clean_cyrillic(
            split(g["names_cyr_uk_marked"])
            + split(g["names_cyr_ru_marked"])
            + split(g["names_cyr_ambiguous"])
        )
        if o:
            alternates += [o.name_en, o.name_uk]
        variants, aliases = split_alternates([en, uk, ru], alternates)
        settlements.append(
            Settlement(
                id=f"geonames:{g['geonameid']}", name_en=en, name_uk=uk, name_ru=ru,
                lat=lat, lon=lon, precision="point", population=int(g["population"] or 0),
                oblast=g["_oblast"], raion=raion, hromada=hromada,
                geonameid=int(g["geonameid"]), pcode=o.pcode if o else None,
                sources=src + ru_src, variants=tuple(variants), aliases=tuple(aliases),
            )
        )  # fmt: skip
    used = {o.pcode for o in matched.values()}
    for o in ocha:
        if o.pcode in used:
            continue
        uk = canonical_uk(o.name_uk)
        ru, ru_src = russian(uk, None)
        settlements.append(
            Settlement(
                id=f"ocha:{o.pcode}", name_en=o.name_en, name_uk=uk, name_ru=ru, lat=o.lat,
                lon=o.lon, precision=o.precision, population=None, oblast=o.oblast,  # type: ignore[arg-type]
                raion=o.raion, hromada=o.hromada, pcode=o.pcode, sources="oo" + ru_src,
            )
        )  # fmt: skip
    console.print(f"matched {len(matched)} of {len(geo)} GeoNames places to OCHA settlements")
    return settlements, build_admin(admin_rows)


def write_table(path: Path, columns: Sequence[str], rows: Iterable[dict[str, str]]) -> int:
    """Write a gzip'd CSV deterministically (no timestamp or file name in the header)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow(row)
        n += 1
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        gz.write(buf.getvalue().encode("utf-8"))
    return n


def report(settlements: Sequence[Settlement], console: Console) -> None:
    """Row counts and where the names came from."""
    exact = [s for s in settlements if s.exact]
    console.print(f"{len(settlements)} settlements: {len(exact)} with GeoNames coordinates")
    console.print(f"  precision: {dict(Counter(s.precision for s in settlements))}")
    for k, lang in enumerate(("en", "uk", "ru")):
        for label, group in (("GeoNames places", exact), ("all", settlements)):
            counts = Counter(s.sources[k] for s in group)
            console.print(f"  {lang} name sources ({label}): {dict(sorted(counts.items()))}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--out", type=Path, default=REPO / "src/truceline/gazetteer/data")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    settlements, admin = build(args.shared, console)
    args.out.mkdir(parents=True, exist_ok=True)
    n = write_table(
        args.out / "settlements.csv.gz", SETTLEMENT_COLUMNS, map(settlement_to_row, settlements)
    )
    m = write_table(args.out / "admin_units.csv.gz", ADMIN_COLUMNS, map(admin_to_row, admin))
    report(settlements, console)
    for name in ("settlements.csv.gz", "admin_units.csv.gz"):
        console.print(f"wrote {args.out / name} ({(args.out / name).stat().st_size:,} bytes)")
    console.print(f"{n} settlement rows, {m} admin unit rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
