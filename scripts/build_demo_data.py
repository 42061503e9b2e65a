"""Build Truceline's ILLUSTRATIVE demo data from open public sources.

Reads the project's shared data directory (``/work/shared/data`` by default, ``--shared DIR``
to override) and writes ``src/truceline/demo/data/``: an illustrative ceasefire agreement along
the 2015-2022 Donbas line of contact, about 150 sensors of contributing nations, their status
spans, and one day (2026-03-02 UTC) of raw inputs: weather, detections (from the project's
simulator), observations and tracks, plus the day's ground truth for evaluation.

Nothing here is a real agreement, deployment or incident record: the geometry comes from
public sources (ISW/CTP, GeoNames, Minregion; see ``src/truceline/demo/ATTRIBUTION.md``), the
rest is invented to exercise the software. The output is deterministic: every random draw
comes from one seeded ``numpy.random.Generator``.

Run: ``.venv/bin/python scripts/build_demo_data.py [--shared DIR] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, unary_union

from truceline.geo import enu_rotation, geodetic_to_ecef
from truceline.timefmt import format_time

SEED = 20260302
DAY = datetime(2026, 3, 2, tzinfo=UTC)
EFFECTIVE_FROM = datetime(2026, 3, 1, tzinfo=UTC)
ILLUSTRATIVE = (
    "ILLUSTRATIVE demo data built for software testing: not a real agreement, deployment, "
    "incident or allegation"
)
REPO = Path(__file__).resolve().parents[1]
CONTACT_LINE_FILE = "lines/donbas_contact_line_approx_2015-2022.geojson"
ISW_FILE = "lines/isw_occupied_areas_2022-02-24_crimea_ordlo.geojson"
OBLAST_FILE = "boundaries/ua_oblasts_2020_minregion.geojson"
GEONAMES_FILE = "gazetteer/geonames_ua_cities500_multilingual.csv"

MINSK = "Package of Measures for the Implementation of the Minsk Agreements (Minsk II), 12 Feb 2015"
MINSK_ADDENDUM = "Addendum to the Package of Measures on the withdrawal of weapons, 29 Sep 2015"
FRAMEWORK_2016 = "Framework Decision on Disengagement of Forces and Hardware, 21 Sep 2016"
ANNEX = "Illustrative Paris 2026 monitoring annex"

# UTM zone 37N: metric plane for building polygons (buffers, offsets) only; every
# measurement that matters downstream is made on the ellipsoid by the package itself.
_TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)
_TO_DEG = Transformer.from_crs("EPSG:32637", "EPSG:4326", always_xy=True)


def to_m(g: BaseGeometry) -> BaseGeometry:
    return shapely.transform(g, lambda c: np.column_stack(_TO_M.transform(c[:, 0], c[:, 1])))


def to_deg(g: BaseGeometry) -> BaseGeometry:
    return shapely.transform(g, lambda c: np.column_stack(_TO_DEG.transform(c[:, 0], c[:, 1])))


def xy(lat: float, lon: float) -> tuple[float, float]:
    x, y = _TO_M.transform(lon, lat)
    return float(x), float(y)


def latlon(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_DEG.transform(x, y)
    return float(lat), float(lon)


def iso(t: datetime) -> str:
    return format_time(t)


def at(hours: float) -> datetime:
    """A moment of the demo day, ``hours`` after 00:00 UTC, rounded to the microsecond."""
    return DAY + timedelta(microseconds=round(hours * 3_600_000_000))


def r6(v: float) -> float:
    return round(float(v), 6)


# --------------------------------------------------------------------------- sources


@dataclass
class Sources:
    line: LineString  # degrees, from the Azov coast (start) to the Russian border (end)
    ordlo: Polygon
    ukraine_east: BaseGeometry
    places: dict[str, tuple[float, float]]


def _load_json(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def load_places(path: Path) -> dict[str, tuple[float, float]]:
    """GeoNames places of Donetsk and Luhansk oblasts by name; the most populous wins."""
    best: dict[str, tuple[int, float, float]] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if not row["oblast_uk_pip"].startswith(("Донецька", "Луганська")):
                continue
            pop = int(row["population"] or 0)
            if row["name"] not in best or pop > best[row["name"]][0]:
                best[row["name"]] = (pop, float(row["latitude"]), float(row["longitude"]))
    return {k: (v[1], v[2]) for k, v in best.items()}


def load_sources(shared: Path) -> Sources:
    line_doc = _load_json(shared / CONTACT_LINE_FILE)
    line = shape(line_doc["features"][0]["geometry"])
    isw = _load_json(shared / ISW_FILE)
    ordlo = next(
        shape(f["geometry"]) for f in isw["features"] if "ORDLO" in f["properties"]["name"]
    )
    oblasts = _load_json(shared / OBLAST_FILE)
    wanted = ("Донецька", "Луганська", "Харківська", "Дніпропетровська", "Запорізька")
    east = unary_union(
        [
            shape(f["geometry"])
            for f in oblasts["features"]
            if f["properties"]["ADMIN_1"].startswith(wanted)
        ]
    )
    return Sources(line, ordlo, east, load_places(shared / GEONAMES_FILE))


# --------------------------------------------------------------------------- geometry helpers


class LineFrame:
    """Positions along the contact line and perpendicular offsets from it (UTM metres)."""

    def __init__(self, line_deg: LineString, ru_area_deg: BaseGeometry) -> None:
        self.line_m = to_m(line_deg)
        self.length = self.line_m.length
        self.ru_m = to_m(ru_area_deg)

    def point(self, s: float) -> tuple[float, float]:
        p = self.line_m.interpolate(s)
        return p.x, p.y

    def normal_ru(self, s: float) -> tuple[float, float]:
        """Unit normal at ``s`` pointing into side RU's area."""
        a = self.line_m.interpolate(max(s - 1500.0, 0.0))
        b = self.line_m.interpolate(min(s + 1500.0, self.length))
        tx, ty = b.x - a.x, b.y - a.y
        n = math.hypot(tx, ty)
        nx, ny = -ty / n, tx / n
        px, py = self.point(s)
        if not self.ru_m.contains(Point(px + 2000 * nx, py + 2000 * ny)):
            nx, ny = -nx, -ny
        return nx, ny

    def offset(self, s: float, d_ru: float) -> tuple[float, float]:
        """Lat, lon of the point ``d_ru`` metres from the line at ``s`` (positive: into RU)."""
        px, py = self.point(s)
        nx, ny = self.normal_ru(s)
        return latlon(px + d_ru * nx, py + d_ru * ny)

    def locate(self, lat: float, lon: float) -> float:
        return float(self.line_m.project(Point(*xy(lat, lon))))

    def signed_distance(self, lat: float, lon: float) -> float:
        """Distance from the line, metres, positive inside side RU's area."""
        p = Point(*xy(lat, lon))
        d = float(self.line_m.distance(p))
        return d if self.ru_m.contains(p) else -d


def snap_to_line(line: LineString, lat: float, lon: float) -> tuple[float, float]:
    p = nearest_points(line, Point(lon, lat))[0]
    return p.y, p.x


def circle_deg(lat: float, lon: float, radius_m: float, quad_segs: int = 8) -> BaseGeometry:
    return to_deg(Point(*xy(lat, lon)).buffer(radius_m, quad_segs=quad_segs))


def clean_polygon(g: BaseGeometry) -> BaseGeometry:
    """Round to 1e-6 degrees (about 0.1 m), drop slivers, keep it valid."""
    g = shapely.set_precision(shapely.make_valid(g), 1e-6)
    parts = [p for p in getattr(g, "geoms", [g]) if isinstance(p, Polygon) and p.area > 1e-4]
    out = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    assert out.is_valid, shapely.validation.explain_validity(out)
    return out


def round_geom(g: BaseGeometry) -> dict[str, Any]:
    """GeoJSON geometry with coordinates rounded to 6 decimals (about 0.1 m)."""
    return mapping(shapely.set_precision(g, 1e-6, mode="pointwise"))


# --------------------------------------------------------------------------- agreement


