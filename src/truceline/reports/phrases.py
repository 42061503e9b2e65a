"""Phrases of a report in its language: places, sides, quantities, and the basis of each
finding rewritten from its facts (pure).

Every sentence is one catalogue entry with named placeholders; values put into the
placeholders are names, numbers or other complete phrases (a gazetteer location phrase is
a complete adverbial of place in each language, see ``truceline.gazetteer.phrasing``).
The rules engine writes its own basis in English; a report in Ukrainian or Russian must
not quote English, so the basis is written again here from the finding's facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from truceline.gazetteer import Gazetteer
from truceline.gazetteer.phrasing import location_phrase
from truceline.reports import vocab
from truceline.reports.build import NOT_ATTRIBUTED, OUTSIDE, UNASSIGNED
from truceline.reports.i18n import Locale
from truceline.reports.model import FindingItem, Place


@dataclass(frozen=True, slots=True)
class Writer:
    """Writes the phrases of one report in one language."""

    loc: Locale
    gazetteer: Gazetteer
    names: Mapping[str, Mapping[str, str]]
    day: date | None = None

    # --- names ---------------------------------------------------------------------------

    def v(self, table: vocab.Table, code: str | None) -> str:
        return vocab.name(table, self.loc.t, code)

    def side(self, code: str | None) -> str:
        if code is None or code == NOT_ATTRIBUTED:
            return self.loc.t.gettext("not attributed")
        return code

    def label(self, name: str | None) -> str:
        """An agreement feature's name, in the report's language when the agreement has it."""
        if name is None:
            return ""
        return self.names.get(name, {}).get(self.loc.lang, name)

    def sector(self, label: str | None) -> str:
        if label is None or label == UNASSIGNED:
            return self.loc.t.gettext("no location")
        if label == OUTSIDE:
            return self.loc.t.gettext("outside the sectors")
        return self.label(label)

    # --- numbers, times ------------------------------------------------------------------

    def n(self, value: float, digits: int = 1) -> str:
        return self.loc.number(value, digits=digits)

    def distance(self, metres: float) -> str:
        if metres < 1000:
            return self.loc.t.gettext("%(n)s m") % {"n": self.n(round(metres), 0)}
        return self.loc.t.gettext("%(n)s km") % {"n": self.n(metres / 1000.0, 1)}

    def km(self, metres: float) -> str:
        """Kilometres as a bare number for sentences that say "km" themselves."""
        return self.n(metres / 1000.0, 1)

    def hours(self, seconds: float) -> str:
        return self.n(seconds / 3600.0, 1)

    def when(self, t: datetime) -> str:
        """Clock time alone on the report's own day; date and time otherwise."""
        if self.day is not None and t.date() == self.day:
            return self.loc.t.gettext("%(time)s UTC") % {"time": self.loc.time(t)}
        return self.loc.datetime(t)

    def span(self, a: datetime, b: datetime) -> str:
        if a == b:
            return self.when(a)
        if a.date() == b.date() and (self.day is None or a.date() != self.day):
            return self.loc.t.gettext("%(date)s, %(from)s–%(to)s UTC") % {
                "date": self.loc.date(a.date()),
                "from": self.loc.time(a),
                "to": self.loc.time(b),
            }
        if a.date() == b.date():
            return self.loc.t.gettext("%(from)s–%(to)s UTC") % {
                "from": self.loc.time(a),
                "to": self.loc.time(b),
            }
        return self.loc.t.gettext("from %(from)s to %(to)s") % {
            "from": self.loc.datetime(a),
            "to": self.loc.datetime(b),
        }

    # --- places --------------------------------------------------------------------------

    def place(self, p: Place | None) -> str:
        """Where, from the nearest settlement, and who holds that settlement."""
        t = self.loc.t
        if p is None:
            return t.gettext("location not determined")
        s = self.gazetteer.get(p.settlement_id)
        name = s.name(self.loc.lang)
        oblast = self.gazetteer.oblast_name(s.oblast, self.loc.lang)
        values = {"settlement": name, "oblast": oblast, "side": p.held_by or ""}
        if p.coarse:
            if p.held_by:
                return (
                    t.gettext(
                        "near %(settlement)s (%(oblast)s); %(settlement)s is under the control "
                        "of side %(side)s"
                    )
                    % values
                )
            return (
                t.gettext("near %(settlement)s (%(oblast)s), outside both sides' control areas")
                % values
            )
        assert p.distance_m is not None and p.bearing_deg is not None
        values["place"] = location_phrase(p.distance_m, p.bearing_deg, name, oblast, self.loc.lang)
        if p.held_by:
            return (
                t.gettext("%(place)s; %(settlement)s is under the control of side %(side)s")
                % values
            )
        return t.gettext("%(place)s; %(settlement)s lies outside both sides' control areas") % (
            values
        )

    def coords(self, p: Place | None) -> str:
        """Coordinates to 4 decimals (about 10 m), or a note that they are withheld."""
        if p is None:
            return ""
        if p.coarse:
            return self.loc.t.gettext("withheld")
        text = self.loc.t.gettext("%(lat)s° N, %(lon)s° E") % {
            "lat": self.loc.number(p.lat, digits=4),
            "lon": self.loc.number(p.lon, digits=4),
        }
        if p.uncertainty_m is not None:
            return self.loc.t.gettext("%(coords)s (± %(error)s)") % {
                "coords": text,
                "error": self.distance(p.uncertainty_m),
            }
        return text

    # --- the basis of findings -----------------------------------------------------------

    def basis(self, f: FindingItem) -> str:
        """What the finding rests on, in the report's language, from its facts."""
        writer = _BASIS.get(f.rule)
        if writer is not None:
            return writer(self, f)
        return self.loc.t.gettext("%(rule)s (the rule's own basis is in English: %(basis)s)") % {
            "rule": f.rule,
            "basis": f.basis or "",
        }

    def rule(self, f: FindingItem) -> str:
        return self.v(vocab.rules, f.rule)


