"""The parsed agreement (pure): immutable dataclasses over shapely geometries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from shapely.geometry.base import BaseGeometry

Role = Literal[
    "contact_line",
    "control_area",
    "reference_line",
    "disengagement_area",
    "protected_site",
    "holding_area",
    "no_fly_zone",
    "crossing_point",
    "sector",
]
ROLES: tuple[str, ...] = (
    "contact_line",
    "control_area",
    "reference_line",
    "disengagement_area",
    "protected_site",
    "holding_area",
    "no_fly_zone",
    "crossing_point",
    "sector",
)
PROHIBITABLE: tuple[str, ...] = ("fire", "uav_overflight", "mining", "forward_movement")


@dataclass(frozen=True, slots=True)
class Side:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class AgreementFeature:
    """One feature of the agreement, with its position in the file for error messages."""

    index: int
    role: str
    geometry: BaseGeometry
    name: str | None = None
    side: str | None = None
    radius_m: float | None = None
    instrument: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    properties: dict[str, Any] = field(default_factory=dict)

    def valid_at(self, when: datetime | None) -> bool:
        """Whether the feature holds at ``when`` (always, when no time is asked)."""
        if when is None:
            return True
        if self.valid_from is not None and when < self.valid_from:
            return False
        return not (self.valid_to is not None and when >= self.valid_to)

    @property
    def label(self) -> str:
        """A short human name: its name, else its role and side."""
        if self.name:
            return self.name
        return f"{self.role} {self.side}" if self.side else self.role


@dataclass(frozen=True, slots=True)
class Agreement:
    """One version of one agreement, as loaded from its GeoJSON document."""

    id: str
    title: str
    version: int
    effective_from: datetime
    effective_to: datetime | None
    sides: tuple[Side, ...]
    withdrawal_km: dict[str, float]
    prohibited: tuple[str, ...]
    features: tuple[AgreementFeature, ...]
    document: dict[str, Any]

    def in_effect(self, when: datetime) -> bool:
        """Whether the ceasefire holds at ``when`` (findings exist only then)."""
        if when < self.effective_from:
            return False
        return self.effective_to is None or when < self.effective_to

    def features_with_role(self, role: str, when: datetime | None = None) -> list[AgreementFeature]:
        return [f for f in self.features if f.role == role and f.valid_at(when)]

    @property
    def side_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.sides)

    def side_name(self, code: str) -> str:
        for side in self.sides:
            if side.code == code:
                return side.name
        return code
