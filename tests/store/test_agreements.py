"""Agreement versions on both backends: version 2 keeps version 1; which held at time t."""

import copy
from datetime import UTC, datetime

import pytest

from tests.conftest import AGREEMENT, FIXED_NOW_US
from truceline.errors import ConflictError, NotFoundError
from truceline.services import agreements as svc
from truceline.store.engine import Store


def _v2() -> dict:
    doc = copy.deepcopy(AGREEMENT)
    doc["agreement"]["version"] = 2
    doc["agreement"]["effective_from"] = "2026-06-01T00:00:00Z"
    doc["agreement"]["withdrawal"][0]["distance_km"] = 30
    return doc


def test_versions_and_in_force(store: Store) -> None:
    assert svc.load_agreement(
        store, copy.deepcopy(AGREEMENT), source="v1", now_us=FIXED_NOW_US
    ).created
    assert svc.load_agreement(store, _v2(), source="v2", now_us=FIXED_NOW_US).created
    with store.read() as conn:
        assert [v["version"] for v in svc.list_versions(conn)] == [1, 2]
        may = svc.get_agreement(conn, "example-2026", at=datetime(2026, 5, 1, tzinfo=UTC))
        july = svc.get_agreement(conn, "example-2026", at=datetime(2026, 7, 1, tzinfo=UTC))
        assert (may.version, july.version) == (1, 2)
        assert july.withdrawal_km["artillery_100mm_plus"] == 30
        assert svc.get_agreement(conn, "example-2026").version == 2
        assert svc.get_agreement(conn, "example-2026", version=1).version == 1
        with pytest.raises(NotFoundError):
            svc.get_agreement(conn, "example-2026", at=datetime(2026, 1, 1, tzinfo=UTC))
        assert [a.version for a in svc.in_force(conn, datetime(2026, 7, 1, tzinfo=UTC))] == [2]


def test_reload_is_idempotent_and_changed_version_refused(store: Store) -> None:
    svc.load_agreement(store, copy.deepcopy(AGREEMENT), source="v1", now_us=FIXED_NOW_US)
    assert not svc.load_agreement(
        store, copy.deepcopy(AGREEMENT), source="v1", now_us=FIXED_NOW_US
    ).created
    changed = copy.deepcopy(AGREEMENT)
    changed["agreement"]["title"] = "Edited"
    with pytest.raises(ConflictError, match="new version"):
        svc.load_agreement(store, changed, source="v1b", now_us=FIXED_NOW_US)
