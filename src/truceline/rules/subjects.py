"""What the rules judge, in one shape per kind of happening (pure).

A :class:`Fire` is one happening of fire: a launch and its impact when fusion paired them,
or a single blast, or one report of fire by a monitor. Its ``key`` (the ids that identify
the happening) makes the finding id: a launch whose ``paired_with`` names an impact that is
not at hand yet keys on both ids, so the finding keeps its id when the impact arrives.

Observation categories of fire follow the OSCE SMM's typology (docs/formats/
observations.md): ``explosion``, ``projectile_in_flight``, ``muzzle_flash``,
``illumination_flare``, ``burst``, ``shot``. An ``outgoing`` explosion or a muzzle flash is
where fire came from (a launch); an ``impact`` or ``airburst`` explosion where it landed;
anything else is of unknown phase.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from truceline.formats.records import Markings, Observation
from truceline.rules.events import FireEvent
from truceline.rules.place import Place, observation_place

FIRE_CATEGORIES = (
    "explosion",
    "projectile_in_flight",
    "muzzle_flash",
    "illumination_flare",
    "burst",
    "shot",
)


@dataclass(frozen=True)
class Shot:
    """One located blast or report of fire."""

    id: str
    phase: str  # launch | impact | unknown
    time: datetime
    time_to: datetime
    place: Place
    side: str | None = None  # as the event gave it; None: decide from the agreement
    weapon: str | None = None
    markings: Markings | None = None
    info: dict[str, Any] = field(default_factory=dict)  # facts about the subject itself
    observation: Observation | None = None

    @property
    def label(self) -> str:
        if self.observation is None:
            return self.phase if self.phase != "unknown" else "blast"
        kind = self.observation.category.replace("_", " ")
        sub = self.observation.subtype
        return f"{kind} ({sub})" if sub else kind


@dataclass(frozen=True)
class Fire:
    """One happening of fire: ``shots`` hold a launch, an impact, or one of unknown phase.

    ``salvo_launch`` is, for an impact whose own launch fusion could not tell among its
    salvo's rounds, the salvo's first launch: the launcher that fired it, not a shot of
    this happening (it is not a subject, and the finding's time stays the impact's).
    """

    key: tuple[str, ...]
    shots: tuple[Shot, ...]
    salvo_launch: Shot | None = None

    @property
    def launch(self) -> Shot | None:
        return next((s for s in self.shots if s.phase == "launch"), None)

    @property
    def impact(self) -> Shot | None:
        return next((s for s in self.shots if s.phase == "impact"), None)

    @property
    def time(self) -> datetime:
        """When fire was opened: the launch's time, else the first shot's."""
        launch = self.launch
        return launch.time if launch is not None else self.shots[0].time

    @property
    def time_to(self) -> datetime:
        return max(s.time_to for s in self.shots)

    @property
    def landing(self) -> Shot:
        """Where it landed, or the one shot there is: the finding's location."""
        return self.impact or next((s for s in self.shots if s.phase == "unknown"), self.shots[0])


def _event_shot(ev: FireEvent) -> Shot:
    info: dict[str, Any] = {"error_ellipse": ev.ellipse()}
    if ev.n_sensors is not None:
        info["n_sensors"] = ev.n_sensors
    if ev.pair_margin is not None:
        info["pair_margin_nats"] = ev.pair_margin
    if ev.salvo is not None:
        info["salvo"] = ev.salvo
    return Shot(
        id=ev.id,
        phase=ev.phase,
        time=ev.time,
        time_to=ev.time,
        place=Place(ev.lat, ev.lon, ev.semi_major_m),
        side=ev.side,
        weapon=ev.weapon,
        markings=ev.markings,
        info=info,
    )


def fires_from_events(events: Sequence[FireEvent]) -> list[Fire]:
    """Pair launches with their impacts (both must name each other, or the impact none);
    an unpaired impact of a salvo carries the salvo's first launch (:class:`Fire`)."""
    by_id = {e.id: e for e in events}
    used: set[str] = set()
    fires: list[Fire] = []
    for ev in events:
        if ev.phase != "launch" or ev.paired_with is None:
            continue
        imp = by_id.get(ev.paired_with)
        if imp is None or imp.phase != "impact" or imp.id in used:
            continue
        if imp.paired_with not in (None, ev.id):
            continue
        used.update((ev.id, imp.id))
        fires.append(Fire((ev.id, imp.id), (_event_shot(ev), _event_shot(imp))))
    for ev in events:
        if ev.id in used:
            continue
        key = (ev.id, ev.paired_with) if ev.paired_with else (ev.id,)
        fires.append(Fire(key, (_event_shot(ev),), _salvo_launch(ev, by_id)))
    return fires


def _salvo_launch(ev: FireEvent, by_id: dict[str, FireEvent]) -> Shot | None:
    """An unpaired impact's salvo's first launch, when it is at hand and is a launch."""
    if ev.phase != "impact" or ev.paired_with is not None or ev.salvo is None:
        return None
    first = by_id.get(ev.salvo)
    return _event_shot(first) if first is not None and first.phase == "launch" else None


def observation_phase(obs: Observation) -> str:
    if obs.category == "muzzle_flash" or (
        obs.category == "explosion" and obs.subtype == "outgoing"
    ):
        return "launch"
    if obs.category == "explosion" and obs.subtype in ("impact", "airburst"):
        return "impact"
    return "unknown"


def fires_from_observations(
    observations: Iterable[Observation], half_width_deg: float
) -> list[Fire]:
    """Each located report of fire is a happening of its own (incidents merge them later)."""
    fires = []
    for obs in observations:
        if obs.category not in FIRE_CATEGORIES:
            continue
        place = observation_place(obs, half_width_deg)
        if place is None:
            continue
        info: dict[str, Any] = {
            "type": obs.type,
            "category": obs.category,
            "count": obs.count,
            "count_qualifier": obs.count_qualifier,
        }
        for name in ("subtype", "means", "weapon_class"):
            if getattr(obs, name) is not None:
                info[name] = getattr(obs, name)
        shot = Shot(
            id=obs.id,
            phase=observation_phase(obs),
            time=obs.time_from,
            time_to=obs.time_to,
            place=place,
            weapon=obs.weapon_class,
            markings=obs.markings,
            info=info,
            observation=obs,
        )
        fires.append(Fire((obs.id,), (shot,)))
    return fires
