"""The rules engine: from events, observations and tracks to findings (pure).

:func:`check` judges fused events (GeoJSON Features of docs/formats/events.md),
observations and tracks against the agreement version in force at each subject's time and
returns :class:`Finding` objects whose ``to_dict()`` is a line of docs/formats/findings.md.
One module per rule (``fire``, ``fire_at_protected_site``, ``fire_in_disengagement_area``,
``weapon_in_withdrawal_zone``, ``presence_in_disengagement_area``, ``airspace``,
``restriction_on_monitors``, ``weapon_missing_from_holding_area``), each citing its
clause; docs/rules.md describes them. No I/O, no clock, no randomness.
"""

from truceline.rules.area import SectorArea, bearing_area
from truceline.rules.engine import check
from truceline.rules.events import FireEvent, events_from_geojson, parse_event, parse_events
from truceline.rules.finding import RULES, Finding, finding_id
from truceline.rules.holding import extra_problems
from truceline.rules.options import DEFAULT_OPTIONS, RuleOptions

__all__ = [
    "DEFAULT_OPTIONS",
    "RULES",
    "Finding",
    "FireEvent",
    "RuleOptions",
    "SectorArea",
    "bearing_area",
    "check",
    "events_from_geojson",
    "extra_problems",
    "finding_id",
    "parse_event",
    "parse_events",
]
