"""Describe a point against an agreement: the spatial questions in one answer."""

from __future__ import annotations

from typing import Any

from truceline.agreement.spatial import AgreementIndex


def describe_point(index: AgreementIndex, lat: float, lon: float) -> dict[str, Any]:
    """Side, distances to the lines, and every zone holding the point."""
    side = index.side_at(lat, lon)
    contact = index.distance_to_contact_line(lat, lon)
    refs = {
        code: round(index.distance_to_reference_line(code, lat, lon).distance_m, 1)
        for code in index.agreement.side_codes
    }
    return {
        "lat": lat,
        "lon": lon,
        "agreement": {"id": index.agreement.id, "version": index.agreement.version},
        "side": side,
        "distance_to_contact_line_m": round(contact.distance_m, 1),
        "nearest_point_on_contact_line": {
            "lat": round(contact.nearest_lat, 7),
            "lon": round(contact.nearest_lon, 7),
        },
        "distance_to_reference_line_m": refs,
        "disengagement_areas": [f.label for f in index.disengagement_areas_at(lat, lon)],
        "protected_sites": [
            {"name": f.label, "distance_m": round(d, 1)}
            for f, d in index.protected_sites_near(lat, lon)
        ],
        "no_fly_zones": [f.label for f in index.no_fly_zones_at(lat, lon)],
        "sectors": [f.label for f in index.sectors_at(lat, lon)],
        "withdrawal_zones": [
            {"side": z.side, "weapon_class": z.weapon_class, "limit_km": z.limit_km}
            for z in index.withdrawal_zones_at(lat, lon)
        ],
    }
