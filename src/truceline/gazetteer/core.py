"""The gazetteer: nearest settlement, relative descriptions, name resolution (pure: no I/O).

Distances and bearings are exact WGS84 geodesics (Karney's algorithm via ``pyproj.Geod``).
:meth:`Gazetteer.nearest` first selects candidates by the straight-line (chord) distance
between exact ECEF positions, which never exceeds the geodesic distance, and keeps every
place whose chord is within the bound that the k-th smallest chord puts on any geodesic;
only those go to ``Geod.inv``. The bound: a curve whose curvature never exceeds κ has arc
length s ≤ (2/κ)·asin(κc/2) for chord c; a geodesic's curvature is its normal curvature,
at most 1/M with M = a(1 − e²) ≈ 6 335 km the smallest radius of curvature of the WGS84
ellipsoid (meridional, at the equator). The prefilter therefore never drops the true
nearest place.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property

import numpy as np
from numpy.typing import NDArray
from pyproj import Geod

from truceline.gazetteer.model import (
    AdminUnit,
    Lang,
    Match,
    Neighbour,
    Relative,
    Settlement,
    check_lang,
)
from truceline.gazetteer.names import (
    deletions,
    loose_from_strict,
    loose_key,
    strict_key,
    strip_generic,
)
from truceline.gazetteer.phrasing import compass_point, location_phrase
from truceline.gazetteer.rows import admin_from_row, settlement_from_row
from truceline.geo import WGS84_A, WGS84_E2, geodetic_to_ecef

_GEOD = Geod(ellps="WGS84")
_M_MIN = WGS84_A * (1.0 - WGS84_E2)  # smallest radius of curvature of the ellipsoid
_SCORES = {(True, False): 1.0, (False, False): 0.8, (True, True): 0.5, (False, True): 0.4}
FUZZY_SCORE = 0.3
FUZZY_MIN_LEN = 5
# Cities with special status lie inside an oblast for the purpose of an oblast hint.
_ENCLOSED = {"UA80": "UA32", "UA85": "UA01"}
_OBLAST_WORDS = {"oblast", "region", "область", "обл", "city", "місто", "город", "м", "г"}
_Entry = tuple[int, str, bool]  # settlement index, stored name, is it an alias


def _arc_bound(chord_m: float) -> float:
    """The longest geodesic that can span ``chord_m`` on the WGS84 ellipsoid (metres)."""
    x = min(chord_m / (2.0 * _M_MIN), 1.0)
    return 2.0 * _M_MIN * math.asin(x) * (1.0 + 1e-12) + 1e-6


def _check_point(lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90):
        raise ValueError(f"invalid point: lat={lat!r}, lon={lon!r}")


class Gazetteer:
    """Settlements of Ukraine with names in English, Ukrainian and Russian.

    Construct it from records (``Gazetteer(settlements, admin_units)``), from table rows
    (:meth:`from_rows`), or use :func:`truceline.gazetteer.default_gazetteer` for the
    shipped data. Instances are immutable; indexes are built on first use.
    """

    def __init__(
        self, settlements: Iterable[Settlement], admin_units: Iterable[AdminUnit] = ()
    ) -> None:
        self.settlements: tuple[Settlement, ...] = tuple(settlements)
        self._admin = {unit.pcode: unit for unit in admin_units}
        self._by_id = {s.id: s for s in self.settlements}
        if len(self._by_id) != len(self.settlements):
            raise ValueError("settlement ids are not unique")

    @classmethod
    def from_rows(
        cls,
        settlement_rows: Iterable[Mapping[str, str]],
        admin_rows: Iterable[Mapping[str, str]] = (),
    ) -> Gazetteer:
        """Build from rows in the shipped table format (see :mod:`.rows`)."""
        return cls(
            (settlement_from_row(r) for r in settlement_rows),
            (admin_from_row(r) for r in admin_rows),
        )

    def __len__(self) -> int:
        return len(self.settlements)

    def get(self, settlement_id: str) -> Settlement:
        """The settlement with this id (``geonames:…`` or ``ocha:…``); KeyError if none."""
        return self._by_id[settlement_id]

    def admin(self, pcode: str) -> AdminUnit | None:
        """The oblast or raion with this P-code, if the gazetteer has it."""
        return self._admin.get(pcode)

    @property
    def admin_units(self) -> tuple[AdminUnit, ...]:
        """All oblasts and raions."""
        return tuple(self._admin.values())

    def name_in(self, settlement: Settlement, lang: Lang) -> str:
        """The settlement's name in ``lang`` ("en", "uk" or "ru")."""
        return settlement.name(lang)

    def oblast_name(self, pcode: str, lang: Lang) -> str:
        """Display name of an oblast in ``lang``; the P-code itself if it is unknown."""
        unit = self._admin.get(pcode)
        return unit.name(lang) if unit else pcode

    # ----------------------------------------------------------------- nearest

    @cached_property
    def _exact(
        self,
    ) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
        """Indexes, ECEF positions, populations and registration of the places with exact
        coordinates."""
        idx = np.array([i for i, s in enumerate(self.settlements) if s.exact], dtype=np.intp)
        lat = np.array([self.settlements[i].lat for i in idx], dtype=np.float64)
        lon = np.array([self.settlements[i].lon for i in idx], dtype=np.float64)
        pop = np.array([self.settlements[i].population or 0 for i in idx], dtype=np.float64)
        reg = np.array([self.settlements[i].pcode is not None for i in idx], dtype=np.bool_)
        return idx, geodetic_to_ecef(lat, lon).reshape(-1, 3), pop, reg

    def nearest(
        self,
        lat: float,
        lon: float,
        *,
        min_population: int = 0,
        k: int = 1,
        registered_only: bool = True,
    ) -> list[Neighbour]:
        """The ``k`` settlements nearest to (lat, lon) by geodesic distance, nearest first.

        Only places with exact coordinates (GeoNames) are considered, with at least
        ``min_population`` people, and by default only those in OCHA's settlement register
        (with a P-code): GeoNames' other places are mostly city districts (Kyivskyi,
        Tsentralno-Miskyi, Pozniaky), which would name a point in Donetsk or Horlivka
        after a district its readers may not know. Bearings run from each settlement to
        the point.
        """
        _check_point(lat, lon)
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        idx, xyz, pop, reg = self._exact
        keep = (pop >= min_population) & (reg | (not registered_only))
        idx, xyz = idx[keep], xyz[keep]
        if idx.size == 0:
            return []
        chord = np.linalg.norm(xyz - geodetic_to_ecef(lat, lon), axis=-1)
        if idx.size > k:
            kth = float(np.partition(chord, k - 1)[k - 1])
            close = chord <= _arc_bound(kth)
            idx = idx[close]
        lats = np.array([self.settlements[i].lat for i in idx])
        lons = np.array([self.settlements[i].lon for i in idx])
        az, _, dist = _GEOD.inv(lons, lats, np.full_like(lons, lon), np.full_like(lats, lat))
        order = sorted(range(idx.size), key=lambda j: (dist[j], self.settlements[idx[j]].id))
        return [
            Neighbour(self.settlements[idx[j]], float(dist[j]), float(az[j]) % 360.0)
            for j in order[:k]
        ]

    def describe(self, lat: float, lon: float, lang: Lang, *, min_population: int = 0) -> Relative:
        """Describe (lat, lon) relative to its nearest registered settlement, in ``lang``.

        "3.2 km south-east of Zolote (Luhansk oblast)", "за 3,2 км на південний схід від
        н. п. Золоте (Луганська область)", "в 3,2 км к юго-востоку от н. п. Золотое
        (Луганская область)"; see :mod:`.phrasing` for the grammar. ValueError if no
        settlement qualifies.
        """
        check_lang(lang)
        found = self.nearest(lat, lon, min_population=min_population, k=1)
        if not found:
            raise ValueError(f"no settlement with at least {min_population} people")
        n = found[0]
        place = n.settlement
        text = location_phrase(
            n.distance_m,
            n.bearing_deg,
            place.name(lang),
            self.oblast_name(place.oblast, lang),
            lang,
        )
        compass = compass_point(n.bearing_deg, lang)
        return Relative(place, n.distance_m, n.bearing_deg, compass, text, lang)

    # ----------------------------------------------------------------- resolve

    @cached_property
    def _name_index(self) -> tuple[dict[str, list[_Entry]], dict[str, list[_Entry]]]:
        """strict_key → entries and loose_key → entries over every stored name."""
        strict: dict[str, list[_Entry]] = {}
        loose: dict[str, list[_Entry]] = {}
        for i, s in enumerate(self.settlements):
            names = [(n, False) for n in (s.name_en, s.name_uk, s.name_ru, *s.variants)]
            names += [(n, True) for n in s.aliases]
            seen_s: set[str] = set()
            seen_l: set[str] = set()
            for name, alias in names:  # current names come first and win
                sk = strict_key(name)
                lk = loose_from_strict(sk)
                if sk and sk not in seen_s:
                    seen_s.add(sk)
                    strict.setdefault(sk, []).append((i, name, alias))
                if lk and lk not in seen_l:
                    seen_l.add(lk)
                    loose.setdefault(lk, []).append((i, name, alias))
        return strict, loose

    @cached_property
    def _fuzzy_index(self) -> dict[str, list[_Entry]]:
        """Single-deletion variants of the strict and loose keys of current names → entries.

        Two keys share a deletion variant when one edit (substitution, transposition,
        insertion or deletion) turns one into the other: "Donestk" finds "Donetsk".
        """
        index: dict[str, list[_Entry]] = {}
        for i, s in enumerate(self.settlements):
            names = (s.name_en, s.name_uk, s.name_ru)
            keys = {k: n for n in names for k in (strict_key(n), loose_key(n))}
            for key, name in keys.items():
                if len(key) >= FUZZY_MIN_LEN:
                    for variant in deletions(key):
                        index.setdefault(variant, []).append((i, name, False))
        return index

    @cached_property
    def _oblast_keys(self) -> dict[str, str]:
        """Folded key of every name form of every oblast → its P-code."""
        keys: dict[str, str] = {}
        # Oblasts before the cities they enclose: "Kyiv" alone names Kyiv oblast.
        units = sorted(self._admin.values(), key=lambda u: u.pcode in _ENCLOSED)
        for unit in units:
            if unit.level == "oblast":
                for name in (unit.name_en, unit.name_uk, unit.name_ru, *unit.aliases):
                    keys.setdefault(_oblast_key(name), unit.pcode)
        return keys

    def find_oblast(self, name: str) -> str | None:
        """The P-code of the oblast named ``name`` in any of the three languages, or of the
        P-code itself ("UA14", "Donetsk", "Donetsk Oblast", "Донецька область",
        "Донецкая обл."); None if no oblast matches."""
        code = name.strip().upper()
        unit = self._admin.get(code)
        if unit is not None and unit.level == "oblast":
            return code
        return self._oblast_keys.get(_oblast_key(name))

    def resolve(
        self,
        name: str,
        *,
        near: tuple[float, float] | None = None,
        oblast: str | None = None,
    ) -> list[Match]:
        """Settlements called ``name`` (any language or common spelling), best first.

        Matching ignores case, accents, apostrophe forms and generic words ("м.", "н. п.",
        "village") and bracketed qualifiers; then folds transliteration variants
        (:func:`.names.loose_key`); if nothing matches, it allows one typing error in a
        current name of five letters or more (score 0.3), then tries the comma-separated
        parts of ``name`` in turn ("Horizont, Kharkiv"). Ranking:
        places in the ``oblast`` hint first (a name or P-code; an unknown one is ignored),
        then current names before former names (aliases), then nearest to the ``near``
        (lat, lon) hint if given, then exact before folded matches, places with exact
        coordinates before those located by their hromada, larger population first.
        """
        best = self._candidates(name)
        if not best and "," in name:  # "Horizont, Kharkiv": try the parts in turn
            for part in name.split(","):
                best = self._candidates(part)
                if best:
                    break
        pcode = self.find_oblast(oblast) if oblast else None
        matches = [
            Match(
                settlement=self.settlements[i],
                score=score,
                matched=stored,
                exact=exact,
                alias=alias,
                in_oblast=None if pcode is None else self._in_oblast(self.settlements[i], pcode),
            )
            for i, (score, stored, exact, alias) in best.items()
        ]
        if near is not None:
            matches = self._with_distances(matches, near)
        return sorted(matches, key=_rank)

    def _candidates(self, name: str) -> dict[int, tuple[float, str, bool, bool]]:
        """Settlement index → (score, matched name, exact, alias) for one name."""
        query = strip_generic(strict_key(_drop_brackets(name)))
        best: dict[int, tuple[float, str, bool, bool]] = {}
        if not query:
            return best
        strict, loose = self._name_index
        for table, key, exact in ((strict, query, True), (loose, loose_key(query), False)):
            for index, stored, alias in table.get(key, ()):
                score = _SCORES[(exact, alias)]
                if index not in best or best[index][0] < score:
                    best[index] = (score, stored, exact, alias)
        if not best and len(query) >= FUZZY_MIN_LEN:
            fuzzy = self._fuzzy_index
            for variant in deletions(query) | deletions(loose_key(query)):
                for index, stored, _ in fuzzy.get(variant, ()):
                    best.setdefault(index, (FUZZY_SCORE, stored, False, False))
        return best

    @staticmethod
    def _in_oblast(settlement: Settlement, pcode: str) -> bool:
        return pcode in (settlement.oblast, _ENCLOSED.get(settlement.oblast))

    @staticmethod
    def _with_distances(matches: Sequence[Match], near: tuple[float, float]) -> list[Match]:
        lat, lon = near
        _check_point(lat, lon)
        if not matches:
            return []
        lats = np.array([m.settlement.lat for m in matches])
        lons = np.array([m.settlement.lon for m in matches])
        _, _, dist = _GEOD.inv(lons, lats, np.full_like(lons, lon), np.full_like(lats, lat))
        return [
            Match(m.settlement, m.score, m.matched, m.exact, m.alias, m.in_oblast, float(d))
            for m, d in zip(matches, dist, strict=True)
        ]


def _rank(m: Match) -> tuple[bool, bool, float, float, bool, int, str]:
    s = m.settlement
    return (
        m.in_oblast is False,
        m.alias,
        m.distance_m if m.distance_m is not None else 0.0,
        -m.score,
        not s.exact,
        -(s.population or 0),
        s.id,
    )


def _oblast_key(name: str) -> str:
    """loose_key of an oblast name without the words "oblast", "область", "обл." etc."""
    words = [w for w in strict_key(name).split() if w not in _OBLAST_WORDS]
    return loose_key(" ".join(words))


def _drop_brackets(name: str) -> str:
    """ "Zolote (Luhansk oblast)" → "Zolote": bracketed qualifiers are hints, not names."""
    out, depth = [], 0
    for ch in name:
        depth += ch == "("
        if depth == 0:
            out.append(ch)
        depth -= ch == ")" and depth > 0
    return "".join(out)
