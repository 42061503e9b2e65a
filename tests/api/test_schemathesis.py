"""A short property-based run of the whole OpenAPI: no input makes the server answer 500."""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.conftest import FIXED_NOW_US, SENSORS_CSV
from truceline.api import create_app
from truceline.settings import Settings
from truceline.store.engine import Store


def _app(tmp_dir: str):  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_dir}/schemathesis.db")
    store.migrate()
    import io

    from truceline.formats.readers import iter_sensor_csv
    from truceline.services.ingest import KINDS, ingest

    ingest(
        store,
        KINDS["sensors"],
        iter_sensor_csv(io.StringIO(SENSORS_CSV), source="s"),
        source="s",
        now_us=FIXED_NOW_US,
    )
    return create_app(Settings.from_env({}, home=tmp_dir), store=store)


import tempfile  # noqa: E402

APP = _app(tempfile.mkdtemp(prefix="truceline-st-"))
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