def control_areas(src: Sources) -> tuple[BaseGeometry, BaseGeometry]:
    """RU: the ISW ORDLO polygon; UA: government-held ground within 80 km of the line."""
    ru = clean_polygon(src.ordlo)
    band = to_m(src.line).buffer(80_000.0, quad_segs=16)
    line_m = to_m(src.line)
    raw = band.intersection(to_m(src.ukraine_east)).difference(to_m(src.ordlo))
    # An opening of 500 m removes the slivers left between two digitisations of the national
    # border; the strip along the line is put back untouched so the shared edge stays exact.
    opened = raw.buffer(-500.0).buffer(500.0)
    ua_m = opened.union(raw.intersection(line_m.buffer(3000.0))).simplify(40.0)
    parts = sorted(getattr(ua_m, "geoms", [ua_m]), key=lambda p: -p.area)
    ua = clean_polygon(shapely.difference(to_deg(parts[0]), ru, grid_size=1e-6))
    # Rounding can reintroduce hairline overlaps; subtract again on the same grid.
    ua = clean_polygon(shapely.difference(ua, ru, grid_size=1e-6))
    assert shapely.intersection(ua, ru).area < 1e-10
    return ua, ru


def line_sectors(
    src: Sources, frame: LineFrame, area: BaseGeometry, cuts: list[tuple[str, float]]
) -> list[tuple[str, BaseGeometry]]:
    """Reporting sectors: the 30 km corridor along the line, split where ``cuts`` say.

    Each point of the corridor goes to the sector of the nearest stretch of line (Voronoi
    cells of a 1 km densified line), so the sectors tile the corridor without overlap.
    """
    s_cut = [0.0] + [frame.locate(*src.places[p]) if p in src.places else v for p, v in cuts]
    s_cut = [0.0, *sorted(s_cut[1:]), frame.length]
    ss = np.arange(0.0, frame.length + 1.0, 1000.0)
    pts = [Point(frame.point(float(s))) for s in ss]
    cells = shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=frame.line_m.buffer(60_000))
    by_point = {(round(p.x, 3), round(p.y, 3)): i for i, p in enumerate(pts)}
    corridor = frame.line_m.buffer(30_000.0).intersection(to_m(area))
    groups: list[list[BaseGeometry]] = [[] for _ in range(len(s_cut) - 1)]
    for cell in cells.geoms:
        inside = [i for k, i in by_point.items() if cell.contains(Point(k))]
        if not inside:
            continue
        s = ss[inside[0]]
        k = max(j for j in range(len(s_cut) - 1) if s >= s_cut[j] or j == 0)
        groups[k].append(cell)
    names = ["Mariupol", "Donetsk south", "Donetsk north", "Luhansk"]
    out = []
    for name, cells_k in zip(names, groups, strict=True):
        poly = unary_union(cells_k).intersection(corridor).simplify(100.0)
        out.append((name, clean_polygon(to_deg(poly))))
    return out


def feature(role: str, geom: BaseGeometry | dict[str, Any], **props: Any) -> dict[str, Any]:
    g = geom if isinstance(geom, dict) else round_geom(geom)
    return {"type": "Feature", "properties": {"role": role, **props}, "geometry": g}


def point_geom(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [r6(lon), r6(lat)]}


@dataclass
class Geo:
    """The agreement's geometry, kept for building the rest of the scenario."""

    line: LineString
    ua: BaseGeometry
    ru: BaseGeometry
    frame: LineFrame
    dfs: tuple[float, float]
    disengagement: dict[str, BaseGeometry]
    holding: dict[str, tuple[str, float, float]]
    no_fly: dict[str, BaseGeometry]
    crossings: dict[str, tuple[float, float]]
    doc: dict[str, Any] = field(default_factory=dict)


def build_agreement(src: Sources) -> Geo:
    ua, ru = control_areas(src)
    frame = LineFrame(src.line, ru)
    pl = src.places
    line = shapely.set_precision(src.line, 1e-6, mode="pointwise")

    def on_line(lat: float, lon: float) -> tuple[float, float]:
        return snap_to_line(line, lat, lon)

    # Disengagement areas: 4 km across, straddling the line at the line point nearest the
    # settlement (Petrivske is not in GeoNames cities500: nearest line point to Styla).
    dis_anchor = {
        "Stanytsia Luhanska": pl["Stanytsya-Luhanska"],
        "Zolote": pl["Zolote"],
        "Petrivske": pl["Styla"],
    }
    disengagement = {}
    for name, (lat, lon) in dis_anchor.items():
        c = on_line(lat, lon)
        disengagement[name] = clean_polygon(
            circle_deg(*c, 2000.0).intersection(to_deg(to_m(line).buffer(1600.0)))
        )
    # Donetsk Filter Station: approximate position on the line between Avdiivka and Yasynuvata.
    avd, yas = pl["Avdiyivka"], pl["Yasynuvata"]
    dfs = on_line((avd[0] + yas[0]) / 2 + 0.012, (avd[1] + yas[1]) / 2)
    crossings = {
        "Stanytsia Luhanska (bridge)": on_line(*pl["Stanytsya-Luhanska"]),
        "Zolote": on_line(*pl["Zolote"]),
        "Maiorske": on_line(
            (pl["Horlivka"][0] + pl["Toretsk"][0]) / 2, (pl["Horlivka"][1] + pl["Toretsk"][1]) / 2
        ),
        "Marinka": on_line(*pl["Mar'yinka"]),
        "Novotroitske": on_line(*pl["Olenivka"]),
        "Hnutove": on_line(*pl["Hnutove"]),
    }
    holding = holding_areas(frame, ua, ru, pl)
    no_fly = {
        "Donetsk Filter Station no-fly zone": circle_deg(*dfs, 5000.0, 16),
        "Stanytsia Luhanska crossing no-fly zone": circle_deg(
            *crossings["Stanytsia Luhanska (bridge)"], 4000.0, 16
        ),
    }
    sectors = line_sectors(
        src, frame, unary_union([ua, ru]), [("Olenivka", 0.0), ("Avdiyivka", 0.0), ("Popasna", 0.0)]
    )
    geo = Geo(src.line, ua, ru, frame, dfs, disengagement, holding, no_fly, crossings)
    geo.doc = agreement_document(geo, line, sectors)
    return geo


def holding_areas(
    frame: LineFrame, ua: BaseGeometry, ru: BaseGeometry, pl: dict[str, tuple[float, float]]
) -> dict[str, tuple[str, float, float]]:
    """Declared holding areas 30-60 km behind each side's line, near named towns."""
    wanted = {
        "UA": [
            ("Kramatorsk", "Kramatorsk holding area"),
            ("Pokrovsk", "Pokrovsk holding area"),
            ("Rubizhne", "Rubizhne holding area"),
        ],
        "RU": [
            ("Ilovays’k", "Ilovaisk holding area"),
            ("Snizhne", "Snizhne holding area"),
            ("Amvrosiivka", "Amvrosiivka holding area"),
        ],
    }
    out: dict[str, tuple[str, float, float]] = {}
    for side, items in wanted.items():
        area = ua if side == "UA" else ru
        for town, name in items:
            lat, lon = pl[town] if town in pl else _fallback_town(town)
            # Put the site 3 km outside town, then check the declared 30-60 km band.
            lat, lon = lat + 0.02, lon - 0.02
            d = abs(frame.signed_distance(lat, lon))
            assert area.contains(Point(lon, lat)), (name, lat, lon)
            assert 30_000 <= d <= 60_000, (name, d)
            out[name] = (side, lat, lon)
    return out


def _fallback_town(town: str) -> tuple[float, float]:
    raise KeyError(f"{town} not in the gazetteer")


