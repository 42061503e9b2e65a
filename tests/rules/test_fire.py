"""Rule ``fire``: sides from the launch and the impact, one finding per happening."""

from __future__ import annotations

from truceline.rules import check
from truceline.rules.geodesic import GEOD

from .conftest import agreement, east_of_line, event, located, observation

A = agreement()


def _pair() -> list[dict[str, object]]:
    llat, llon = east_of_line(48.3, 9_000.0)  # B's ground
    ilat, ilon = east_of_line(48.3, -4_000.0)  # A's ground
    return [
        event("ev-1", llat, llon, "launch", side="B", paired_with="ev-2"),
        event(
            "ev-2", ilat, ilon, "impact", side="A", paired_with="ev-1", time="2026-03-02T04:00:40Z"
        ),
    ]


def test_a_paired_launch_and_impact_give_one_finding_with_both() -> None:
    [f] = [f for f in check([A], events=_pair()) if f.rule == "fire"]
    assert f.subjects == ("ev-1", "ev-2")
    assert (f.responsible_side, f.affected_side, f.grave) == ("B", "A", False)
    assert f.instrument == "Art. 1"
    assert f.basis.startswith(
        "launch located 9.0 km behind side B's line (95 % ellipse 40 m), "
        "impact 4.0 km inside side A's area"
    )
    launch, impact = f.facts["shots"]
    assert abs(launch["contact_line_distance_m"] - 9_000.0) < 0.1
    assert abs(impact["contact_line_distance_m"] - 4_000.0) < 0.1
    assert f.to_dict()["location"] == {"lat": impact["place"]["lat"], "lon": impact["place"]["lon"]}
    assert f.to_dict()["time"] == "2026-03-02T04:00:00Z"  # when fire was opened


def test_an_ambiguous_pairing_says_so_and_every_pair_carries_its_margin() -> None:
    launch, impact = _pair()
    for ev in (launch, impact):
        ev["properties"]["pair_margin"] = 0.4  # type: ignore[index]
    [f] = [f for f in check([A], events=[launch, impact]) if f.rule == "fire"]
    assert f.basis.endswith("into A [Side A]; the pairing is ambiguous (another within 0.4 nats)")
    assert [s["pair_margin_nats"] for s in f.facts["shots"]] == [0.4, 0.4]
    for ev in (launch, impact):  # two rounds of one salvo: who fired is not in doubt
        ev["properties"]["salvo"] = "ev-1"  # type: ignore[index]
    [f] = [f for f in check([A], events=[launch, impact]) if f.rule == "fire"]
    assert f.basis.endswith(
        "; which round of the salvo it was is ambiguous (another within 0.4 nats), not who fired it"
    )
    for ev in (launch, impact):
        ev["properties"]["pair_margin"] = 3.0  # type: ignore[index]
    [f] = [f for f in check([A], events=[launch, impact]) if f.rule == "fire"]
    assert "ambiguous" not in f.basis


def test_an_unpaired_impact_names_only_the_affected_side() -> None:
    impact = _pair()[1]
    impact["properties"]["paired_with"] = None  # type: ignore[index]
    [f] = check([A], events=[impact])
    assert (f.responsible_side, f.affected_side) == (None, "A")
    assert "no side is named" in f.basis


def _salvo() -> list[dict[str, object]]:
    """A salvo's first launch on B's ground, paired with its impact, and an impact of the
    same salvo left unpaired (fusion could not tell which round it was)."""
    llat, llon = east_of_line(48.3, 9_000.0)
    ilat, ilon = east_of_line(48.3, -4_000.0)
    jlat, jlon = east_of_line(48.301, -4_100.0)
    return [
        event("ev-1", llat, llon, "launch", side="B", paired_with="ev-2", salvo="ev-1"),
        event("ev-2", ilat, ilon, "impact", side="A", paired_with="ev-1", salvo="ev-1",
              time="2026-03-02T04:00:40Z"),
        event("ev-3", jlat, jlon, "impact", side="A", salvo="ev-1",
              time="2026-03-02T04:00:43Z"),
    ]  # fmt: skip


def test_an_unpaired_impact_of_a_salvo_names_who_fired_it_from_the_salvos_launch() -> None:
    fires = [f for f in check([A], events=_salvo()) if f.rule == "fire"]
    [alone] = [f for f in fires if f.subjects == ("ev-3",)]
    assert (alone.responsible_side, alone.affected_side) == ("B", "A")
    assert "a round of a salvo, its first launch located 9.0 km behind side B's line" in (
        alone.basis
    )
    assert alone.basis.endswith("(by its salvo's launches; which round it was is not known)")
    assert alone.facts["salvo_launch"]["id"] == "ev-1"
    assert not alone.facts["paired"]
    assert alone.to_dict()["time"] == "2026-03-02T04:00:43Z"  # the impact's: no launch time


def test_a_salvo_impact_without_its_salvos_launch_at_hand_names_no_side() -> None:
    """The rules name no side from a launch they cannot see; the judge service fetches it
    (tests/services/test_judge_salvo.py)."""
    [f] = check([A], events=[_salvo()[2]])
    assert (f.responsible_side, f.affected_side) == (None, "A")
    assert "no side is named" in f.basis


