"""The latest stored agreement (what statistics, reports, alerts and map layers use) is not
the one in force now: it is the version that took effect last, whatever the time."""

import copy
from datetime import UTC, datetime
from typing import Any

from tests.conftest import AGREEMENT, FIXED_NOW_US
from truceline.services import agreements as svc
from truceline.store.engine import Store


def _doc(agreement_id: str, version: int, effective_from: str, side: str = "B") -> dict[str, Any]:
    doc = copy.deepcopy(AGREEMENT)
    doc["agreement"].update(id=agreement_id, version=version, effective_from=effective_from)
    doc["agreement"]["sides"][1]["code"] = side
    for feature in doc["features"]:
        if feature["properties"].get("side") == "B":
            feature["properties"]["side"] = side
    return doc


def test_latest_is_the_version_that_took_effect_last(store: Store) -> None:
    with store.read() as conn:
        assert svc.latest_agreement(conn) is None
        assert svc.all_agreements(conn) == []
    for doc in (
        _doc("example-2026", 1, "2026-03-01T00:00:00Z"),
        _doc("example-2026", 2, "2026-06-01T00:00:00Z"),
        _doc("other-accord", 5, "2026-04-01T00:00:00Z", side="C"),
    ):
        svc.load_agreement(store, doc, source="test", now_us=FIXED_NOW_US)
    with store.read() as conn:
        latest = svc.latest_agreement(conn)
        assert latest is not None
        assert (latest.id, latest.version) == ("example-2026", 2)
        # in force in May: version 1 and the other accord, not the latest
        may = svc.in_force(conn, datetime(2026, 5, 1, tzinfo=UTC))
        assert sorted((a.id, a.version) for a in may) == [("example-2026", 1), ("other-accord", 5)]
        every = svc.all_agreements(conn)
        assert [(a.id, a.version) for a in every] == [
            ("example-2026", 1),
            ("example-2026", 2),
            ("other-accord", 5),
        ]
        assert svc.side_codes(every) == ["A", "B", "C"]
        # a stored version is parsed once: the same object comes back
        assert svc.latest_agreement(conn) is latest
        assert every[1] is latest
