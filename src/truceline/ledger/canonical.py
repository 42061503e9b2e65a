"""A fast RFC 8785 (JCS) serialiser for the JSON values stored records are made of.

Pure: a function of its argument. The reference ``rfc8785`` package is written in
Python and manages about 15,000 records per second here, which would make the
ledger — not the database — the limit of ingest. ``orjson`` with sorted keys
already produces the RFC 8785 bytes for most values; the exceptions are known
and handled here:

* numbers: RFC 8785 §3.2.2.3 prints numbers as ECMAScript ``Number.toString``
  does, so an integral float is printed without ``.0`` (``48.0`` -> ``48``,
  ``-0.0`` -> ``0``) and ``1e16`` as ``10000000000000000``. Integral floats below
  2**53 are therefore turned into ints first (exact: they are integers). Other
  floats take the fast path only in ``[1e-5, 1e15)`` by magnitude, where both
  use plain decimal notation with the same shortest round-trip digits (ryu /
  ECMAScript both emit the shortest digit string that round-trips).
* key order: RFC 8785 §3.2.3 sorts by UTF-16 code units, ``orjson`` by code
  points; they agree for keys without characters above U+FFFF, and the fast
  path only accepts ASCII keys.
* strings: ``orjson`` escapes exactly as RFC 8785 §3.2.2.2 (``\\b \\t \\n \\f \\r``,
  other controls as lowercase ``\\u00xx``, nothing else); lone surrogates make
  ``orjson`` fail, and then the reference implementation decides.

Anything outside the fast path is serialised by ``rfc8785`` itself, so the
output is always the reference output; ``tests/ledger/test_ledger_canonical.py``
checks the two agree on generated values.
"""

from __future__ import annotations

from typing import Any

import orjson
import rfc8785

__all__ = ["canonical_json"]

_MAX_SAFE = 2**53 - 1
_FAST_MIN = 1e-5
_FAST_MAX = 1e15


class _Slow(Exception):
    """The value needs the reference serialiser."""


def _number(value: Any) -> int | float:
    """An int within ±(2**53 - 1), an integral float as an int, or a fast-path float."""
    if type(value) is int:
        if -_MAX_SAFE <= value <= _MAX_SAFE:
            return value
        raise _Slow
    number = float(value)
    if number.is_integer() and -_MAX_SAFE <= number <= _MAX_SAFE:
        return int(number)
    if _FAST_MIN <= abs(number) < _FAST_MAX:
        return number
    raise _Slow


def _norm(value: Any) -> Any:
    """``value`` with integral floats as ints; :class:`_Slow` outside the fast path.

    Dispatches on the EXACT type: subclasses (of str, int, dict, ...) go to the reference.
    Containers are copied only when something in them changes (most records need no copy).
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int or kind is float:
        return _number(value)
    if kind is dict:
        return _norm_dict(value)
    if kind is list or kind is tuple:
        items = [_norm(item) for item in value]
        return (
            value
            if kind is list and all(a is b for a, b in zip(items, value, strict=True))
            else items
        )
    raise _Slow


def _norm_dict(value: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] | None = None
    for key, item in value.items():  # the hot loop: records are flat dicts of scalars
        if type(key) is not str or not key.isascii():  # orjson wants exact str keys
            raise _Slow
        sub = type(item)
        if sub is str or sub is bool or item is None:
            continue
        new = _number(item) if sub is float or sub is int else _norm(item)
        if new is not item:
            if out is None:
                out = dict(value)
            out[key] = new
    return value if out is None else out


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON of ``value`` as UTF-8 bytes (same bytes as ``rfc8785.dumps``).

    Raises what ``rfc8785.dumps`` raises for values RFC 8785 cannot serialise.
    """
    try:
        return orjson.dumps(_norm(value), option=orjson.OPT_SORT_KEYS)
    except (_Slow, orjson.JSONEncodeError):
        return rfc8785.dumps(value)
