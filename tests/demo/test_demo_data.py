"""The committed demo data parses with the project's readers and holds together.

These tests read only ``src/truceline/demo/data`` (never ``/work/shared``): the few reference
coordinates below are GeoNames positions, hard-coded.
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
import shapely
from shapely.geometry import Point, shape

from truceline.formats.readers import Parsed, iter_csv_rows, iter_ndjson
from truceline.formats.records import Detection, Observation, Sensor, Track, Weather
from truceline.fusion.truth import read_truth
from truceline.timefmt import parse_time

DATA = Path(__file__).resolve().parents[2] / "src" / "truceline" / "demo" / "data"
DAY_START = parse_time("2026-03-02T00:00:00Z")
DAY_END = parse_time("2026-03-03T00:00:00Z")
INSIDE_RU = {"Horlivka": (48.29986, 38.01709), "Donetsk": (48.023, 37.80224)}
OUTSIDE_RU = {
    "Avdiivka": (48.14019, 37.75008),
    "Marinka": (47.94527, 37.50544),
    "Shchastia": (48.73784, 39.23047),
}


def _parse(path: Path, model: type[Any]) -> list[Any]:
    with path.open("rb") as fh:
        results = list(iter_ndjson(fh, model, source=path.name))
    bad = [r for r in results if not isinstance(r, Parsed)]
    assert not bad, bad[:3]
    return [r.record for r in results if isinstance(r, Parsed)]


@pytest.fixture(scope="module")
def agreement() -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads((DATA / "agreement.geojson").read_bytes())
    return doc


@pytest.fixture(scope="module")
def sensors() -> dict[str, Sensor]:
    text = (DATA / "sensors.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    results = list(iter_csv_rows(text, Sensor, source="sensors.csv", required=("id", "kind")))
    assert all(isinstance(r, Parsed) for r in results)
    rows = [r.record for r in results if isinstance(r, Parsed)]
    assert len({s.id for s in rows}) == len(rows)
    return {s.id: s for s in rows}


@pytest.fixture(scope="module")
def detections() -> list[Detection]:
    return _parse(DATA / "detections.ndjson", Detection)


@pytest.fixture(scope="module")
def observations() -> list[Observation]:
    return _parse(DATA / "observations.ndjson", Observation)


@pytest.fixture(scope="module")
def tracks() -> list[Track]:
    return _parse(DATA / "tracks.ndjson", Track)


def _role(doc: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [f for f in doc["features"] if f["properties"]["role"] == role]


def test_agreement_terms(agreement: dict[str, Any]) -> None:
    terms = agreement["agreement"]
    assert "ILLUSTRATIVE" in terms["title"]
    assert [s["code"] for s in terms["sides"]] == ["UA", "RU"]
    assert terms["effective_from"] == "2026-03-01T00:00:00Z"
    withdrawal = {w["weapon_class"]: w["distance_km"] for w in terms["withdrawal"]}
    assert withdrawal["artillery_100mm_plus"] == 25 and withdrawal["mlrs_heavy"] == 70
    assert withdrawal["tank"] == withdrawal["mortar_le120"] == 15
    assert set(terms["prohibited"]) == {"fire", "uav_overflight", "forward_movement"}
    assert all(f["properties"].get("instrument") for f in agreement["features"])


def test_agreement_parses_with_the_package(agreement: dict[str, Any]) -> None:
    parse = pytest.importorskip("truceline.agreement").parse_agreement
    parsed = parse(agreement, source="agreement.geojson")
    assert parsed.side_codes == ("UA", "RU")


def test_agreement_roles(agreement: dict[str, Any]) -> None:
    counts = Counter(f["properties"]["role"] for f in agreement["features"])
    assert counts["contact_line"] == 1 and counts["control_area"] == 2
    assert 3 <= counts["sector"] <= 5 and counts["no_fly_zone"] >= 1
    names = {f["properties"]["name"] for f in _role(agreement, "disengagement_area")}
    assert {n.split(" disengagement")[0] for n in names} == {
        "Stanytsia Luhanska",
        "Zolote",
        "Petrivske",
    }
    (site,) = _role(agreement, "protected_site")
    assert site["properties"]["radius_m"] > 0 and "approximate" in site["properties"]["position"]
    sides = Counter(f["properties"]["side"] for f in _role(agreement, "holding_area"))
    assert sides["UA"] >= 2 and sides["RU"] >= 2
    assert len(_role(agreement, "crossing_point")) >= 5


def test_control_areas_valid_and_disjoint(agreement: dict[str, Any]) -> None:
    areas = {
        f["properties"]["side"]: shape(f["geometry"]) for f in _role(agreement, "control_area")
    }
    assert set(areas) == {"UA", "RU"}
    assert all(a.is_valid for a in areas.values())
    # On the 1e-6 degree grid the file is written on, the areas share edges and never overlap;
    # plain floating-point overlay leaves hairline slivers far below the parser's tolerance.
    assert shapely.intersection(areas["UA"], areas["RU"], grid_size=1e-6).area == 0.0
    assert shapely.intersection(areas["UA"], areas["RU"]).area < 1e-7
    for lat, lon in INSIDE_RU.values():
        assert areas["RU"].contains(Point(lon, lat))
    for lat, lon in OUTSIDE_RU.values():
        assert not areas["RU"].contains(Point(lon, lat))
        assert areas["UA"].contains(Point(lon, lat))


def test_disengagement_areas_straddle_the_line(agreement: dict[str, Any]) -> None:
    (line,) = _role(agreement, "contact_line")
    geom = shape(line["geometry"])
    for f in _role(agreement, "disengagement_area"):
        area = shape(f["geometry"])
        assert area.is_valid and area.intersects(geom)


def test_sensors(sensors: dict[str, Sensor]) -> None:
    assert 140 <= len(sensors) <= 170
    owners = Counter(s.owner for s in sensors.values())
    assert len(owners) >= 8 and "MISSION" in owners
    kinds = Counter(s.kind for s in sensors.values())
    assert kinds["acoustic"] > kinds["acoustic_array"] > kinds["seismic"] > 0
    assert kinds["radar"] and kinds["camera"] and kinds["uav"]
    for s in sensors.values():
        assert s.id.startswith(
            {
                "acoustic": "AC-",
                "acoustic_array": "AA-",
                "seismic": "SE-",
                "radar": "RD-",
                "camera": "CM-",
                "uav": "UV-",
            }[s.kind]
        )
        assert s.active_from is not None and s.active_from < DAY_START
        assert 1.0 <= s.timing_sigma_ms <= 3.0


def test_detections_refer_to_active_sensors(
    detections: list[Detection], sensors: dict[str, Sensor]
) -> None:
    assert 3000 <= len(detections) <= 20000
    assert len({d.id for d in detections}) == len(detections)
    times = [d.time for d in detections]
    assert times == sorted(times)
    for d in detections:
        sensor = sensors[d.sensor]
        assert sensor.active_at(d.time)
        assert (d.bearing_deg is not None) == (sensor.kind == "acoustic_array")
        assert DAY_START <= d.time < DAY_END + (DAY_END - DAY_START) / 24


def test_detections_silent_while_sensor_down(detections: list[Detection]) -> None:
    spans = [orjson.loads(x) for x in (DATA / "sensor_status.ndjson").read_bytes().splitlines()]
    down = [s for s in spans if s["status"] == "non_operational"]
    assert down and {s["status"] for s in spans} >= {"non_operational", "degraded"}
    for s in down:
        a, b = parse_time(s["from"]), parse_time(s["to"])
        assert (b - a).total_seconds() >= 3600
        assert not [d for d in detections if d.sensor == s["sensor"] and a <= d.time < b]


def test_markings_follow_sensor_owner(
    detections: list[Detection], sensors: dict[str, Sensor]
) -> None:
    seen = set()
    for d in detections:
        assert d.markings is not None and d.markings.originator == sensors[d.sensor].owner
        seen.add(
            (tuple(d.markings.releasable_to), d.markings.tlp, d.markings.originator_controlled)
        )
    assert len(seen) >= 5
    groups = {g for rel, _, _ in seen for g in rel}
    assert {"MISSION", "COALITION", "PARTIES", "PUBLIC"} <= groups


def test_weather(tmp_path: Path) -> None:
    records = _parse(DATA / "weather.ndjson", Weather)
    assert [w.time for w in records] == sorted(w.time for w in records)
    covered = [w for w in records if DAY_START <= w.time < DAY_END]
    assert len(covered) == 24
    assert all(-8.0 <= w.temperature_c <= 10.0 for w in records)


def test_observations(observations: list[Observation]) -> None:
    assert 30 <= len(observations) <= 60
    assert len({o.id for o in observations}) == len(observations)
    types = Counter(o.type for o in observations)
    assert types["monitor_report"] and types["allegation"] and types["open_source"]
    assert {o.originator for o in observations if o.type == "allegation"} == {"UA", "RU"}
    for o in observations:
        if o.type == "allegation":
            assert o.accused_side in {"UA", "RU"} and o.accused_side != o.originator
        assert o.markings is not None
    assert {o.language for o in observations} >= {"en", "uk", "ru"}
    cats = {o.category for o in observations}
    assert {"restriction", "weapon_sighting", "casualty", "explosion"} <= cats
    assert any(o.subtype == "interference" for o in observations)
    assert any(
        o.markings and o.markings.tlp == "AMBER+STRICT" and o.markings.originator_controlled
        for o in observations
    )
    assert any(o.markings and "PUBLIC" in o.markings.releasable_to for o in observations)
    assert any(o.observer is not None for o in observations)


def test_tracks(tracks: list[Track], sensors: dict[str, Sensor]) -> None:
    assert 8 <= len(tracks) <= 15
    assert len({t.id for t in tracks}) == len(tracks)
    for t in tracks:
        assert sensors[t.sensor].kind in {"radar", "camera", "uav"}
        assert all(DAY_START <= p.time < DAY_END for p in t.points)
        assert t.markings is not None
    assert {t.object for t in tracks} >= {"uav", "vehicle"}


def test_truth_matches_detections(detections: list[Detection], agreement: dict[str, Any]) -> None:
    truth = read_truth(DATA / "truth.ndjson")
    ids = {d.id for d in detections}
    caused = list(itertools.chain.from_iterable(b.detections for b in truth.blasts))
    assert len(caused) == len(set(caused)) and set(caused) <= ids
    assert set(caused) | truth.false_alarm_ids() == ids
    shots = {b.shot for b in truth.blasts}
    assert 150 <= len(shots) <= 400
    site = shape(_role(agreement, "protected_site")[0]["geometry"])
    zolote = next(
        shape(f["geometry"])
        for f in _role(agreement, "disengagement_area")
        if f["properties"]["name"].startswith("Zolote")
    )
    impacts = [b for b in truth.blasts if b.phase == "impact"]
    assert any(zolote.contains(Point(b.lon, b.lat)) for b in impacts)
    assert any(site.distance(Point(b.lon, b.lat)) < 0.01 for b in impacts)
    hours = Counter(b.time.hour for b in truth.blasts if b.phase == "launch" and b.salvo is None)
    night = sum(hours[h] for h in (*range(18, 24), *range(0, 4)))
    day = sum(hours[h] for h in range(8, 14))
    assert night > 2 * day


def test_total_size_is_modest() -> None:
    total = sum(p.stat().st_size for p in DATA.iterdir() if p.is_file())
    assert total < 8 * 1024 * 1024
    assert (DATA / "agreement.geojson").stat().st_size < 1.5 * 1024 * 1024