def agreement_document(
    geo: Geo, line: LineString, sectors: list[tuple[str, BaseGeometry]]
) -> dict[str, Any]:
    feats = [
        feature(
            "contact_line",
            line,
            name="Line of contact (approximate, 2015-2022)",
            instrument=f"{MINSK}, para. 1-2; line per ISW/CTP (approximate, not official)",
            source="ISW/CTP Assessed Russian Control of Terrain, 2022-02-24, derived",
        ),
        feature(
            "control_area",
            geo.ru,
            side="RU",
            name="Area held by side RU (ISW/CTP, 2022-02-24)",
            instrument=f"{MINSK}, para. 2",
            source="ISW/CTP Assessed Russian Control of Terrain, 2022-02-24",
        ),
        feature(
            "control_area",
            geo.ua,
            side="UA",
            name="Area held by side UA within 80 km of the line (illustrative extent)",
            instrument=f"{MINSK}, para. 2",
            source="ISW/CTP line buffered, clipped to Minregion oblasts (© Мінрегіон)",
        ),
    ]
    for name, poly in sectors:
        feats.append(feature("sector", poly, name=name, instrument=f"{ANNEX}, art. 4"))
    for name, poly in geo.disengagement.items():
        feats.append(
            feature(
                "disengagement_area",
                poly,
                name=f"{name} disengagement area",
                instrument=f"{FRAMEWORK_2016}, para. 2",
                extent="illustrative: 4 km across",
            )
        )
    feats.append(
        feature(
            "protected_site",
            point_geom(*geo.dfs),
            name="Donetsk Filter Station",
            radius_m=1000,
            instrument=f"{ANNEX}, art. 7 (critical civilian infrastructure)",
            position="approximate: on the line between Avdiivka and Yasynuvata, near Vasylivka",
        )
    )
    for name, (side, lat, lon) in geo.holding.items():
        geom: dict[str, Any] | BaseGeometry = point_geom(lat, lon)
        if name.startswith(("Kramatorsk", "Ilovaisk")):
            geom = to_deg(Point(*xy(lat, lon)).buffer(600.0, cap_style="square"))
        feats.append(
            feature(
                "holding_area", geom, side=side, name=name, instrument=f"{MINSK_ADDENDUM}, para. 5"
            )
        )
    for name, poly in geo.no_fly.items():
        feats.append(feature("no_fly_zone", poly, name=name, instrument=f"{ANNEX}, art. 9"))
    for name, (lat, lon) in geo.crossings.items():
        feats.append(
            feature(
                "crossing_point",
                point_geom(lat, lon),
                name=name,
                instrument=f"{ANNEX}, art. 11",
                position="approximate: where the road meets the line",
            )
        )
    for f in feats:
        f["properties"]["illustrative"] = True
    withdrawal = [
        ("artillery_100mm_plus", 25),
        ("mlrs", 35),
        ("mlrs_heavy", 70),
        ("tactical_missile", 70),
        ("tank", 15),
        ("artillery_lt100", 15),
        ("mortar_le120", 15),
    ]
    return {
        "type": "FeatureCollection",
        "agreement": {
            "id": "demo-donbas-2026",
            "title": "ILLUSTRATIVE demo: ceasefire along the 2015-2022 Donbas line of contact",
            "version": 1,
            "effective_from": iso(EFFECTIVE_FROM),
            "sides": [
                {"code": "UA", "name": "Ukraine (government-controlled areas)"},
                {"code": "RU", "name": "Russia and the armed formations it controls"},
            ],
            "withdrawal": [{"weapon_class": w, "distance_km": d} for w, d in withdrawal],
            "prohibited": ["fire", "uav_overflight", "forward_movement"],
            "illustrative": True,
            "notice": ILLUSTRATIVE,
            "instruments": [MINSK, MINSK_ADDENDUM, FRAMEWORK_2016, f"{ANNEX} (fictional)"],
        },
        "features": feats,
    }


# --------------------------------------------------------------------------- terrain, sensors


def ground_height(lat: float, lon: float) -> float:
    """Modelled ground height above the WGS84 ellipsoid, metres (no DEM: a smooth stand-in).

    The Donetsk Ridge runs WNW-ESE through Horlivka and Debaltseve at 200-330 m; the land falls
    towards the Siverskyi Donets valley in the north (about 60-100 m) and the Azov coast in the
    south. The geoid lies about 16 m above the ellipsoid there.
    """
    ridge_lat = 48.22 + 0.08 * (lon - 38.3)
    ortho = 70.0 + 230.0 * math.exp(-(((lat - ridge_lat) / 0.33) ** 2))
    if lat < 47.35:
        ortho *= max(0.25, (lat - 47.05) / 0.3)
    return ortho + 16.0


OWNER_BLOCKS = [
    "POL",
    "USA",
    "FRA",
    "USA",
    "GBR",
    "DEU",
    "USA",
    "NLD",
    "CAN",
    "GBR",
    "NOR",
    "USA",
    "FIN",
    "DEU",
]
KIND_PREFIX = {
    "acoustic": "AC",
    "acoustic_array": "AA",
    "seismic": "SE",
    "radar": "RD",
    "camera": "CM",
    "uav": "UV",
}


@dataclass
class SensorRow:
    id: str
    kind: str
    lat: float
    lon: float
    alt_m: float
    owner: str
    timing_sigma_ms: float
    bearing_sigma_deg: float | None
    active_from: datetime
    active_to: datetime | None = None

    def row(self) -> dict[str, str]:
        return {
            "id": self.id,
            "kind": self.kind,
            "lat": f"{self.lat:.6f}",
            "lon": f"{self.lon:.6f}",
            "alt_m": f"{self.alt_m:.1f}",
            "owner": self.owner,
            "timing_sigma_ms": f"{self.timing_sigma_ms:.1f}",
            "bearing_sigma_deg": ""
            if self.bearing_sigma_deg is None
            else f"{self.bearing_sigma_deg:.1f}",
            "active_from": iso(self.active_from),
            "active_to": "" if self.active_to is None else iso(self.active_to),
        }


