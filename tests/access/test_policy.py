"""The pure policy: audiences, originators, derived markings."""

from hypothesis import given
from hypothesis import strategies as st

from truceline.access.markings import NOBODY, derive
from truceline.access.policy import PUBLIC, Principal, can_see, release_tokens
from truceline.formats.records import Markings

SIDES = ("UA", "RU")
analyst_gbr = Principal("a", "GBR", frozenset({"analyst"}))
observer_fra = Principal("o", "FRA", frozenset({"observer"}))
liaison_ua = Principal("l", "UKR", frozenset({"party_liaison"}), side="UA")
feed_usa = Principal("f", "USA", frozenset({"sensor_feed"}), kind="service")


def m(*tokens: str) -> Markings:
    return Markings(releasable_to=list(tokens))


def test_audiences() -> None:
    assert can_see(analyst_gbr, m("MISSION"), "USA")
    assert not can_see(observer_fra, m("MISSION"), "USA")
    assert can_see(observer_fra, m("COALITION"), "USA")
    assert can_see(observer_fra, m("FRA"), "USA")
    assert not can_see(liaison_ua, m("COALITION", "MISSION"), "USA")
    assert can_see(liaison_ua, m("PARTIES"), "MISSION")
    assert can_see(liaison_ua, m("UA"), "MISSION") and not can_see(liaison_ua, m("RU"), "MISSION")
    assert not can_see(liaison_ua, m("UKR"), "USA")  # a party never reads through a nation code
    assert can_see(PUBLIC, m("PUBLIC"), "USA") and not can_see(PUBLIC, m("MISSION"), "USA")
    assert not can_see(feed_usa, m("PUBLIC"), "USA")  # write-only


def test_originator_sees_own() -> None:
    assert can_see(observer_fra, m("USA"), "FRA")
    assert can_see(liaison_ua, m("MISSION"), "UA")  # its own side's filing
    assert not can_see(liaison_ua, m("MISSION"), "RU")


TOKENS = st.sampled_from(
    ["MISSION", "COALITION", "PARTIES", "PUBLIC", "USA", "GBR", "FRA", "UA", "RU"]
)
MARKINGS = st.builds(
    lambda ts, tlp, orcon: Markings(
        releasable_to=sorted(set(ts)), tlp=tlp, originator_controlled=orcon
    ),
    st.lists(TOKENS, min_size=1, max_size=4),
    st.sampled_from(["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]),
    st.booleans(),
)
PRINCIPALS = st.sampled_from(
    [
        analyst_gbr,
        observer_fra,
        liaison_ua,
        PUBLIC,
        Principal("l2", "RUS", frozenset({"party_liaison"}), side="RU"),
        Principal("c", "USA", frozenset({"commissioner"})),
        Principal("o2", "USA", frozenset({"observer"})),
    ]
)


@given(st.lists(MARKINGS, min_size=1, max_size=4), PRINCIPALS)
def test_derived_record_is_never_wider_than_its_inputs(
    inputs: list[Markings], p: Principal
) -> None:
    derived = derive(inputs, side_codes=SIDES)
    if can_see(p, derived, "MISSION"):
        assert all(can_see(p, i, "MISSION") for i in inputs)


def test_derived_strictest_label_and_orcon() -> None:
    d = derive(
        [
            m("USA", "MISSION"),
            Markings(releasable_to=["COALITION"], tlp="RED", originator_controlled=True),
        ],
        side_codes=SIDES,
    )
    assert d.releasable_to == ["USA"] and d.tlp == "RED" and d.originator_controlled
    nobody = derive([m("USA"), m("GBR")], side_codes=SIDES)
    assert nobody.releasable_to == [NOBODY]
    assert not can_see(analyst_gbr, nobody, "MISSION")


def test_release_tokens() -> None:
    assert release_tokens(analyst_gbr) == {"PUBLIC", "MISSION", "COALITION", "GBR"}
    assert release_tokens(liaison_ua) == {"PUBLIC", "PARTIES", "UA"}
    assert release_tokens(feed_usa) == frozenset()
