from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truceline.incidents.correlate import (
    IncidentCandidate,
    assign,
    correlate,
    incident_id_for,
    propose_duplicates,
)
from truceline.incidents.errors import IncidentInputError
from truceline.incidents.gates import compare
from truceline.incidents.sources import Source

from .factories import source

KINDS = ("event", "finding", "monitor_report", "allegation", "open_source")
CATS = ("explosion", "fire", "shot", "uav_overflight", "restriction", "weapon_sighting")


@st.composite
def source_sets(draw: st.DrawFn) -> list[Source]:
    n = draw(st.integers(1, 14))
    out = []
    for i in range(n):
        out.append(
            source(
                f"s{i}",
                draw(st.sampled_from(KINDS)),
                minutes=draw(st.floats(0, 240)),
                duration_min=draw(st.sampled_from([0.0, 5.0, 30.0])),
                east_m=draw(st.floats(-20_000, 20_000)),
                north_m=draw(st.floats(-20_000, 20_000)),
                radius_m=draw(st.sampled_from([20.0, 500.0, 3_000.0])),
                category=draw(st.sampled_from(CATS)),
                links={f"s{draw(st.integers(0, n - 1))}"} if draw(st.booleans()) else None,
            )
        )
    return out


def _partition(result_incidents: tuple[IncidentCandidate, ...]) -> dict[str, frozenset[str]]:
    return {i.id: frozenset(s.id for s in i.sources) for i in result_incidents}


@settings(max_examples=60, deadline=None)
@given(source_sets(), st.randoms(use_true_random=False))
def test_grouping_does_not_depend_on_input_order(sources: list[Source], rnd: random.Random) -> None:
    shuffled = list(sources)
    rnd.shuffle(shuffled)
    first, second = correlate(sources), correlate(shuffled)
    assert first == second
    assert _partition(first.incidents) == _partition(second.incidents)


@settings(max_examples=60, deadline=None)
@given(source_sets())
def test_every_source_is_in_exactly_one_incident_and_groups_are_connected(
    sources: list[Source],
) -> None:
    result = correlate(sources)
    seen = [s.key for i in result.incidents for s in i.sources]
    assert sorted(seen) == sorted(s.key for s in sources)
    owner = {s.key: i.id for i in result.incidents for s in i.sources}
    for a, b in itertools.combinations(sources, 2):  # matching pairs always share an incident
        if compare(a, b).within():
            assert owner[a.key] == owner[b.key]
    for inc in result.incidents:  # the id is its earliest source's
        founder = min(inc.sources, key=lambda s: (s.time_from, s.kind, s.id))
        assert inc.id == incident_id_for(founder)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-6, 6), st.integers(-6, 6), st.sampled_from([20.0, 3_000.0])),
        min_size=2,
        max_size=8,
        unique_by=lambda t: (t[0], t[1]),
    ),
    st.sampled_from(KINDS),
)
def test_far_apart_sources_are_never_grouped(
    cells: list[tuple[int, int, float]], kind: str
) -> None:
    # grid cells 10 km apart, all at the same time and category: only space keeps them apart
    sources = [
        source(f"s{i}", kind, east_m=x * 10_000.0, north_m=y * 10_000.0, radius_m=r)  # type: ignore[arg-type]
        for i, (x, y, r) in enumerate(cells)
    ]
    for a, b in itertools.combinations(sources, 2):
        assert not compare(a, b).within()  # the premise: every pair is outside its gate
    result = correlate(sources)
    assert all(len(i.sources) == 1 for i in result.incidents)


def test_an_allegation_and_the_matching_sensor_finding_are_one_incident() -> None:
    allegation = source("al-1", "allegation", radius_m=2_000.0, blamed="B", minutes=0)
    finding = source("f-1", "finding", category="fire", east_m=700.0, minutes=2.5, radius_m=40.0)
    elsewhere = source("ev-far", "event", east_m=30_000.0, minutes=1.0)
    result = correlate([finding, elsewhere, allegation])
    groups = sorted(sorted(s.id for s in i.sources) for i in result.incidents)
    assert groups == [["al-1", "f-1"], ["ev-far"]]


def test_linked_sources_join_however_far_apart() -> None:
    launch = source("ev-launch", east_m=-14_000.0, links={"ev-impact"})
    impact = source("ev-impact", minutes=0.5)
    assert len(correlate([launch, impact]).incidents) == 1