def build_sensors(geo: Geo, rng: np.random.Generator) -> list[SensorRow]:
    """About 150 sensors within 25 km of the line on both sides, in national blocks.

    National contingents run stretches of the line (blocks of about 10 sensors, as a
    sector would be staffed); radars, cameras and UAV ground stations are the mission's own
    or US-provided. Acoustic picks need several sensors within 10-20 km of a blast, hence a
    spacing of about 12 km.
    """
    kinds = ["acoustic"] * 100 + ["acoustic_array"] * 34 + ["seismic"] * 6
    kinds = list(rng.permutation(kinds))
    n = len(kinds)
    fr = geo.frame
    out: list[SensorRow] = []
    for i, kind in enumerate(kinds):
        owner = OWNER_BLOCKS[(i * len(OWNER_BLOCKS)) // n]
        if rng.random() < 0.06:
            owner = "MISSION"
        lat, lon = _place_near_line(fr, geo, (i + rng.random()) / n * fr.length, rng)
        out.append(_sensor(kind, lat, lon, owner, rng))
    specials = [
        ("radar", 0.12, -9000, "USA"),
        ("radar", 0.33, -12000, "MISSION"),
        ("radar", 0.5, -8000, "USA"),
        ("radar", 0.62, 10000, "MISSION"),
        ("radar", 0.8, -10000, "GBR"),
        ("radar", 0.93, 9000, "MISSION"),
        ("camera", 0.447, -2500, "MISSION"),
        ("camera", 0.955, -1500, "MISSION"),
        ("uav", 0.42, -15000, "MISSION"),
        ("uav", 0.75, -18000, "USA"),
    ]
    for kind, frac, d, owner in specials:
        lat, lon = fr.offset(frac * fr.length, d)
        out.append(_sensor(kind, lat, lon, owner, rng))
    for k, s in enumerate(out, start=1):
        s.id = f"{KIND_PREFIX[s.kind]}-{k:04d}"
    return out


def _place_near_line(
    fr: LineFrame, geo: Geo, s: float, rng: np.random.Generator
) -> tuple[float, float]:
    for _ in range(50):
        d = float(rng.uniform(2000.0, 25000.0)) * (1 if rng.random() < 0.45 else -1)
        lat, lon = fr.offset(s, d)
        area = geo.ru if d > 0 else geo.ua
        dist = abs(fr.signed_distance(lat, lon))
        if area.contains(Point(lon, lat)) and 1500.0 <= dist <= 25000.0:
            return lat, lon
        s = min(max(s + float(rng.normal(0, 2000.0)), 0.0), fr.length)
    raise RuntimeError("could not place a sensor")


def _sensor(kind: str, lat: float, lon: float, owner: str, rng: np.random.Generator) -> SensorRow:
    alt = (
        ground_height(lat, lon) + float(rng.normal(0.0, 12.0)) + (8.0 if kind != "seismic" else 0.0)
    )
    sigma = float(rng.choice([1.0, 1.5, 2.0, 2.5, 3.0]))
    bearing = float(rng.choice([2.0, 3.0, 4.0])) if kind == "acoustic_array" else None
    start = datetime(2026, 1, 10, tzinfo=UTC) + timedelta(
        days=int(rng.integers(0, 45)), hours=int(rng.integers(0, 24))
    )
    return SensorRow("", kind, lat, lon, alt, owner, sigma, bearing, start)


def sensor_status(sensors: list[SensorRow]) -> list[dict[str, Any]]:
    """Status spans of the demo day: outages long enough to leave coverage gaps on the map."""
    by_kind = [s for s in sensors if s.kind in ("acoustic", "acoustic_array", "seismic")]
    # Four neighbouring sensors near the middle of the line lose power together overnight.
    mid = sorted(by_kind, key=lambda s: abs(s.lat - 48.43) + abs(s.lon - 38.22))[:4]
    spans = [
        (
            s.id,
            "non_operational",
            1.0,
            7.5,
            "mains power cut after shelling of the local substation",
        )
        for s in mid
    ]
    south = sorted(by_kind, key=lambda s: abs(s.lat - 47.2) + abs(s.lon - 37.8))[:2]
    spans += [
        (south[0].id, "degraded", 9.0, 15.0, "high wind noise on the coast; picks unreliable"),
        (
            south[1].id,
            "non_operational",
            12.0,
            24.0,
            "communications link down (satellite terminal fault)",
        ),
    ]
    north = sorted(by_kind, key=lambda s: abs(s.lat - 48.65) + abs(s.lon - 39.3))[:1]
    spans += [
        (
            north[0].id,
            "non_operational",
            0.0,
            24.0,
            "damaged by fire on 2026-03-01; replacement pending",
        )
    ]
    radar = next(s for s in sensors if s.kind == "radar")
    spans += [(radar.id, "degraded", 18.0, 21.0, "GNSS interference affecting time stamps")]
    return [
        {"sensor": sid, "status": st, "from": iso(at(a)), "to": iso(at(b)), "reason": why}
        for sid, st, a, b, why in spans
    ]


def down_spans(status: list[dict[str, Any]]) -> dict[str, list[tuple[float, float]]]:
    """Hours of the demo day in which each sensor heard nothing."""
    out: dict[str, list[tuple[float, float]]] = {}
    for s in status:
        if s["status"] == "non_operational":
            a = (
                datetime.fromisoformat(s["from"].replace("Z", "+00:00")) - DAY
            ).total_seconds() / 3600
            b = (
                datetime.fromisoformat(s["to"].replace("Z", "+00:00")) - DAY
            ).total_seconds() / 3600
            out.setdefault(s["sensor"], []).append((a, b))
    return out


# --------------------------------------------------------------------------- the day's fire

# Where fire concentrated in 2016-2021 (OSCE SMM reports): the anchors of the day's hotspots.
HOTSPOTS = {
    "Avdiivka-Yasynuvata industrial zone": ("Avdiyivka", "Yasynuvata"),
    "Horlivka": ("Horlivka", "Toretsk"),
    "Svitlodarsk bulge": ("Svetlodarsk", "Svetlodarsk"),
    "Zolote": ("Zolote", "Zolote"),
    "Shyrokyne": ("Shyrokyne", "Shyrokyne"),
    "Marinka": ("Mar'yinka", "Mar'yinka"),
}


def hotspot_points(geo: Geo, pl: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    out = {}
    for name, (a, b) in HOTSPOTS.items():
        lat, lon = (pl[a][0] + pl[b][0]) / 2, (pl[a][1] + pl[b][1]) / 2
        out[name] = snap_to_line(geo.line, lat, lon)
    return out


def night_weight(hours: float) -> float:
    """Relative rate of fire by hour (UTC): most at night, least around midday (local UTC+2)."""
    return 0.15 + 0.85 * (0.5 + 0.5 * math.cos(2 * math.pi * (hours - 22.0) / 24.0)) ** 2


def keep_probability(
    t_h: float, lat: float, lon: float, hot: dict[str, tuple[float, float]]
) -> float:
    """Thinning of a uniform Poisson process into night-time fire around the hotspots."""
    near = max(
        math.exp(-((abs(lat - a) * 111.0) ** 2 + (abs(lon - b) * 74.0) ** 2) / (2 * 8.0**2))
        for a, b in hot.values()
    )
    return night_weight(t_h) * (0.08 + 0.92 * near)


@dataclass
class Day:
    """The simulated day: detections (as dicts), weather and the truth behind them."""

    detections: list[dict[str, Any]]
    weather: list[dict[str, Any]]
    truth: Any  # truceline.fusion.truth.Truth
    shots: dict[str, dict[str, Any]]  # shot id -> {"launch": blast, "impact": blast}


def _hearing_models(sensors: list[SensorRow]) -> list[Any]:
    from truceline.formats.records import Sensor

    rows = [s.row() for s in sensors if s.kind in ("acoustic", "acoustic_array", "seismic")]
    return [Sensor.model_validate({k: v for k, v in r.items() if v != ""}) for r in rows]


def simulate_day(
    geo: Geo,
    sensors: list[SensorRow],
    status: list[dict[str, Any]],
    pl: dict[str, tuple[float, float]],
) -> Day:
    """One day of fire through ``truceline.fusion.simulate``, thinned to a realistic pattern.

    The simulator draws shots uniformly in time and along the line (a Poisson process); keeping
    each shot with probability ``keep_probability`` (night-time, near the hotspots) thins it
    into an inhomogeneous Poisson process of the wanted shape without touching the physics.
    Two set-piece shots (the filter station, the Zolote disengagement area) are added through
    the simulator's own hearing model; status spans then silence the sensors that were down.
    """
    from truceline.fusion import simulate as sim

    models = _hearing_models(sensors)
    front = sim.Front(
        contact_line=tuple((float(x), float(y)) for x, y in geo.line.coords),
        control_areas={"UA": mapping(geo.ua), "RU": mapping(geo.ru)},
        side_names={
            "UA": "Ukraine (government-controlled areas)",
            "RU": "Russia and the armed formations it controls",
        },
    )
    cfg = sim.SimulationConfig.from_preset(
        "moderate",
        seed=SEED,
        hours=24.0,
        start=DAY,
        shots_per_hour=70.0,
        salvos_per_hour=0.2,
        salvo_size=30,
        false_alarms_per_sensor_hour=0.4,
        outages=0,
        temperature_c=1.5,
        temperature_swing_c=4.5,
        wind_ms=4.0,
        own_side_impact_fraction=0.03,
    )
    rng = np.random.default_rng(SEED)
    scen = sim.simulate(cfg, rng, front=front, sensors=models)
    hot = hotspot_points(geo, pl)
    blasts = list(scen.truth.blasts)
    keep_shot: dict[str, bool] = {}
    salvos_kept = 0
    for b in blasts:
        if b.phase != "launch" or b.shot in keep_shot:
            continue
        t_h = (b.time - DAY).total_seconds() / 3600.0
        if b.salvo is not None:
            keep_salvo = keep_shot.get(b.salvo)
            if keep_salvo is None:
                keep_salvo = salvos_kept < 2 and rng.random() < night_weight(t_h) + 0.3
                salvos_kept += int(keep_salvo)
                keep_shot[b.salvo] = keep_salvo
            keep_shot[b.shot] = keep_salvo
        else:
            keep_shot[b.shot] = bool(rng.random() < keep_probability(t_h, b.lat, b.lon, hot))
    kept = [b for b in blasts if keep_shot.get(b.shot, False)]
    dets = {d.id: to_det_dict(d) for d in scen.detections}
    extra_blasts, extra_dets = set_pieces(sim, geo, cfg, scen, models, front, rng)
    dets.update(extra_dets)
    return finish_day(kept + extra_blasts, scen.truth.false_alarms, dets, scen.weather, status, rng)


def to_det_dict(d: Any) -> dict[str, Any]:
    from truceline.formats.records import to_json_dict

    return to_json_dict(d)


def set_pieces(
    sim: Any, geo: Geo, cfg: Any, scen: Any, models: list[Any], front: Any, rng: np.random.Generator
) -> tuple[list[Any], dict[str, dict[str, Any]]]:
    """Fire at the Donetsk Filter Station (from RU) and into the Zolote area (from UA)."""
    from truceline.fusion.truth import TrueBlast
    from truceline.timefmt import to_micros

    geom = sim._Geometry(front)
    net = sim._Network(models)
    start_us = to_micros(DAY)
    w_us = [to_micros(w.time) for w in scen.weather]
    zolote = geo.disengagement["Zolote"].centroid
    pieces = [
        # (shot, origin hours, weapon, shooting side, target lat, lon, launch depth m, miss m)
        ("s-dfs", 2.1686, "mortar", "RU", geo.dfs[0], geo.dfs[1], 3200.0, 250.0),
        ("s-zolote", 19.7086, "artillery", "UA", zolote.y, zolote.x, 7000.0, 300.0),
    ]
    blasts: list[Any] = []
    dets: dict[str, dict[str, Any]] = {}
    for shot, t_h, weapon, side, tlat, tlon, depth, miss in pieces:
        s = geo.frame.locate(tlat, tlon)
        sign = 1.0 if side == "RU" else -1.0
        llat, llon = geo.frame.offset(s + float(rng.normal(0, 800.0)), sign * depth)
        ang = rng.uniform(0, 2 * math.pi)
        tx, ty = xy(tlat, tlon)
        ilat, ilon = latlon(tx + miss * math.cos(ang), ty + miss * math.sin(ang))
        rng_m = math.dist(xy(llat, llon), xy(ilat, ilon))
        tof = sim.WEAPONS[weapon].time_of_flight(rng_m, rng)
        ids = {}
        for phase, lat, lon, t_s in (
            ("launch", llat, llon, t_h * 3600.0),
            ("impact", ilat, ilon, t_h * 3600.0 + tof),
        ):
            px, py = geom.plane.to_xy(lon, lat)
            alt = float(sim.terrain_height(px, py)) + (1.5 if phase == "launch" else 0.0)
            b = sim._Blast(t_s, float(px), float(py), phase, weapon, 0, None)
            t_us = start_us + round(t_s * 1e6)
            wx = scen.weather[max(int(np.searchsorted(w_us, t_us, side="right")) - 1, 0)]
            picks = sim.hear_blast(
                0, b, lat, lon, alt, net, wx, cfg, start_us, lambda i, t: False, rng
            )
            bid = f"{shot}-{phase}"
            ids[phase] = bid
            det_ids = []
            for n, p in enumerate(picks):
                did = f"{bid}-{n}"
                dets[did] = {"id": did, "time": iso(from_us(p.t_us)), **p.row}
                det_ids.append((did, p.row["sensor"]))
            blasts.append(
                TrueBlast(
                    id=bid,
                    time=from_us(t_us),
                    lat=lat,
                    lon=lon,
                    alt_m=alt,
                    phase=phase,
                    weapon=weapon,
                    pair=None,
                    shot=shot,
                    salvo=None,
                    side=geom.side_of(lon, lat),
                    line_distance_m=abs(geo.frame.signed_distance(lat, lon)),
                    detections=tuple(d for d, _ in det_ids),
                    sensors=tuple(s for _, s in det_ids),
                )
            )
    # Pair each launch with its impact.
    from dataclasses import replace as dc_replace

    by_shot: dict[str, list[Any]] = {}
    for b in blasts:
        by_shot.setdefault(b.shot, []).append(b)
    out = []
    for pair in by_shot.values():
        a, b = pair
        out += [dc_replace(a, pair=b.id), dc_replace(b, pair=a.id)]
    return out, dets


def from_us(t_us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(t_us))


def finish_day(
    blasts: list[Any],
    alarms: Iterable[Any],
    dets: dict[str, dict[str, Any]],
    weather: Iterable[Any],
    status: list[dict[str, Any]],
    rng: np.random.Generator,
) -> Day:
    """Silence down sensors, renumber everything in time order, build the truth."""
    from dataclasses import replace as dc_replace

    from truceline.formats.records import to_json_dict
    from truceline.fusion.truth import FalseAlarm, Outage, Truth

    down = down_spans(status)
    degraded = {s["sensor"]: s for s in status if s["status"] == "degraded"}

    def silenced(d: dict[str, Any]) -> bool:
        t_h = (
            datetime.fromisoformat(d["time"].replace("Z", "+00:00")) - DAY
        ).total_seconds() / 3600
        if any(a <= t_h < b for a, b in down.get(d["sensor"], ())):
            return True
        deg = degraded.get(d["sensor"])
        if deg is not None and deg["from"] <= d["time"] < deg["to"]:
            return bool(rng.random() < 0.4)
        return False

    used = {d for b in blasts for d in b.detections} | {a.detection for a in alarms}
    live = {k: v for k, v in dets.items() if k in used and not silenced(v)}
    order = sorted(live.values(), key=lambda d: (d["time"], d["sensor"]))
    new_id = {d["id"]: f"d-{n + 1:06d}" for n, d in enumerate(order)}
    detections = [{**d, "id": new_id[d["id"]]} for d in order]
    blasts = sorted(blasts, key=lambda b: (b.time, b.id))
    bid = {b.id: f"b-{n + 1:06d}" for n, b in enumerate(blasts)}
    shots = sorted(
        {b.shot for b in blasts}, key=lambda s: min(b.time for b in blasts if b.shot == s)
    )
    sid = {s: f"s-{n + 1:05d}" for n, s in enumerate(shots)}
    salvos = sorted({b.salvo for b in blasts if b.salvo})
    vid = {v: f"v-{n + 1:03d}" for n, v in enumerate(salvos)}
    new_blasts = []
    for b in blasts:
        keep = [(d, s) for d, s in zip(b.detections, b.sensors, strict=True) if d in new_id]
        new_blasts.append(
            dc_replace(
                b,
                id=bid[b.id],
                pair=bid.get(b.pair) if b.pair else None,
                shot=sid[b.shot],
                salvo=vid[b.salvo] if b.salvo else None,
                detections=tuple(new_id[d] for d, _ in keep),
                sensors=tuple(s for _, s in keep),
                outliers=tuple(new_id[d] for d in b.outliers if d in new_id),
            )
        )
    new_alarms = tuple(
        FalseAlarm(new_id[a.detection], a.sensor) for a in alarms if a.detection in new_id
    )
    outages = tuple(
        Outage(
            s["sensor"],
            datetime.fromisoformat(s["from"].replace("Z", "+00:00")),
            datetime.fromisoformat(s["to"].replace("Z", "+00:00")),
        )
        for s in status
        if s["status"] == "non_operational"
    )
    meta = {
        "preset": "demo",
        "seed": SEED,
        "start": iso(DAY),
        "end": iso(DAY + timedelta(days=1)),
        "hours": 24.0,
        "illustrative": True,
        "notice": ILLUSTRATIVE,
    }
    truth = Truth(tuple(new_blasts), new_alarms, outages, meta)
    shots_by_id: dict[str, dict[str, Any]] = {}
    for b in new_blasts:
        shots_by_id.setdefault(b.shot, {})[b.phase] = b
    return Day(detections, [to_json_dict(w) for w in weather], truth, shots_by_id)


# --------------------------------------------------------------------------- markings

OWNER_MARKINGS: dict[str, dict[str, Any]] = {
    "USA": {"releasable_to": ["USA", "MISSION"], "originator_controlled": True, "tlp": "AMBER"},
    "GBR": {"releasable_to": ["COALITION"], "originator_controlled": False, "tlp": "AMBER"},
    "FRA": {
        "releasable_to": ["FRA", "DEU", "MISSION"],
        "originator_controlled": False,
        "tlp": "AMBER",
    },
    "DEU": {"releasable_to": ["COALITION"], "originator_controlled": False, "tlp": "GREEN"},
    "POL": {
        "releasable_to": ["POL", "USA", "MISSION"],
        "originator_controlled": True,
        "tlp": "AMBER",
    },
    "CAN": {"releasable_to": ["COALITION"], "originator_controlled": False, "tlp": "GREEN"},
    "NLD": {
        "releasable_to": ["COALITION", "PARTIES"],
        "originator_controlled": False,
        "tlp": "GREEN",
    },
    "NOR": {
        "releasable_to": ["NOR", "MISSION"],
        "originator_controlled": True,
        "tlp": "AMBER+STRICT",
    },
    "FIN": {"releasable_to": ["COALITION"], "originator_controlled": False, "tlp": "AMBER"},
    "MISSION": {
        "releasable_to": ["MISSION", "PARTIES"],
        "originator_controlled": False,
        "tlp": "GREEN",
    },
}
PUBLIC = {"releasable_to": ["PUBLIC"], "originator_controlled": False, "tlp": "CLEAR"}


def sensor_markings(sensors: list[SensorRow]) -> dict[str, dict[str, Any]]:
    """Markings by sensor: its owner's policy; three MISSION sensors publish openly."""
    out = {}
    public = [
        s.id for s in sensors if s.owner == "MISSION" and s.kind in ("acoustic", "acoustic_array")
    ][:3]
    for s in sensors:
        m = PUBLIC if s.id in public else OWNER_MARKINGS[s.owner]
        out[s.id] = {**m, "originator": s.owner}
    return out


# --------------------------------------------------------------------------- observations


def _azimuth(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    d = geodetic_to_ecef(lat1, lon1, 0.0) - geodetic_to_ecef(lat0, lon0, 0.0)
    e, n, _ = enu_rotation(lat0, lon0) @ d
    return math.degrees(math.atan2(e, n)) % 360.0


def _dist(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    return float(
        np.linalg.norm(geodetic_to_ecef(lat1, lon1, 0.0) - geodetic_to_ecef(lat0, lon0, 0.0))
    )


def _mk(kind: str, n: int) -> str:
    return f"{kind}-2026-03-02-{n:04d}"


MISSION_M = {"releasable_to": ["MISSION"], "originator_controlled": False, "tlp": "AMBER"}
PARTIES_M = {
    "releasable_to": ["PARTIES", "MISSION"],
    "originator_controlled": False,
    "tlp": "AMBER",
}
ORCON_M = {
    "releasable_to": ["USA", "GBR", "MISSION"],
    "originator_controlled": True,
    "tlp": "AMBER+STRICT",
}


def build_observations(geo: Geo, day: Day, rng: np.random.Generator) -> list[dict[str, Any]]:
    """About 40 reports: patrols, both sides' allegations, open sources, restrictions."""
    shots = [s for s in day.shots.values() if "launch" in s and "impact" in s]
    single = [
        s for s in shots if s["launch"].salvo is None and not s["launch"].id.startswith("s-dfs")
    ]
    rng_idx = rng.permutation(len(single))
    picks = [single[int(i)] for i in rng_idx]
    by_side = {side: [s for s in picks if s["launch"].side == side] for side in ("UA", "RU")}
    obs: list[dict[str, Any]] = []
    obs += monitor_heard(geo, picks[:6], rng)
    obs += monitor_located(picks[6:9], rng)
    obs += set_piece_reports(geo, day)
    obs += allegations(geo, by_side, day, rng)
    obs += open_sources(by_side, rng)
    obs += weapon_reports(geo)
    obs += restrictions(geo)
    obs.sort(key=lambda o: (o["time_from"], o["id"]))
    return obs


def monitor_heard(
    geo: Geo, shots: list[dict[str, Any]], rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Patrols 3-6 km from real impacts: observer, bearing and distance band."""
    out = []
    for k, s in enumerate(shots):
        imp = s["impact"]
        sgn = -1.0 if geo.frame.signed_distance(imp.lat, imp.lon) > 0 else 1.0
        sd = geo.frame.locate(imp.lat, imp.lon) + float(rng.uniform(-4000, 4000))
        olat, olon = geo.frame.offset(sd, -sgn * float(rng.uniform(2500, 5000)))
        if not geo.frame.signed_distance(olat, olon) < 0:  # patrols work on the UA side
            olat, olon = geo.frame.offset(sd, -3500.0)
        d = _dist(olat, olon, imp.lat, imp.lon)
        t0 = imp.time.replace(microsecond=0) - timedelta(seconds=int(rng.integers(10, 60)))
        obs = {
            "id": _mk("mr", len(out) + 1),
            "type": "monitor_report",
            "originator": "MISSION",
            "time_from": iso(t0),
            "time_to": iso(t0 + timedelta(minutes=2)),
            "reported_at": iso(t0 + timedelta(minutes=int(rng.integers(20, 90)))),
            "observer": {"lat": r6(olat), "lon": r6(olon)},
            "direction_deg": float(
                round(_azimuth(olat, olon, imp.lat, imp.lon) + rng.normal(0, 6)) % 360
            ),
            "distance_m": [round(d * 0.6, -2), round(d * 1.4, -2)],
            "category": "explosion",
            "subtype": "undetermined",
            "count": 1,
            "means": "heard",
            "text": f"ILLUSTRATIVE. Patrol heard 1 undetermined explosion {round(d * 0.6 / 1000)}-"
            f"{round(d * 1.4 / 1000)} km away.",
            "language": "en",
            "markings": MISSION_M if k % 3 else PUBLIC,
        }
        out.append(obs)
    return out


def monitor_located(shots: list[dict[str, Any]], rng: np.random.Generator) -> list[dict[str, Any]]:
    """Next-morning crater analysis of three real impacts (location and direction of fire)."""
    out = []
    for k, s in enumerate(shots):
        imp, lau = s["impact"], s["launch"]
        back = _azimuth(imp.lat, imp.lon, lau.lat, lau.lon)
        out.append(
            {
                "id": _mk("mr", 20 + k),
                "type": "monitor_report",
                "originator": "MISSION",
                "time_from": iso(imp.time.replace(microsecond=0) - timedelta(minutes=30)),
                "time_to": iso(imp.time.replace(microsecond=0) + timedelta(minutes=30)),
                "reported_at": iso(DAY + timedelta(days=1, hours=10 + k)),
                "location": {
                    "lat": r6(imp.lat + rng.normal(0, 0.0005)),
                    "lon": r6(imp.lon + rng.normal(0, 0.0007)),
                    "uncertainty_m": 50,
                },
                "category": "explosion",
                "subtype": "impact",
                "count": 1,
                "means": "inspection",
                "weapon_class": "mortar_le120"
                if imp.weapon == "mortar"
                else "artillery_100mm_plus"
                if imp.weapon == "artillery"
                else None,
                "text": f"ILLUSTRATIVE. Fresh crater assessed as caused by a round fired from a "
                f"direction of about {round(back, -1):.0f} degrees.",
                "language": "en",
                "direction_of_fire_deg": round(back, -1),
                "markings": OWNER_MARKINGS["MISSION"] if k else MISSION_M,
            }
        )
    for o in out:
        if o["weapon_class"] is None:
            del o["weapon_class"]
    return out


def set_piece_reports(geo: Geo, day: Day) -> list[dict[str, Any]]:
    """The filter station and the Zolote disengagement area, as the mission saw them."""
    dfs = next(
        s for s in day.shots.values() if _dist(s["impact"].lat, s["impact"].lon, *geo.dfs) < 1000
    )
    z = geo.disengagement["Zolote"]
    zol = next(s for s in day.shots.values() if z.contains(Point(s["impact"].lon, s["impact"].lat)))
    t_d, t_z = dfs["impact"].time.replace(microsecond=0), zol["impact"].time.replace(microsecond=0)
    return [
        {
            "id": _mk("mr", 30),
            "type": "monitor_report",
            "originator": "MISSION",
            "time_from": iso(t_d - timedelta(seconds=30)),
            "time_to": iso(t_d + timedelta(seconds=30)),
            "reported_at": iso(t_d + timedelta(minutes=40)),
            "location": {
                "lat": r6(dfs["impact"].lat),
                "lon": r6(dfs["impact"].lon),
                "uncertainty_m": 150,
            },
            "place": "Donetsk Filter Station",
            "category": "explosion",
            "subtype": "impact",
            "count": 1,
            "means": "camera",
            "weapon_class": "mortar_le120",
            "text": "ILLUSTRATIVE. Mission camera at the Donetsk Filter Station recorded an impact "
            "about 250 m from the station's chlorine store; staff sheltered.",
            "language": "en",
            "attachments": ["5f0c8e2d9a1b4c3e7f6a5d4c3b2a1908f7e6d5c4b3a29181716151413121110f"],
            "markings": ORCON_M,
        },
        {
            "id": _mk("mr", 31),
            "type": "monitor_report",
            "originator": "MISSION",
            "time_from": iso(t_z - timedelta(minutes=1)),
            "time_to": iso(t_z + timedelta(minutes=1)),
            "location": {
                "lat": r6(zol["impact"].lat),
                "lon": r6(zol["impact"].lon),
                "uncertainty_m": 300,
            },
            "category": "explosion",
            "subtype": "impact",
            "count": 1,
            "means": "uav",
            "text": "ILLUSTRATIVE. Mission UAV saw an impact inside the Zolote disengagement area.",
            "language": "en",
            "markings": MISSION_M,
        },
        {
            "id": _mk("mr", 32),
            "type": "monitor_report",
            "originator": "MISSION",
            "time_from": iso(at(16.5)),
            "time_to": iso(at(16.75)),
            "location": {
                "lat": r6(z.centroid.y + 0.004),
                "lon": r6(z.centroid.x - 0.003),
                "uncertainty_m": 100,
            },
            "category": "movement",
            "count": 6,
            "count_qualifier": "approx",
            "means": "uav",
            "side": "UA",
            "text": "ILLUSTRATIVE. About six armed men digging a trench inside the Zolote "
            "disengagement area.",
            "language": "en",
            "markings": MISSION_M,
        },
    ]


def allegations(
    geo: Geo, by_side: dict[str, list[dict[str, Any]]], day: Day, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Each side's liaison officers accuse the other: some true, one false, one contradiction."""
    out: list[dict[str, Any]] = []
    texts = {
        "UA": ("uk", "Обстріл позицій ЗСУ поблизу {place} з боку збройних формувань РФ."),
        "RU": ("ru", "Обстрел со стороны ВСУ в районе {place}."),
    }
    for accuser, accused in (("UA", "RU"), ("RU", "UA")):
        lang, tmpl = texts[accuser]
        for k, s in enumerate(by_side[accused][:3]):
            imp = s["impact"]
            t = imp.time.replace(microsecond=0, second=0)
            out.append(
                {
                    "id": f"al-{accuser}-2026-03-02-{k + 1:03d}",
                    "type": "allegation",
                    "originator": accuser,
                    "time_from": iso(t - timedelta(minutes=10)),
                    "time_to": iso(t + timedelta(minutes=10)),
                    "reported_at": iso(t + timedelta(hours=3)),
                    "location": {
                        "lat": round(imp.lat + float(rng.normal(0, 0.01)), 4),
                        "lon": round(imp.lon + float(rng.normal(0, 0.014)), 4),
                        "uncertainty_m": 2000,
                    },
                    "category": "explosion",
                    "subtype": "impact",
                    "count": int(rng.integers(1, 4)),
                    "count_qualifier": "at_least",
                    "accused_side": accused,
                    "text": tmpl.format(
                        place="лінії розмежування" if lang == "uk" else "линии соприкосновения"
                    ),
                    "language": lang,
                    "markings": PARTIES_M,
                }
            )
    # Unfounded: nothing was fired there and then.
    out.append(
        {
            "id": "al-RU-2026-03-02-004",
            "type": "allegation",
            "originator": "RU",
            "time_from": iso(at(11.0)),
            "time_to": iso(at(11.5)),
            "place": "Докучаевск",
            "category": "explosion",
            "subtype": "impact",
            "count": 20,
            "count_qualifier": "approx",
            "weapon_class": "mlrs",
            "accused_side": "UA",
            "text": "ВСУ нанесли удар из РСЗО «Град» по Докучаевску, около 20 ракет.",
            "language": "ru",
            "markings": PARTIES_M,
        }
    )
    out.append(
        {
            "id": "al-UA-2026-03-02-004",
            "type": "allegation",
            "originator": "UA",
            "time_from": iso(at(13.0)),
            "time_to": iso(at(13.25)),
            "place": "Мар'їнка",
            "category": "explosion",
            "subtype": "impact",
            "count": 5,
            "accused_side": "RU",
            "weapon_class": "mortar_le120",
            "text": "Окупанти обстріляли Мар'їнку з мінометів 120 мм, 5 мін.",
            "language": "uk",
            "markings": PARTIES_M,
        }
    )
    # The filter station: both sides blame each other (a contradiction to resolve).
    dfs = next(
        s for s in day.shots.values() if _dist(s["impact"].lat, s["impact"].lon, *geo.dfs) < 1000
    )
    t = dfs["impact"].time.replace(second=0, microsecond=0)
    for accuser, accused, lang, text in (
        (
            "UA",
            "RU",
            "uk",
            "Збройні формування РФ обстріляли Донецьку фільтрувальну станцію з мінометів.",
        ),
        (
            "RU",
            "UA",
            "ru",
            "ВСУ обстреляли Донецкую фильтровальную станцию, повреждена линия электропередачи.",
        ),
    ):
        out.append(
            {
                "id": f"al-{accuser}-2026-03-02-005",
                "type": "allegation",
                "originator": accuser,
                "time_from": iso(t - timedelta(minutes=5)),
                "time_to": iso(t + timedelta(minutes=10)),
                "reported_at": iso(t + timedelta(hours=1 if accuser == "UA" else 2)),
                "place": "Донецька фільтрувальна станція"
                if lang == "uk"
                else "Донецкая фильтровальная станция",
                "category": "explosion",
                "subtype": "impact",
                "count": 1,
                "count_qualifier": "at_least",
                "accused_side": accused,
                "text": text,
                "language": lang,
                "markings": PARTIES_M,
            }
        )
    return out


def open_sources(
    by_side: dict[str, list[dict[str, Any]]], rng: np.random.Generator
) -> list[dict[str, Any]]:
    """News and social-media texts in Ukrainian, Russian and English with places to resolve."""
    items = [
        (
            "uk",
            "Авдіївка",
            "Уночі в промзоні Авдіївки було чути вибухи, пошкоджено дах будинку.",
            1.5,
            "explosion",
        ),
        (
            "ru",
            "Горловка",
            "В Горловке ночью слышны взрывы, жители сообщают о прилётах.",
            22.5,
            "explosion",
        ),
        (
            "en",
            "Shyrokyne",
            "Local residents near Shyrokyne report heavy shelling overnight.",
            0.5,
            "explosion",
        ),
        (
            "uk",
            "Станиця Луганська",
            "Біля мосту в Станиці Луганській чули стрілянину зі стрілецької зброї.",
            20.0,
            "shot",
        ),
        (
            "ru",
            "Ясиноватая",
            "Беспилотник сбросил гранату у Ясиноватой, пострадавших нет.",
            3.0,
            "explosion",
        ),
        (
            "en",
            "Zolote",
            "Video shows smoke rising near Zolote after an explosion in the evening.",
            19.75,
            "explosion",
        ),
        (
            "uk",
            "Мар'їнка",
            "У Мар'їнці внаслідок обстрілу поранено мирну жительку.",
            23.0,
            "casualty",
        ),
        (
            "en",
            "Svitlodarsk",
            "Telegram channels claim an MLRS strike near Svitlodarsk; unverified.",
            21.0,
            "explosion",
        ),
    ]
    out = []
    for k, (lang, place, text, t_h, cat) in enumerate(items):
        o = {
            "id": f"os-2026-03-02-{k + 1:04d}",
            "type": "open_source",
            "originator": "MISSION",
            "time_from": iso(at(t_h - 0.5)),
            "time_to": iso(at(t_h + 0.5)),
            "reported_at": iso(at(min(t_h + 2.0, 23.99))),
            "place": place,
            "category": cat,
            "count_qualifier": "approx",
            "text": f"[ILLUSTRATIVE] {text}",
            "language": lang,
            "source_url": f"https://example.org/illustrative/osint/{k + 1}",
            "markings": PUBLIC if k % 2 == 0 else OWNER_MARKINGS["MISSION"],
        }
        if cat == "casualty":
            o["casualties"] = {"killed": 0, "injured": 1, "group": "civilian"}
        out.append(o)
    return out


def weapon_reports(geo: Geo) -> list[dict[str, Any]]:
    """Weapons inside withdrawal zones and a weapon missing from a holding area."""
    fr = geo.frame
    hot = {"Horlivka": fr.locate(48.2999, 38.0171), "Kurakhove": fr.locate(47.9847, 37.2807)}
    items = [
        (
            hot["Horlivka"],
            8000.0,
            "RU",
            "tank",
            2,
            10.25,
            "Two main battle tanks parked in a field",
        ),
        (
            hot["Kurakhove"],
            -18000.0,
            "UA",
            "artillery_100mm_plus",
            3,
            12.5,
            "Three self-propelled howitzers (2S3) in a tree line",
        ),
        (fr.locate(48.63, 38.6), 26000.0, "RU", "mlrs", 1, 14.0, "One BM-21 Grad on a lorry park"),
    ]
    out = []
    for k, (s, d, side, wc, n, t_h, what) in enumerate(items):
        lat, lon = fr.offset(s, d)
        out.append(
            {
                "id": _mk("mr", 40 + k),
                "type": "monitor_report",
                "originator": "MISSION",
                "time_from": iso(at(t_h)),
                "time_to": iso(at(t_h)),
                "location": {"lat": r6(lat), "lon": r6(lon), "uncertainty_m": 100},
                "category": "weapon_sighting",
                "count": n,
                "means": "uav",
                "weapon_class": wc,
                "side": side,
                "text": f"ILLUSTRATIVE. {what}, {abs(d) / 1000:.0f} km from the line.",
                "language": "en",
                "markings": MISSION_M if k != 1 else OWNER_MARKINGS["MISSION"],
            }
        )
    name = "Ilovaisk holding area"
    side, lat, lon = geo.holding[name]
    out.append(
        {
            "id": _mk("mr", 45),
            "type": "monitor_report",
            "originator": "MISSION",
            "time_from": iso(at(9.0)),
            "time_to": iso(at(10.0)),
            "location": {"lat": r6(lat), "lon": r6(lon), "uncertainty_m": 300},
            "category": "weapon_sighting",
            "count": 9,
            "means": "inspection",
            "weapon_class": "artillery_100mm_plus",
            "side": side,
            "holding_area": name,
            "expected_count": 12,
            "missing_count": 3,
            "text": "ILLUSTRATIVE. Verification visit: 9 of 12 declared 2A65 howitzers present; "
            "3 missing, no explanation given.",
            "language": "en",
            "markings": MISSION_M,
        }
    )
    return out


def restrictions(geo: Geo) -> list[dict[str, Any]]:
    """Denial at a checkpoint, jamming of a mission UAV, and a mine on a patrol road."""
    zlat, zlon = geo.crossings["Zolote"]
    slat, slon = geo.frame.offset(geo.frame.locate(47.9453, 37.5054), 4000.0)
    return [
        {
            "id": _mk("mr", 50),
            "type": "monitor_report",
            "originator": "MISSION",
            "time_from": iso(at(8.25)),
            "time_to": iso(at(8.75)),
            "location": {"lat": r6(zlat + 0.01), "lon": r6(zlon + 0.01), "uncertainty_m": 50},
            "category": "restriction",
            "subtype": "denial",
            "side": "RU",
            "means": "seen",
            "text": "ILLUSTRATIVE. Armed men at a checkpoint near Zolote denied the patrol passage "
            "citing 'orders'.",
            "language": "en",
            "markings": OWNER_MARKINGS["MISSION"],
        },
        {
            "id": _mk("mr", 51),
            "type": "monitor_report",
            "originator": "MISSION",
            "time_from": iso(at(14.1)),
            "time_to": iso(at(14.6)),
            "location": {"lat": r6(slat), "lon": r6(slon), "uncertainty_m": 2000},
            "category": "restriction",
            "subtype": "interference",
            "means": "uav",
            "text": "ILLUSTRATIVE. Mission mid-range UAV lost GNSS and its video link to jamming "
            "for 30 minutes; flight aborted.",
            "language": "en",
            "markings": MISSION_M,
        },
        {
            "id": _mk("mr", 52),
            "type": "monitor_report",
            "originator": "MISSION",
            "time_from": iso(at(11.0)),
            "time_to": iso(at(11.0)),
            "place": "Hnutove",
            "category": "mine",
            "count": 4,
            "means": "seen",
            "text": "ILLUSTRATIVE. Four anti-tank mines on the road 1 km east of Hnutove.",
            "language": "en",
            "markings": PUBLIC,
        },
    ]


# --------------------------------------------------------------------------- tracks


def build_tracks(
    geo: Geo, sensors: list[SensorRow], marks: dict[str, dict[str, Any]], rng: np.random.Generator
) -> list[dict[str, Any]]:
    """About ten tracks: UAVs crossing the line (one into a no-fly zone), a vehicle column."""
    fr = geo.frame
    trackers = [s for s in sensors if s.kind in ("radar", "camera", "uav")]
    plans = [  # (along-line fraction, from depth m, to depth m, start hour, minutes, object, alt)
        (0.45, 6000, -5000, 2.3, 6, "uav", 600),
        (0.52, -4000, 6000, 3.1, 5, "uav", 450),
        (0.30, 5000, -3000, 5.6, 4, "uav", 300),
        (0.62, -3000, 4000, 17.9, 4, "uav", 350),
        (0.80, 7000, -6000, 20.4, 7, "uav", 900),
        (0.93, -2000, 2500, 21.2, 3, "uav", 200),
        (0.15, 3000, -4000, 22.8, 4, "uav", 500),
        (0.70, -3500, -500, 10.5, 5, "uav", 250),
    ]
    out = []
    for k, (frac, d0, d1, t_h, minutes, obj, alt) in enumerate(plans):
        s0 = frac * fr.length
        p0, p1 = fr.offset(s0, d0), fr.offset(s0 + float(rng.uniform(-3000, 3000)), d1)
        out.append(_track(k, p0, p1, t_h, minutes, obj, alt, trackers, marks, rng))
    # A UAV entering the filter station's no-fly zone from side RU.
    s0 = fr.locate(*geo.dfs)
    p0 = fr.offset(s0 + 2000.0, 7000.0)
    out.append(_track(len(out), p0, geo.dfs, 1.9, 8, "uav", 400, trackers, marks, rng))
    # A column of vehicles moving towards the line behind side RU's positions.
    hs = fr.locate(48.43374, 38.22331)
    out.append(
        _track(
            len(out),
            fr.offset(hs, 22000.0),
            fr.offset(hs + 1500.0, 9000.0),
            4.5,
            25,
            "vehicle",
            None,
            trackers,
            marks,
            rng,
            weapon="armoured_vehicle",
        )
    )
    return out


def _track(
    k: int,
    p0: tuple[float, float],
    p1: tuple[float, float],
    t_h: float,
    minutes: float,
    obj: str,
    alt: float | None,
    trackers: list[SensorRow],
    marks: dict[str, dict[str, Any]],
    rng: np.random.Generator,
    weapon: str | None = None,
) -> dict[str, Any]:
    mid = ((p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2)
    sensor = min(trackers, key=lambda s: _dist(s.lat, s.lon, *mid))
    n = max(int(minutes * 60 / 20), 2)
    pts = []
    for i in range(n + 1):
        f = i / n
        lat = p0[0] + f * (p1[0] - p0[0]) + float(rng.normal(0, 0.0003))
        lon = p0[1] + f * (p1[1] - p0[1]) + float(rng.normal(0, 0.0004))
        pt: dict[str, Any] = {
            "time": iso(at(t_h + f * minutes / 60)),
            "lat": r6(lat),
            "lon": r6(lon),
        }
        if alt is not None:
            pt["alt_m"] = round(alt + ground_height(lat, lon) + float(rng.normal(0, 10)), 1)
        pts.append(pt)
    tr: dict[str, Any] = {
        "id": f"tr-{k + 1:04d}",
        "sensor": sensor.id,
        "object": obj,
        "points": pts,
        "uncertainty_m": 30.0 if sensor.kind == "radar" else 15.0,
        "markings": marks[sensor.id],
    }
    if weapon:
        tr["weapon_class"] = weapon
    return tr


# --------------------------------------------------------------------------- writing


def write_ndjson(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    with path.open("wb") as fh:
        for r in rows:
            fh.write(orjson.dumps(r) + b"\n")
            n += 1
    return n


def write_sensors(path: Path, sensors: list[SensorRow]) -> int:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(sensors[0].row()), lineterminator="\n")
    w.writeheader()
    for s in sensors:
        w.writerow(s.row())
    path.write_text(buf.getvalue(), encoding="utf-8")
    return len(sensors)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--shared", type=Path, default=Path("/work/shared/data"), help="shared data directory"
    )
    ap.add_argument(
        "--out", type=Path, default=REPO / "src/truceline/demo/data", help="output directory"
    )
    args = ap.parse_args(argv)
    rng = np.random.default_rng(SEED)
    src = load_sources(args.shared)
    geo = build_agreement(src)
    sensors = build_sensors(geo, rng)
    status = sensor_status(sensors)
    day = simulate_day(geo, sensors, status, src.places)
    marks = sensor_markings(sensors)
    for d in day.detections:
        d["markings"] = marks[d["sensor"]]
    observations = build_observations(geo, day, rng)
    tracks = build_tracks(geo, sensors, marks, rng)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    from truceline.fusion.truth import truth_lines

    counts = {
        "agreement.geojson": (out / "agreement.geojson").write_bytes(orjson.dumps(geo.doc))
        and len(geo.doc["features"]),
        "sensors.csv": write_sensors(out / "sensors.csv", sensors),
        "sensor_status.ndjson": write_ndjson(out / "sensor_status.ndjson", status),
        "weather.ndjson": write_ndjson(out / "weather.ndjson", day.weather),
        "detections.ndjson": write_ndjson(out / "detections.ndjson", day.detections),
        "observations.ndjson": write_ndjson(out / "observations.ndjson", observations),
        "tracks.ndjson": write_ndjson(out / "tracks.ndjson", tracks),
    }
    (out / "truth.ndjson").write_bytes(b"".join(truth_lines(day.truth)))
    counts["truth.ndjson"] = (
        1 + len(day.truth.blasts) + len(day.truth.false_alarms) + len(day.truth.outages)
    )
    shots = len(day.shots)
    for name, n in counts.items():
        size = (out / name).stat().st_size
        print(f"wrote {out / name}: {n} records, {size / 1024:.0f} KiB")
    print(
        f"{shots} shots ({sum(1 for s in day.shots.values() if s['launch'].salvo)} in salvos), "
        f"{len(day.truth.blasts)} blasts, {len(day.truth.false_alarms)} false alarms"
    )


if __name__ == "__main__":
    main()