def test_a_salvo_label_naming_no_launch_is_not_taken_for_one() -> None:
    launch, impact, alone = _salvo()
    alone["properties"]["salvo"] = "ev-2"  # type: ignore[index]  # an impact, not a launch
    [f] = [f for f in check([A], events=[launch, impact, alone]) if f.subjects == ("ev-3",)]
    assert f.responsible_side is None


def test_an_unpaired_launch_names_only_the_responsible_side() -> None:
    launch = _pair()[0]
    [f] = check([A], events=[launch])
    assert (f.responsible_side, f.affected_side) == ("B", None)


def test_the_finding_keeps_its_id_when_the_impact_arrives_later() -> None:
    launch, impact = _pair()
    [alone] = check([A], events=[launch])
    [both] = [f for f in check([A], events=[launch, impact]) if f.rule == "fire"]
    assert alone.id == both.id
    assert alone.subjects == ("ev-1",) and both.subjects == ("ev-1", "ev-2")


def test_side_missing_from_the_event_is_taken_from_the_agreement() -> None:
    lat, lon = east_of_line(48.1, 3_000.0)
    [f] = check([A], events=[event("ev-9", lat, lon, "impact", side=None)])
    assert f.affected_side == "B"
    assert f.facts["shots"][0]["side_from"] == "agreement"


def test_no_finding_when_fire_is_not_prohibited() -> None:
    assert check([agreement(prohibited=["uav_overflight"])], events=_pair()) == []


def test_nothing_before_effective_from_or_after_effective_to() -> None:
    early = [dict(e) for e in _pair()]
    for e in early:
        e["properties"] = {**e["properties"], "time": "2026-02-28T23:59:59Z"}  # type: ignore[dict-item]
    assert check([A], events=early) == []
    ended = agreement(effective_to="2026-03-02T00:00:00Z")
    assert check([ended], events=_pair()) == []
    assert check([agreement(effective_to="2026-03-03T00:00:00Z")], events=_pair())


def test_a_monitor_heard_explosion_is_placed_as_an_area() -> None:
    obs = observation(
        "mr-1",
        "explosion",
        subtype="undetermined",
        means="heard",
        observer={"lat": 48.2, "lon": 37.3},
        direction_deg=90.0,
        distance_m=[12_000.0, 18_000.0],
    )
    [f] = check([A], observations=[obs])
    place = f.facts["shots"][0]["place"]
    assert place["kind"] == "bearing_sector" and place["distance_m"] == [12_000.0, 18_000.0]
    # 12-18 km east of 37.3 E is 37.46-37.54 E: the area straddles the line
    assert "straddling the contact line" in f.basis
    assert (f.responsible_side, f.affected_side) == (None, None)
    az, _, d = GEOD.inv(37.3, 48.2, f.location[1], f.location[0])  # type: ignore[index]
    assert 12_000.0 < d < 18_000.0 and abs(az - 90.0) < 0.5


def test_reports_of_unjudged_types_are_left_to_the_incident_service() -> None:
    lat, lon = east_of_line(48.1, -2_000.0)
    claim = observation(
        "al-1",
        "explosion",
        type="allegation",
        originator="B",
        accused_side="A",
        **located(lat, lon),
    )
    assert check([A], observations=[claim]) == []


def test_casualties_near_the_impact_make_the_fire_grave() -> None:
    launch, impact = _pair()
    ilat, ilon = impact["geometry"]["coordinates"][1], impact["geometry"]["coordinates"][0]  # type: ignore[index]
    lon2, lat2, _ = GEOD.fwd(ilon, ilat, 45.0, 600.0)
    hurt = observation(
        "mr-cas",
        "casualty",
        time_from="2026-03-02T03:50:00Z",
        time_to="2026-03-02T04:10:00Z",
        casualties={"killed": 0, "injured": 2, "group": "civilian"},
        **located(lat2, lon2, 100.0),
    )
    far_lon, far_lat, _ = GEOD.fwd(ilon, ilat, 45.0, 5_000.0)
    far = observation(
        "mr-far",
        "casualty",
        time_from="2026-03-02T03:50:00Z",
        time_to="2026-03-02T04:10:00Z",
        casualties={"killed": 1, "injured": 0, "group": "civilian"},
        **located(far_lat, far_lon, 100.0),
    )
    [f] = [
        f for f in check([A], events=[launch, impact], observations=[hurt, far]) if f.rule == "fire"
    ]
    assert f.grave and f.subjects == ("ev-1", "ev-2", "mr-cas")
    assert f.facts["casualties"][0]["injured"] == 2
    assert abs(f.facts["casualties"][0]["distance_m"] - 600.0) < 0.5
    assert "2 injured (civilian)" in f.basis
    [plain] = [g for g in check([A], events=[launch, impact]) if g.rule == "fire"]
    assert plain.id == f.id and not plain.grave
