"""Opaque page tokens for keyset paging in both directions (pure).

A page is ordered by a sort key (time then id, or id alone). The ``next`` link carries the
key of the page's last feature and asks for what follows it; the ``prev`` link the key of
its first feature and asks for what precedes it. Unlike an offset, such a token never
skips or repeats a feature while new ones arrive, and costs one index seek however deep
the page (keyset pagination). The token is base64url JSON so clients treat it as opaque.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Literal

import orjson

from truceline.errors import BadRequestError

Direction = Literal["after", "before"]
Key = tuple[int | float | str, ...]


@dataclass(frozen=True, slots=True)
class PageToken:
    direction: Direction
    key: Key


def encode_token(token: PageToken) -> str:
    raw = orjson.dumps([token.direction[0], list(token.key)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(text: str) -> PageToken:
    """The token a ``next`` or ``prev`` link carried; 400 for anything else."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        direction, key = orjson.loads(raw)
        if direction not in ("a", "b") or not isinstance(key, list) or not key:
            raise ValueError
        if not all(isinstance(k, int | float | str) for k in key):
            raise ValueError
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise BadRequestError("cursor: not a cursor this server issued") from None
    return PageToken("after" if direction == "a" else "before", tuple(key))


def page_window(
    keys: list[Key], limit: int, token: PageToken | None
) -> tuple[slice, PageToken | None, PageToken | None]:
    """Which of ``keys`` form the page, and the tokens of the pages after and before it.

    ``keys`` are those of up to ``limit + 1`` matches fetched in the token's direction
    (ascending for none or ``after``, descending for ``before``): one more than the page
    tells whether a further page exists in that direction.
    """
    more = len(keys) > limit
    n = min(len(keys), limit)
    if token is None or token.direction == "after":
        window = slice(0, n)
        page = keys[:n]
        nxt = PageToken("after", page[-1]) if more and page else None
        prev = PageToken("before", page[0]) if token is not None and page else None
        if token is not None and not page:
            prev = PageToken("before", token.key)  # past the end: step back from here
        return window, nxt, prev
    page = keys[:n][::-1]  # fetched descending: the page in ascending order
    window = slice(n - 1, None, -1) if n else slice(0, 0)
    nxt = PageToken("after", page[-1]) if page else PageToken("after", token.key)
    prev = PageToken("before", page[0]) if more and page else None
    return window, nxt, prev
