from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from truceline.api import create_app
from truceline.settings import Settings
from truceline.store.engine import Store


@pytest.fixture
def client(store: Store, settings: Settings) -> Iterator[TestClient]:
    """The real app over the real store (both backends), through the ASGI transport."""
    with TestClient(create_app(settings, store=store)) as c:
        yield c