def _shot(facts: Mapping[str, Any], phase: str) -> Mapping[str, Any] | None:
    return next((s for s in facts.get("shots") or () if s.get("phase") == phase), None)


def _fire(w: Writer, f: FindingItem) -> str:
    t, facts = w.loc.t, f.facts
    launch, impact = _shot(facts, "launch"), _shot(facts, "impact")
    src, dst = f.responsible_side, f.affected_side
    if "shots" not in facts:  # coarsened: sides only
        if src and dst:
            return t.gettext("fire from side %(from)s into side %(to)s") % {"from": src, "to": dst}
        if dst:
            return t.gettext("fire into side %(to)s; the launch is not located") % {"to": dst}
        if src:
            return t.gettext("fire from side %(from)s; the impact is not located") % {"from": src}
        return t.gettext("fire while the ceasefire is in force; no side is named")
    values = {
        "from": src,
        "to": dst,
        "launch_km": w.km(float((launch or {}).get("contact_line_distance_m") or 0.0)),
        "impact_km": w.km(float((impact or {}).get("contact_line_distance_m") or 0.0)),
    }
    if src and dst and launch and impact:
        return (
            t.gettext(
                "launch %(launch_km)s km from the line of contact on side %(from)s's ground, "
                "impact %(impact_km)s km from the line on side %(to)s's ground: fire from side "
                "%(from)s into side %(to)s"
            )
            % values
        )
    salvo = facts.get("salvo_launch")
    if src and dst and impact and salvo:  # the salvo's launch names who fired (rules.fire)
        values["launch_km"] = w.km(float(salvo.get("contact_line_distance_m") or 0.0))
        return (
            t.gettext(
                "impact %(impact_km)s km from the line of contact on side %(to)s's ground, a "
                "round of a salvo launched %(launch_km)s km from the line on side %(from)s's "
                "ground: fire from side %(from)s into side %(to)s (which round it was is not "
                "known)"
            )
            % values
        )
    if dst and impact:
        return (
            t.gettext(
                "impact %(impact_km)s km from the line of contact on side %(to)s's ground; the "
                "launch is not located, so no side is named as responsible"
            )
            % values
        )
    if src and launch:
        return (
            t.gettext(
                "launch %(launch_km)s km from the line of contact on side %(from)s's ground; the "
                "impact is not located"
            )
            % values
        )
    return t.gettext("fire while the ceasefire is in force; the location names no side")


