"""Is a CAP 1.2 message valid? Against the official XSD, and against the rules of the CAP
1.2 specification that the schema cannot express.

The XSD (``schema/CAP-v1.2.xsd``, OASIS, shipped unchanged) checks structure, order,
enumerations and the shape of times. The specification (OASIS CAP 1.2, 2010, section 3.2)
adds, and :func:`rule_problems` checks:

* times (``sent``, ``effective``, ``onset``, ``expires``) carry an offset, never ``Z``, and
  UTC is written ``-00:00`` (3.3.2): the XSD's pattern would accept ``+00:00``;
* ``identifier`` and ``sender`` contain no spaces, commas, ``<`` or ``&``;
* ``scope`` ``Restricted`` needs ``restriction``; ``Private`` needs ``addresses``;
* ``msgType`` ``Update``, ``Cancel``, ``Ack`` and ``Error`` need ``references``, each a
  ``sender,identifier,sent`` triple;
* a ``polygon`` has at least four ``lat,lon`` pairs, the first equal to the last, with
  WGS 84 latitudes in [-90, 90] and longitudes in [-180, 180];
* a ``circle`` is ``lat,lon radius`` with a radius in kilometres, not negative;
* ``ceiling`` only with ``altitude``.

Reads the packaged schema once (the only I/O here); parses without entities or network.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from lxml import etree

from truceline.alerts.cap import CAP_NS

SCHEMA_FILE = "CAP-v1.2.xsd"
SCHEMA_SHA256 = "b7798ef25868b068c97b268bda02d067c7d4ba9373adc5638bf37105804ee723"
NS = {"cap": CAP_NS}
TIME_FIELDS = ("sent", "info/cap:effective", "info/cap:onset", "info/cap:expires")
_BAD_ID = re.compile(r"[\s,<&]")
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_PAIR = re.compile(rf"^({_NUMBER}),({_NUMBER})$")
_CIRCLE = re.compile(rf"^({_NUMBER}),({_NUMBER})\s+({_NUMBER})$")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def schema_bytes() -> bytes:
    return (resources.files("truceline.alerts") / "schema" / SCHEMA_FILE).read_bytes()


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(schema_bytes(), _parser()))


def xsd_problems(document: bytes) -> list[str]:
    """What the official schema rejects (an empty list when the document is valid)."""
    try:
        root = etree.fromstring(document, _parser())
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    s = schema()
    if s.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in s.error_log]


def _texts(root: etree._Element, path: str) -> list[str]:
    return [el.text or "" for el in root.findall(f"cap:{path}", NS)]


def _time_problems(root: etree._Element) -> list[str]:
    out = []
    for path in TIME_FIELDS:
        for value in _texts(root, path):
            name = path.rsplit(":", 1)[-1]
            if value.endswith("Z") or "z" in value[10:]:
                out.append(f"{name} {value!r}: the 'Z' designator is not allowed")
            elif value.endswith("+00:00"):
                out.append(f"{name} {value!r}: UTC must be written -00:00")
    return out


def _polygon_problems(value: str) -> list[str]:
    pairs = value.split()
    out = []
    if len(pairs) < 4:
        out.append(f"polygon has {len(pairs)} points; at least 4 are required")
    if pairs and pairs[0] != pairs[-1]:
        out.append("polygon is not closed: its first and last points differ")
    for pair in pairs:
        m = _PAIR.match(pair)
        if m is None:
            out.append(f"polygon point {pair!r} is not 'lat,lon'")
        elif not (-90 <= float(m[1]) <= 90 and -180 <= float(m[2]) <= 180):
            out.append(f"polygon point {pair!r} is outside WGS 84 ranges")
    return out


def _circle_problems(value: str) -> list[str]:
    m = _CIRCLE.match(value.strip())
    if m is None:
        return [f"circle {value!r} is not 'lat,lon radius'"]
    out = []
    if not (-90 <= float(m[1]) <= 90 and -180 <= float(m[2]) <= 180):
        out.append(f"circle centre {value!r} is outside WGS 84 ranges")
    if float(m[3]) < 0:
        out.append(f"circle radius in {value!r} is negative")
    return out


def _header_problems(root: etree._Element) -> list[str]:
    out = []
    for name in ("identifier", "sender"):
        for value in _texts(root, name):
            if _BAD_ID.search(value):
                out.append(f"{name} {value!r} contains a space, comma, '<' or '&'")
    scope = (_texts(root, "scope") or [""])[0]
    if scope == "Restricted" and not _texts(root, "restriction"):
        out.append("scope Restricted needs a restriction")
    if scope == "Private" and not _texts(root, "addresses"):
        out.append("scope Private needs addresses")
    kind = (_texts(root, "msgType") or [""])[0]
    refs = _texts(root, "references")
    if kind in ("Update", "Cancel", "Ack", "Error"):
        if not refs:
            out.append(f"msgType {kind} needs references")
        for ref in " ".join(refs).split():
            if ref.count(",") != 2:
                out.append(f"reference {ref!r} is not 'sender,identifier,sent'")
    return out


def rule_problems(document: bytes) -> list[str]:
    """What the CAP 1.2 specification forbids beyond the schema (see the module docstring)."""
    root = etree.fromstring(document, _parser())
    out = _header_problems(root) + _time_problems(root)
    for area in root.findall("cap:info/cap:area", NS):
        for value in _texts(area, "polygon"):
            out += _polygon_problems(value)
        for value in _texts(area, "circle"):
            out += _circle_problems(value)
        if _texts(area, "ceiling") and not _texts(area, "altitude"):
            out.append("ceiling given without altitude")
    return out


def problems(document: bytes) -> list[str]:
    """Every reason ``document`` is not a valid CAP 1.2 message; empty when it is."""
    found = xsd_problems(document)
    return found if found else rule_problems(document)