def test_look_alike_incidents_are_proposed_not_merged() -> None:
    a = source("a", radius_m=600.0)
    b = source("b", radius_m=400.0, east_m=2_000.0)  # gate 1,250 m, twice that 2,500 m
    result = correlate([a, b])
    assert len(result.incidents) == 2
    (proposal,) = result.duplicates
    ids = sorted(i.id for i in result.incidents)
    assert (proposal.incident_a, proposal.incident_b) == (ids[0], ids[1])
    assert 0.0 < proposal.score < 1.0 and "2,000 m apart" in proposal.reason


def test_a_repeated_id_with_different_content_is_refused() -> None:
    with pytest.raises(IncidentInputError, match="repeat"):
        correlate([source("x"), source("x", minutes=3.0)])
    assert len(correlate([source("x"), source("x")]).incidents) == 1


def _candidate(*sources: Source, sealed: bool = False) -> IncidentCandidate:
    first = min(sources, key=lambda s: (s.time_from, s.kind, s.id))
    return IncidentCandidate(incident_id_for(first), tuple(sources), sealed)


def test_assign_joins_the_matching_incident_or_founds_one() -> None:
    open_inc = _candidate(source("ev-1"))
    joined = assign(source("mr-1", "monitor_report", east_m=300.0, radius_m=1_000.0), [open_inc])
    assert (joined.incident_id, joined.new, joined.duplicates) == (open_inc.id, False, ())
    lonely = source("ev-2", east_m=50_000.0)
    made = assign(lonely, [open_inc])
    assert made.new and made.incident_id == incident_id_for(lonely)
    again = assign(source("ev-1"), [open_inc])
    assert again.incident_id == open_inc.id and not again.new


def test_a_source_matching_two_incidents_joins_the_best_and_proposes_the_pair() -> None:
    west = _candidate(source("ev-w", east_m=-1_500.0))
    east = _candidate(source("ev-e", east_m=1_500.0))
    bridge = source("al-1", "allegation", east_m=200.0, radius_m=2_000.0)
    for order in ([west, east], [east, west]):
        got = assign(bridge, order)
        assert got.incident_id == east.id  # nearer the east event: higher score
        (proposal,) = got.duplicates
        assert {proposal.incident_a, proposal.incident_b} == {west.id, east.id}
        assert "al-1 matches both" in proposal.reason


def test_a_sealed_incident_is_never_joined() -> None:
    sealed = _candidate(source("ev-1"), sealed=True)
    late = source("al-9", "allegation", radius_m=2_000.0)
    got = assign(late, [sealed])
    assert got.new and got.incident_id == incident_id_for(late)
    (proposal,) = got.duplicates
    assert sealed.id in (proposal.incident_a, proposal.incident_b)
    assert "sealed" in proposal.reason


def test_incremental_in_time_order_agrees_with_batch_when_nothing_bridges() -> None:
    sources = [
        source("ev-1"),
        source("mr-1", "monitor_report", minutes=5, east_m=400, radius_m=1_000),
        source("ev-2", minutes=30, east_m=25_000),
        source("al-1", "allegation", minutes=40, east_m=24_000, radius_m=2_000),
    ]
    incidents: dict[str, list[Source]] = {}
    for s in sources:
        got = assign(s, [IncidentCandidate(k, tuple(v)) for k, v in incidents.items()])
        incidents.setdefault(got.incident_id, []).append(s)
    batch = {i.id: sorted(s.id for s in i.sources) for i in correlate(sources).incidents}
    assert {k: sorted(s.id for s in v) for k, v in incidents.items()} == batch


def test_propose_duplicates_between_existing_incidents() -> None:
    a = _candidate(source("a", radius_m=100.0))
    b = _candidate(source("b", radius_m=100.0, east_m=1_500.0))  # gate 1 km, twice 2 km
    far = _candidate(source("c", east_m=90_000.0))
    (proposal,) = propose_duplicates([far, b, a])
    assert {proposal.incident_a, proposal.incident_b} == {a.id, b.id}
    shared = IncidentCandidate("inc-x", (source("a", radius_m=100.0),))
    top = propose_duplicates([a, shared])[0]
    assert top.score == 1.0 and "in both" in top.reason
