"""Incidents: where every claim, sensor event and finding about a breach meets (pure).

No database, no clock, no I/O: the service wires these to the store and the API.

* :mod:`~truceline.incidents.sources`: one :class:`Source` shape for findings, events,
  monitor reports, allegations (and denials) and open-source reports;
* :mod:`~truceline.incidents.correlate` (gates in :mod:`~truceline.incidents.gates`):
  group sources into incidents, batch or one at a time, proposing duplicates, never merging;
* :mod:`~truceline.incidents.corroboration`: ``confirmed``/``fair``/``weak``/``contested``/
  ``discounted``, counting only independent sources;
* :mod:`~truceline.incidents.workflow`: the verification state machine with roles, the
  two-person rule, sealing, amendments and optimistic locking; decisions are immutable;
* :mod:`~truceline.incidents.sla`: service-level targets per stage and overdue incidents.

See docs/incidents.md.
"""

from truceline.incidents.correlate import (
    Assignment,
    Correlation,
    DuplicateProposal,
    IncidentCandidate,
    assign,
    correlate,
    incident_id_for,
    propose_duplicates,
)
from truceline.incidents.corroboration import Corroboration, Coverage, grade
from truceline.incidents.determination import Determination, Dissent
from truceline.incidents.errors import (
    IncidentInputError,
    RoleError,
    StaleVersionError,
    WorkflowError,
)
from truceline.incidents.gates import CorrelationConfig
from truceline.incidents.location import AreaLocation, PointLocation
from truceline.incidents.sla import Overdue, SlaTargets, overdue, targets_from_hours
from truceline.incidents.sources import (
    Claims,
    Source,
    from_event,
    from_finding,
    from_observation,
)
from truceline.incidents.workflow import (
    Actor,
    Decision,
    IncidentState,
    open_incident,
    replay,
    transition,
)

__all__ = [
    "Actor",
    "AreaLocation",
    "Assignment",
    "Claims",
    "Correlation",
    "CorrelationConfig",
    "Corroboration",
    "Coverage",
    "Decision",
    "Determination",
    "Dissent",
    "DuplicateProposal",
    "IncidentCandidate",
    "IncidentInputError",
    "IncidentState",
    "Overdue",
    "PointLocation",
    "RoleError",
    "SlaTargets",
    "Source",
    "StaleVersionError",
    "WorkflowError",
    "assign",
    "correlate",
    "from_event",
    "from_finding",
    "from_observation",
    "grade",
    "incident_id_for",
    "open_incident",
    "overdue",
    "propose_duplicates",
    "replay",
    "targets_from_hours",
    "transition",
]
