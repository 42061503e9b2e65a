"""Which agreement version is in force at a time (pure).

docs/formats/agreement.md: a new version is a new file with the same ``id`` and a later
``version``; earlier versions stay in force for what happened while they held. So the
version in force at ``t`` is the highest version whose effective span
(``effective_from`` inclusive, ``effective_to`` exclusive) holds ``t``; none holds before
the first ``effective_from`` or after the last ``effective_to``, and then nothing is a
finding. Several agreements (different ids, e.g. a ceasefire and a separate disengagement
accord) may be in force at once; each is judged on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from truceline.agreement.model import Agreement
from truceline.errors import InputError, Problem


class AgreementBook:
    """Every version of every agreement given to one rules run."""

    def __init__(self, agreements: Sequence[Agreement]) -> None:
        self._versions: dict[str, list[Agreement]] = {}
        problems = []
        for a in agreements:
            versions = self._versions.setdefault(a.id, [])
            if any(v.version == a.version for v in versions):
                problems.append(
                    Problem("agreements", None, "agreement.version", "given twice", a.id)
                )
                continue
            versions.append(a)
        if problems:
            raise InputError("the same agreement version was given twice", problems=problems)
        for versions in self._versions.values():
            versions.sort(key=lambda v: v.version, reverse=True)

    @property
    def ids(self) -> list[str]:
        return sorted(self._versions)

    def in_force(self, agreement_id: str, when: datetime) -> Agreement | None:
        """The highest version of ``agreement_id`` whose effective span holds ``when``."""
        for version in self._versions.get(agreement_id, ()):
            if version.in_effect(when):
                return version
        return None

    def in_force_throughout(
        self, agreement_id: str, start: datetime, end: datetime
    ) -> Agreement | None:
        """The version in force at ``start``, if the agreement is also in force at ``end``.

        A report spanning ``effective_from`` may describe something that happened before the
        ceasefire, so it is not judged.
        """
        version = self.in_force(agreement_id, start)
        if version is None or self.in_force(agreement_id, end) is None:
            return None
        return version
