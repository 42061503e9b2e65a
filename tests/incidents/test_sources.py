from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from shapely.geometry import Point

from truceline.formats.records import Observation
from truceline.incidents.errors import IncidentInputError
from truceline.incidents.location import AreaLocation, PointLocation
from truceline.incidents.sources import (
    DEFAULT_RADIUS_M,
    Claims,
    Source,
    from_event,
    from_finding,
    from_observation,
)

from .factories import T0


def _finding(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "f-1",
        "rule": "fire_at_protected_site",
        "subjects": ["ev-1", "ev-2"],
        "time": "2026-03-01T02:12:30Z",
        "location": {"lat": 48.15, "lon": 37.81},
        "responsible_side": "B",
        "affected_side": "A",
        "grave": True,
        "basis": "launch 14.2 km behind side B's line, impact at the water filter station",
        "facts": {"error_ellipse": {"semi_major_m": 40.0}},
    }
    base.update(over)
    return base


def _event(eid: str = "ev-1", phase: str = "launch", **props: Any) -> dict[str, Any]:
    p: dict[str, Any] = {
        "id": eid,
        "time": "2026-03-01T04:12:20.481Z",
        "phase": phase,
        "weapon": "artillery",
        "detections": ["d-1", "d-2", "d-3"],
        "n_sensors": 3,
        "error_ellipse": {"semi_major_m": 41.0, "semi_minor_m": 18.5, "azimuth_deg": 62.0},
        "side": "B",
        "paired_with": "ev-9",
        "rms_residual_ms": 1.7,
    }
    p.update(props)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [37.8, 48.1]},
        "properties": p,
    }


def test_finding_carries_time_place_claims_links_and_gravity() -> None:
    s = from_finding(_finding())
    assert s.kind == "finding" and s.category == "fire" and s.grave
    assert s.time_from == s.time_to == datetime(2026, 3, 1, 2, 12, 30, tzinfo=UTC)
    assert isinstance(s.location, PointLocation) and s.location.radius_m == 40.0
    assert s.claims == Claims(responsible_side="B", affected_side="A")
    assert s.links == {"ev-1", "ev-2"}
    assert {"record:f-1", "record:ev-1", "record:ev-2"} <= s.independence_key


def test_finding_takes_its_subjects_owners_when_given() -> None:
    s = from_finding(_finding(), subject_keys={"ev-1": frozenset({"sensor_owner:USA"})})
    assert "sensor_owner:USA" in s.independence_key


def test_finding_without_uncertainty_uses_the_default_radius() -> None:
    s = from_finding(_finding(facts={}))
    assert isinstance(s.location, PointLocation)
    assert s.location.radius_m == DEFAULT_RADIUS_M["finding"]


def test_a_bad_finding_names_every_bad_field() -> None:
    with pytest.raises(IncidentInputError) as err:
        from_finding(_finding(time="yesterday", subjects="ev-1", location={"lat": 1.0}))
    fields = {p.field for p in err.value.problems}
    assert fields == {"time", "subjects", "location"}
    assert all(p.record_id == "f-1" for p in err.value.problems)


def test_event_owners_from_its_detections() -> None:
    sensors = {"d-1": "s-1", "d-2": "s-2", "d-3": "s-3"}
    owners = {"s-1": "USA", "s-2": "GBR", "s-3": "USA"}
    s = from_event(_event(), owners, sensors)
    assert s.independence_key == {"record:ev-1", "sensor_owner:USA", "sensor_owner:GBR"}
    assert s.originator == "GBR+USA"
    assert s.claims.responsible_side == "B" and s.claims.affected_side is None
    assert s.links == {"ev-9"}
    assert isinstance(s.location, PointLocation) and s.location.radius_m == 41.0
    assert (s.location.lat, s.location.lon) == (48.1, 37.8)


def test_a_salvo_events_first_launch_is_a_link_its_own_label_is_not() -> None:
    """A salvo is one happening: an unpaired round links to its salvo's first launch."""
    owners = {"s-1": "FRA"}
    alone = _event("ev-3", "impact", sensors=["s-1"], paired_with=None, salvo="ev-1")
    assert from_event(alone, owners).links == {"ev-1"}
    first = _event("ev-1", "launch", sensors=["s-1"], paired_with="ev-2", salvo="ev-1")
    assert from_event(first, owners).links == {"ev-2"}


def test_event_impact_names_the_affected_side_and_listed_sensors_suffice() -> None:
    s = from_event(_event(phase="impact", sensors=["s-1"]), {"s-1": "FRA"})
    assert s.claims == Claims(affected_side="B")
    assert s.independence_key == {"record:ev-1", "sensor_owner:FRA"}


