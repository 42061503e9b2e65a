from tests.api.conftest import anon, client, token_for  # noqa: F401 - shared fixtures
