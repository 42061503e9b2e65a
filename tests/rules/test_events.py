"""Events read as the file contract: problems name the feature index and field."""

from __future__ import annotations

import pytest

from truceline.errors import InputError
from truceline.rules import events_from_geojson, parse_event, parse_events
from truceline.rules.subjects import fires_from_events

from .conftest import event


def test_a_valid_feature() -> None:
    ev = parse_event(
        event(
            "ev-1",
            48.0,
            37.6,
            "launch",
            side="B",
            paired_with="ev-2",
            markings={"releasable_to": ["USA"], "tlp": "AMBER"},
        ),
        index=0,
    )
    assert (ev.lat, ev.lon, ev.phase, ev.side, ev.paired_with) == (
        48.0,
        37.6,
        "launch",
        "B",
        "ev-2",
    )
    assert ev.semi_major_m == 40.0 and ev.markings is not None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda f: f["properties"].update(phase="outgoing"), "properties.phase"),
        (lambda f: f["properties"].update(time="yesterday"), "properties.time"),
        (lambda f: f["properties"].pop("id"), "properties.id"),
        (lambda f: f["geometry"].update(coordinates=[200.0, 48.0]), "geometry.coordinates.0"),
        (
            lambda f: f["properties"]["error_ellipse"].update(semi_major_m=-1),
            "properties.error_ellipse.semi_major_m",
        ),
        (lambda f: f["properties"].update(markings={"tlp": "PURPLE"}), "properties.markings"),
    ],
)
def test_a_bad_feature_names_its_index_and_field(change, field) -> None:  # type: ignore[no-untyped-def]
    bad = event("ev-2", 48.0, 37.6)
    change(bad)
    with pytest.raises(InputError) as err:
        parse_events([event("ev-1", 48.0, 37.6), bad], source="events.geojson")
    [problem] = err.value.problems
    assert (problem.source, problem.line, problem.field, problem.unit) == (
        "events.geojson",
        1,
        field,
        "feature",
    )


def test_duplicate_ids_and_a_wrong_document() -> None:
    with pytest.raises(InputError, match="invalid events"):
        parse_events([event("ev-1", 48.0, 37.6), event("ev-1", 48.0, 37.7)])
    with pytest.raises(InputError, match="FeatureCollection"):
        events_from_geojson({"type": "Feature"})


def test_pairing_needs_both_ends_to_agree() -> None:
    evs = parse_events(
        [
            event("L1", 48.0, 37.6, "launch", paired_with="I1"),
            event("I1", 48.0, 37.4, "impact", paired_with="L2"),
            event("L2", 48.1, 37.6, "launch", paired_with="I1"),
        ]
    )
    fires = {f.key: [s.id for s in f.shots] for f in fires_from_events(evs)}
    assert fires == {("L2", "I1"): ["L2", "I1"], ("L1", "I1"): ["L1"]}