def test_event_with_an_unknown_sensor_owner_is_refused() -> None:
    with pytest.raises(IncidentInputError) as err:
        from_event(_event(sensors=["s-1", "s-7"]), {"s-1": "FRA"})
    assert err.value.problems[0].field == "sensors"
    assert "s-7" in err.value.problems[0].message
    with pytest.raises(IncidentInputError, match="ev-1"):
        from_event(_event(), {"s-1": "FRA"})  # detections without detection_sensors


def test_monitor_report_with_a_bearing_becomes_a_sector() -> None:
    obs = Observation.model_validate(
        {
            "id": "mr-2026-03-01-0007",
            "type": "monitor_report",
            "originator": "MISSION",
            "patrol": "P-12",
            "time_from": "2026-03-01T14:05:00Z",
            "time_to": "2026-03-01T14:20:00Z",
            "observer": {"lat": 48.3012, "lon": 38.0150},
            "direction_deg": 135,
            "distance_m": [3000, 5000],
            "category": "explosion",
            "count": 12,
            "means": "heard",
        }
    )
    s = from_observation(obs)
    assert isinstance(s.location, AreaLocation)
    assert not s.location.area.contains(Point(38.0150, 48.3012))
    assert s.independence_key == {"record:mr-2026-03-01-0007", "monitor:P-12"}


def _allegation(**over: Any) -> Observation:
    base: dict[str, Any] = {
        "id": "al-1",
        "type": "allegation",
        "originator": "A",
        "time_from": "2026-03-01T02:10:00Z",
        "time_to": "2026-03-01T02:10:00Z",
        "location": {"lat": 48.15, "lon": 37.81},
        "category": "explosion",
        "accused_side": "B",
    }
    base.update(over)
    return Observation.model_validate(base)


def test_allegation_blames_the_accused_side_with_the_party_as_its_voice() -> None:
    s = from_observation(_allegation())
    assert s.claims.blamed == "B" and s.stance == "asserts"
    assert "party:A" in s.independence_key
    assert isinstance(s.location, PointLocation)
    assert s.location.radius_m == DEFAULT_RADIUS_M["allegation"]


def test_denial_is_a_party_response_linked_to_the_allegation() -> None:
    obs = _allegation(id="rsp-1", originator="B", stance="denies", responds_to="al-1")
    s = from_observation(obs)
    assert s.stance == "denies" and s.claims.blamed == "B"
    assert s.links == {"al-1"}
    assert "party:B" in s.independence_key


def test_place_only_report_has_no_location_and_an_area_can_be_given() -> None:
    obs = _allegation(location=None, place="Krasnohorivka")
    assert from_observation(obs).location is None
    area = Point(37.81, 48.15).buffer(0.01)
    placed = from_observation(obs, area=area)
    assert isinstance(placed.location, AreaLocation) and placed.location.area.equals(area)


def test_open_source_independence_is_its_outlet() -> None:
    obs = Observation.model_validate(
        {
            "id": "os-1",
            "type": "open_source",
            "originator": "MISSION",
            "time_from": "2026-03-01T02:00:00Z",
            "time_to": "2026-03-01T03:00:00Z",
            "place": "Avdiivka",
            "category": "casualty",
            "source_url": "https://www.Example.org/news/1",
        }
    )
    s = from_observation(obs)
    assert "outlet:example.org" in s.independence_key
    assert s.grave  # casualties are grave


def test_a_bad_stance_is_refused() -> None:
    with pytest.raises(IncidentInputError, match="al-1"):
        from_observation(_allegation(stance="maybe"))


def test_source_invariants() -> None:
    good = dict(
        kind="event",
        id="x",
        time_from=T0,
        time_to=T0,
        location=None,
        category="explosion",
        originator="USA",
        independence_key=frozenset({"record:x"}),
    )
    Source(**good)  # type: ignore[arg-type]
    bad = {
        "time_to": datetime(2026, 1, 1, tzinfo=UTC),
        "category": "fireworks",
        "independence_key": frozenset(),
        "stance": "denies",
    }
    for name, value in bad.items():
        with pytest.raises(IncidentInputError) as err:
            Source(**{**good, name: value})  # type: ignore[arg-type]
        assert err.value.problems[0].field in (name, "time_to")
    with pytest.raises(IncidentInputError, match="zone"):
        Source(**{**good, "time_from": datetime(2026, 3, 1)})  # type: ignore[arg-type]