def _protected(w: Writer, f: FindingItem) -> str:
    t, facts = w.loc.t, f.facts
    site = w.label(facts.get("site"))
    if facts.get("distance_m") is None:
        return t.gettext("fire at the protected site %(site)s") % {"site": site}
    return t.gettext("impact %(distance)s from %(site)s, which is protected within %(radius)s") % {
        "distance": w.distance(float(facts["distance_m"])),
        "site": site,
        "radius": w.distance(float(facts.get("site_radius_m") or 0.0)),
    }


def _disengagement(w: Writer, f: FindingItem) -> str:
    return w.loc.t.gettext("fire inside the disengagement area “%(area)s”") % {
        "area": w.label(f.facts.get("area"))
    }


def _withdrawal(w: Writer, f: FindingItem) -> str:
    t, facts = w.loc.t, f.facts
    values = {
        "weapon": w.v(vocab.weapons, facts.get("weapon_class")),
        "side": w.side(f.responsible_side),
        "count": w.n(int(facts.get("count") or 1), 0),
        "limit": w.n(float(facts.get("limit_km") or 0.0), 0),
    }
    if facts.get("distance_m") is None:
        return (
            t.gettext(
                "%(weapon)s of side %(side)s (count: %(count)s) inside the %(limit)s km withdrawal "
                "zone"
            )
            % values
        )
    values["km"] = w.km(float(facts["distance_m"]))
    return (
        t.gettext(
            "%(weapon)s of side %(side)s (count: %(count)s) %(km)s km from the line, inside the "
            "%(limit)s km withdrawal zone"
        )
        % values
    )


def _missing(w: Writer, f: FindingItem) -> str:
    facts = f.facts
    expected = int(facts.get("expected_count") or 0)
    return w.loc.t.ngettext(
        "%(missing)s of %(expected)s declared weapon (%(weapon)s) missing from the %(area)s "
        "of side %(side)s",
        "%(missing)s of %(expected)s declared weapons (%(weapon)s) missing from the %(area)s "
        "of side %(side)s",
        expected,
    ) % {
        "missing": w.n(int(facts.get("missing_count") or 0), 0),
        "expected": w.n(expected, 0),
        "weapon": w.v(vocab.weapons, facts.get("weapon_class")),
        "area": w.label(facts.get("holding_area")),
        "side": w.side(facts.get("side") or f.responsible_side),
    }


def _airspace(w: Writer, f: FindingItem) -> str:
    t, facts = w.loc.t, f.facts
    values = {
        "object": w.v(vocab.objects, facts.get("object") or "unknown"),
        "from": w.side(facts.get("from_side") or facts.get("origin_side") or f.responsible_side),
        "to": w.side(facts.get("to_side") or f.affected_side),
        "zone": w.label(facts.get("zone")),
        "side": w.side(facts.get("ground_side")),
    }
    kind = facts.get("kind")
    if kind == "line_crossing":
        return (
            t.gettext(
                "%(object)s crossed the line of contact from side %(from)s's ground into side "
                "%(to)s's"
            )
            % values
        )
    if kind == "no_fly_zone":
        return (
            t.gettext("%(object)s from side %(from)s's ground entered the no-fly zone “%(zone)s”")
            % values
        )
    return t.gettext("a UAV overflight was reported over side %(side)s's ground") % values


def _restriction(w: Writer, f: FindingItem) -> str:
    facts = f.facts
    values = {
        "what": w.v(vocab.restrictions, facts.get("subtype")),
        "side": w.side(f.responsible_side),
    }
    if f.responsible_side:
        return w.loc.t.gettext("%(what)s, attributed to side %(side)s by the monitors' report") % (
            values
        )
    return w.loc.t.gettext("%(what)s; the report names no side") % values


def _presence(w: Writer, f: FindingItem) -> str:
    facts = f.facts
    return w.loc.t.gettext(
        "armed presence of side %(side)s (count: %(count)s) inside the disengagement area "
        "“%(area)s”"
    ) % {
        "side": w.side(facts.get("side") or f.responsible_side),
        "count": w.n(int(facts.get("count") or 1), 0),
        "area": w.label(facts.get("area")),
    }


_BASIS = {
    "fire": _fire,
    "fire_at_protected_site": _protected,
    "fire_in_disengagement_area": _disengagement,
    "weapon_in_withdrawal_zone": _withdrawal,
    "weapon_missing_from_holding_area": _missing,
    "airspace": _airspace,
    "restriction_on_monitors": _restriction,
    "presence_in_disengagement_area": _presence,
}
