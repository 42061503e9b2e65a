"""API fixtures live in tests/conftest.py; this re-exports the token factory's type."""

from tests.conftest import TokenFor

__all__ = ["TokenFor"]
