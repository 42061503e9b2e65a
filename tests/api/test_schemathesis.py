"""A short property-based run of the whole OpenAPI: no input makes the server answer 500.

Runs as an administrator (who reaches every route's logic) and as the anonymous public.
"""

import io
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.conftest import FIXED_NOW_US, SENSORS_CSV, bearer
from truceline.api import create_app
from truceline.formats.readers import iter_sensor_csv
from truceline.services.ingest import KINDS, ingest
from truceline.services.principals import add_principal
from truceline.settings import Settings
from truceline.store.engine import Store


def _app_and_token(tmp_dir: str) -> tuple[object, str]:
    store = Store(f"sqlite:///{tmp_dir}/schemathesis.db")
    store.migrate()
    ingest(
        store,
        KINDS["sensors"],
        iter_sensor_csv(io.StringIO(SENSORS_CSV), source="s"),
        source="s",
        now_us=FIXED_NOW_US,
    )
    token = add_principal(
        store,
        name="st-admin",
        nation="MISSION",
        roles=["admin"],
        side=None,
        expires_us=None,
        now_us=FIXED_NOW_US,
        actor="test",
    ).token
    return create_app(Settings.from_env({}, home=tmp_dir), store=store), token


APP, TOKEN = _app_and_token(tempfile.mkdtemp(prefix="truceline-st-"))
# The live stream never ends by design; tests/api/test_stream.py covers it with a bound.
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP).exclude(path="/api/v1/stream")


@pytest.mark.parametrize("as_admin", [True, False], ids=["admin", "public"])
@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case, as_admin: bool) -> None:
    headers = bearer(TOKEN) if as_admin else {}
    response = case.call(headers=headers)
    case.validate_response(response, checks=[not_a_server_error])
