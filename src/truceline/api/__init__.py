"""The HTTP API (an edge): parse the request, call a service, serialise the answer."""

from truceline.api.app import create_app

__all__ = ["create_app"]
