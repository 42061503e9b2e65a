"""A client of a Truceline server's ledger API (docs/ledger.md), for verifiers and witnesses.

Everything it returns is UNTRUSTED until checked: the callers verify signatures and
proofs with the pure ``truceline.ledger`` functions. Errors of transport or of the server
become :class:`LedgerHttpError` with the URL and the server's problem detail.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from typing import Any

import httpx

from truceline.errors import TrucelineError

__all__ = ["API", "LedgerHttpClient", "LedgerHttpError"]

API = "/api/v1"


class LedgerHttpError(TrucelineError):
    """The server could not be reached, or answered with an error or a malformed body."""

    status = 502
    title = "Ledger server error"
    type_slug = "ledger-server"


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise LedgerHttpError(f"{what} is not a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise LedgerHttpError(f"{what} is not base64") from None


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise LedgerHttpError(f"response field {key!r} is not an integer")
    return value


class LedgerHttpClient:
    """GETs and POSTs of the ledger API over an ``httpx.Client`` (a TestClient works too)."""

    def __init__(
        self,
        url: str,
        *,
        client: httpx.Client | None = None,
        timeout: float = 30.0,
    ) -> None:
        base = url.rstrip("/")
        if base.endswith(API):
            base = base[: -len(API)]
        self.base = base
        self.client = client or httpx.Client(timeout=timeout)

    def _get(self, path: str, **params: Any) -> httpx.Response:
        url = f"{self.base}{path}"
        try:
            response = self.client.get(url, params=params or None)
        except httpx.HTTPError as exc:
            raise LedgerHttpError(f"GET {url}: {exc}") from None
        self._check(response, "GET", url)
        return response

    @staticmethod
    def _check(response: httpx.Response, method: str, url: str) -> None:
        if response.status_code < 400:
            return
        detail = response.text[:300]
        with contextlib.suppress(ValueError):
            detail = str(response.json().get("detail", detail))
        error = LedgerHttpError(f"{method} {url}: HTTP {response.status_code}: {detail}")
        error.status = response.status_code
        raise error

    def _json(self, path: str, **params: Any) -> Any:
        try:
            return self._get(path, **params).json()
        except ValueError:
            raise LedgerHttpError(f"GET {self.base}{path}: the body is not JSON") from None

    def checkpoint(self) -> str:
        """The latest signed checkpoint note."""
        return self._get(f"{API}/ledger/checkpoint").text

    def key(self) -> str:
        """The log's verifier key from the well-known URL."""
        return self._get("/.well-known/truceline-ledger-key").text.strip()

    def leaves(self, start: int, end: int) -> list[tuple[int, bytes]]:
        """``(index, leaf_hash)`` of leaves ``[start, end)`` (the server may return fewer)."""
        body = self._json(f"{API}/ledger/leaves", start=start, end=end)
        if not isinstance(body, list):
            raise LedgerHttpError("ledger/leaves: expected a JSON array")
        return [(_int(item, "index"), _b64(item.get("leaf_hash"), "leaf_hash")) for item in body]

    def inclusion(self, index: int, size: int) -> tuple[bytes, list[bytes]]:
        body = self._json(f"{API}/ledger/inclusion", index=index, size=size)
        if _int(body, "index") != index or _int(body, "size") != size:
            raise LedgerHttpError("ledger/inclusion answered for another leaf or size")
        return _b64(body.get("leaf_hash"), "leaf_hash"), self._proof(body)

    def consistency(self, old: int, new: int) -> list[bytes]:
        body = self._json(f"{API}/ledger/consistency", **{"from": old, "to": new})
        if _int(body, "from") != old or _int(body, "to") != new:
            raise LedgerHttpError("ledger/consistency answered for other sizes")
        return self._proof(body)

    def cosignatures(self) -> dict[str, Any]:
        body = self._json(f"{API}/ledger/cosignatures")
        if not isinstance(body, dict):
            raise LedgerHttpError("ledger/cosignatures: expected a JSON object")
        return body

    def submit_cosignature(self, note: str) -> None:
        """POST a checkpoint note carrying our cosignature line."""
        url = f"{self.base}{API}/ledger/cosignatures"
        headers = {"Content-Type": "text/plain; charset=utf-8"}
        try:
            response = self.client.post(url, content=note.encode("utf-8"), headers=headers)
        except httpx.HTTPError as exc:
            raise LedgerHttpError(f"POST {url}: {exc}") from None
        self._check(response, "POST", url)

    @staticmethod
    def _proof(body: dict[str, Any]) -> list[bytes]:
        proof = body.get("proof")
        if not isinstance(proof, list):
            raise LedgerHttpError("response field 'proof' is not a list")
        return [_b64(p, "proof element") for p in proof]
