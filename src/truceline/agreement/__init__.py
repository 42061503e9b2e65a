"""The ceasefire agreement: terms as geometry and rules, versioned (pure).

``model`` holds the parsed agreement, ``parse`` validates a GeoJSON document against
docs/formats/agreement.md, ``spatial`` answers the questions the rest of the system asks
(which side holds a point, how far it is from the line, which zones contain it), and
``versions`` picks the version in force at a time. ``io`` is the only module that reads
files.
"""

from truceline.agreement.model import Agreement, AgreementFeature, Side
from truceline.agreement.parse import parse_agreement

__all__ = ["Agreement", "AgreementFeature", "Side", "parse_agreement"]
