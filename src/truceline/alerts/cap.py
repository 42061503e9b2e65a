"""An alert as an OASIS Common Alerting Protocol 1.2 message (pure).

The element order is the schema's (CAP-v1.2.xsd, shipped in ``schema/``). Choices:

* ``identifier`` is the alert id, ``sender`` the service's (no spaces or commas), ``sent``
  when the alert was raised; every time carries an offset, UTC written ``-00:00`` as CAP
  1.2 section 3.3.2 requires (never ``Z``, never ``+00:00``).
* ``status`` ``Actual`` (``Exercise`` for alerts raised on simulated data), ``msgType``
  ``Alert``.
* ``scope``: ``Public`` only when the alert's markings release it to ``PUBLIC``; otherwise
  ``Restricted`` with a ``restriction`` naming the audiences and the TLP label, so a CAP
  relay that honours scope never widens who reads it.
* one ``info`` per requested language (``en``, ``uk``, ``ru``), category ``Security``,
  with the event, headline and description in that language; ``eventCode`` and
  ``parameter`` pairs carry the alert kind, the rule and the detector's figures.
* ``area``: the sector's polygon(s) for an escalation, a ``circle`` "lat,lon radius_km"
  around a grave finding; ``areaDesc`` is the place described in that language.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from truceline.alerts import text
from truceline.alerts.text import Lang

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
MEDIA_TYPE = "application/cap+xml"


def cap_time(value: str | int) -> str:
    """``YYYY-MM-DDThh:mm:ss-00:00`` from RFC 3339 UTC text or epoch microseconds."""
    if isinstance(value, int):
        t = datetime.fromtimestamp(value // 1_000_000, UTC)
    else:
        t = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + "-00:00"


def scope_of(markings: Mapping[str, Any]) -> tuple[str, str | None]:
    """CAP ``scope`` and ``restriction`` for the alert's markings."""
    tokens = sorted(markings.get("releasable_to") or ["MISSION"])
    if "PUBLIC" in tokens:
        return "Public", None
    note = f"Releasable to {', '.join(tokens)} only; TLP:{markings.get('tlp', 'AMBER')}"
    if markings.get("originator_controlled"):
        note += "; originator controlled (ORCON)"
    return "Restricted", note


def _sub(parent: ET.Element, tag: str, value: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if value is not None:
        el.text = value
    return el


def _pair(parent: ET.Element, tag: str, name: str, value: str) -> None:
    el = _sub(parent, tag)
    _sub(el, "valueName", name)
    _sub(el, "value", value)


def _coord(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".")


def _parameters(alert: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = [("truceline-alert", str(alert["id"]))]
    if alert["kind"] == "escalation":
        s = alert["statistic"]
        out += [
            ("truceline-sector", str(alert["sector"])),
            ("truceline-observed", str(s["observed"])),
            ("truceline-expected", f"{float(s['expected']):.2f}"),
            ("truceline-baseline-per-hour", f"{float(s['baseline_per_hour']):.4f}"),
            ("truceline-cusum", f"{float(s['statistic']):.3f}/{float(s['threshold']):.3f}"),
        ]
    else:
        out.append(("truceline-finding", str(alert["finding"]["id"])))
    out.append(("truceline-findings", " ".join(alert.get("subjects") or [])))
    return out


def _area(info: ET.Element, alert: Mapping[str, Any], lang: Lang) -> None:
    area = alert.get("area") or {}
    if not area:
        return
    el = _sub(info, "area")
    place = (alert.get("place") or {}).get(lang)
    desc = area.get("description", "")
    if alert["kind"] == "grave" and place:
        desc = place
    _sub(el, "areaDesc", desc or str(alert.get("sector") or ""))
    for ring in area.get("polygons") or []:
        _sub(el, "polygon", " ".join(f"{_coord(lat)},{_coord(lon)}" for lat, lon in ring))
    circle = area.get("circle")
    if circle:
        radius = f"{float(circle['radius_km']):.1f}"
        _sub(el, "circle", f"{_coord(circle['lat'])},{_coord(circle['lon'])} {radius}")


def _info(root: ET.Element, alert: Mapping[str, Any], lang: Lang) -> None:
    info = _sub(root, "info")
    _sub(info, "language", lang)
    _sub(info, "category", "Security")
    _sub(info, "event", text.event(alert, lang))
    _sub(info, "responseType", "Monitor")
    _sub(info, "urgency", str(alert["urgency"]))
    _sub(info, "severity", str(alert["severity"]))
    _sub(info, "certainty", str(alert["certainty"]))
    _pair(info, "eventCode", "truceline-kind", str(alert["kind"]))
    if alert["kind"] == "grave":
        _pair(info, "eventCode", "truceline-rule", str(alert["finding"]["rule"]))
    _sub(info, "onset", cap_time(str(alert["onset"])))
    _sub(info, "expires", cap_time(str(alert["expires"])))
    _sub(info, "senderName", text.SENDER_NAME[lang])
    _sub(info, "headline", text.headline(alert, lang))
    _sub(info, "description", text.description(alert, lang))
    for name, value in _parameters(alert):
        _pair(info, "parameter", name, value)
    _area(info, alert, lang)


def cap_alert(
    alert: Mapping[str, Any],
    *,
    sender: str,
    sent_us: int,
    langs: Sequence[Lang] = ("en",),
    status: str = "Actual",
) -> bytes:
    """The CAP 1.2 XML document (UTF-8 bytes with an XML declaration) for one alert."""
    root = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(root, "identifier", str(alert["id"]))
    _sub(root, "sender", sender)
    _sub(root, "sent", cap_time(sent_us))
    _sub(root, "status", status)
    _sub(root, "msgType", "Alert")
    scope, restriction = scope_of(alert.get("markings") or {})
    _sub(root, "scope", scope)
    if restriction:
        _sub(root, "restriction", restriction)
    for lang in dict.fromkeys(langs):
        _info(root, alert, lang)
    ET.register_namespace("", CAP_NS)
    tree = ET.ElementTree(root)
    ET.indent(tree, space="  ")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body.replace(
        b"<?xml version='1.0' encoding='utf-8'?>", b'<?xml version="1.0" encoding="UTF-8"?>'
    )
