from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FIXED_NOW_US
from truceline.api import create_app
from truceline.services.principals import add_principal
from truceline.settings import Settings
from truceline.store.engine import Store

TokenFor = Callable[..., str]


@pytest.fixture
def token_for(store: Store) -> TokenFor:
    """Create a principal on the test store and return its bearer token."""
    counter = iter(range(10_000))

    def make(*roles: str, nation: str = "GBR", side: str | None = None) -> str:
        name = f"{'-'.join(roles)}-{nation}-{next(counter)}"
        return add_principal(store, name=name, nation=nation, roles=list(roles), side=side,
                             expires_us=None, now_us=FIXED_NOW_US, actor="test").token

    return make


@pytest.fixture
def anon(store: Store, settings: Settings) -> Iterator[TestClient]:
    """The real app over the real store (both backends), with no credentials."""
    with TestClient(create_app(settings, store=store)) as c:
        yield c


@pytest.fixture
def client(anon: TestClient, token_for: TokenFor) -> TestClient:
    """The same app, as a mission administrator."""
    anon.headers["Authorization"] = f"Bearer {token_for('admin', nation='MISSION')}"
    return anon
