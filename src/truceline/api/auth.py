"""Authentication (bearer API tokens or OIDC JWTs) and permission checks for the routes.

A request without credentials is the anonymous public. Bad credentials are refused with
401 and nothing about why beyond "invalid token" (no hint whether a token exists, expired or
was revoked). Failed attempts are counted per client address and per claimed principal;
past the limit in a minute, further attempts get 429 until the minute has passed.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

import jwt
import orjson
from fastapi import Depends, Request

from truceline.access.policy import PUBLIC, Principal, parse_roles
from truceline.api.deps import get_store
from truceline.clock import now_us
from truceline.errors import ForbiddenError, TrucelineError, UnauthorizedError
from truceline.services.principals import TOKEN_PREFIX, authenticate_token
from truceline.settings import Settings


class TooManyAttempts(TrucelineError):
    status = 429
    title = "Too many failed attempts"
    type_slug = "too-many-attempts"


class FailureLimiter:
    """Sliding one-minute window of failed attempts per key (client, or principal)."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _window(self, key: str) -> deque[float]:
        q = self._events[key]
        cutoff = self._clock() - 60.0
        while q and q[0] < cutoff:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> bool:
        with self._lock:
            return any(len(self._window(k)) >= self.limit for k in keys)

    def fail(self, *keys: str) -> None:
        with self._lock:
            now = self._clock()
            for k in keys:
                self._window(k).append(now)


class OidcVerifier:
    """Checks bearer JWTs against the configured issuer, audience and key set."""

    def __init__(self, settings: Settings) -> None:
        self.issuer = settings.oidc_issuer
        self.audience = settings.oidc_audience
        source = settings.oidc_jwks
        self._client: jwt.PyJWKClient | None = None
        self._keys: jwt.PyJWKSet | None = None
        if source.startswith(("https://", "http://")):
            self._client = jwt.PyJWKClient(source)
        elif source:
            with open(source, "rb") as fh:
                self._keys = jwt.PyJWKSet.from_dict(orjson.loads(fh.read()))

    def principal(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            key = self._key(header.get("kid"))
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256", "ES256", "EdDSA", "PS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
            roles = parse_roles(claims.get("truceline_roles") or claims.get("roles") or [])
        except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
            raise UnauthorizedError("invalid token") from exc
        if not roles or not isinstance(claims.get("nation"), str):
            raise UnauthorizedError("invalid token")
        return Principal(
            name=f"oidc:{claims.get('preferred_username') or claims['sub']}",
            nation=claims["nation"],
            roles=roles,
            side=claims.get("side"),
            kind="oidc",
        )

    def _key(self, kid: str | None) -> Any:
        if self._client is not None:
            return self._client.get_signing_key(kid or "").key
        assert self._keys is not None
        for k in self._keys.keys:
            if kid is None or k.key_id == kid:
                return k.key
        raise KeyError(kid)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def current_principal(request: Request) -> Principal:
    """The caller: from an API token, an OIDC JWT, or the anonymous public."""
    header = request.headers.get("authorization")
    if not header:
        return PUBLIC
    scheme, _, token = header.partition(" ")
    limiter: FailureLimiter = request.app.state.failures
    client = f"client:{client_address(request)}"
    claimed = f"principal:{_claimed(token)}"
    if limiter.blocked(client, claimed):
        raise TooManyAttempts("too many failed authentication attempts; wait a minute")
    principal = None
    if scheme.lower() == "bearer" and token:
        if token.startswith(TOKEN_PREFIX):
            principal = authenticate_token(get_store(request), token, now_us=now_us())
        elif token.count(".") == 2 and request.app.state.oidc is not None:
            try:
                principal = request.app.state.oidc.principal(token)
            except UnauthorizedError:
                principal = None
    if principal is None:
        limiter.fail(client, claimed)
        raise UnauthorizedError("invalid token")
    request.state.principal = principal
    return principal


def _claimed(token: str) -> str:
    """What the token claims to be, for counting failures per principal without trusting it."""
    if token.startswith(TOKEN_PREFIX):
        return token[:10]
    try:
        return str(jwt.decode(token, options={"verify_signature": False}).get("sub", "?"))
    except jwt.PyJWTError:
        return "?"


def require(permission: str) -> Callable[..., Principal]:
    """A dependency: the caller, if it holds ``permission``; 401 for the public, else 403."""

    def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.may(permission):
            return principal
        if principal is PUBLIC:
            raise UnauthorizedError("this needs an authenticated principal")
        raise ForbiddenError(
            f"{permission} is not allowed for roles {', '.join(sorted(principal.roles))}"
        )

    dependency.__name__ = f"require_{permission.replace(':', '_')}"
    return dependency


def install(app: Any, settings: Settings) -> None:
    app.state.failures = FailureLimiter(settings.auth_max_failures)
    app.state.oidc = OidcVerifier(settings) if settings.oidc_issuer else None
