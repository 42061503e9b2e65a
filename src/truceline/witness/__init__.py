"""The witness: a small process a coalition nation runs against a Truceline log.

It polls the log's latest checkpoint, verifies the log's signature with the key it pinned,
checks that the new tree extends the last one it saw (RFC 9162 consistency proof), and
cosigns (C2SP tlog-cosignature/v1). Two different checkpoints of the same size, a smaller
tree, or an inconsistent one raise an alarm that cannot be missed: a red banner on stderr,
an alarm file beside the state file that stops every later run until an operator removes
it, and exit code 3. The decision itself is the pure ``truceline.ledger.witness_decide``.

Modules: ``state`` (what the witness remembers), ``observe`` (one round), ``alarm``,
``local`` (the log read straight from a store, for the demo's built-in witness), ``run``
(the polling loop behind ``truceline witness``).
"""

from truceline.witness.alarm import ALARM_EXIT, alarm_path
from truceline.witness.observe import LogSource, Outcome, observe
from truceline.witness.state import WitnessState, load_state, save_state

__all__ = [
    "ALARM_EXIT",
    "LogSource",
    "Outcome",
    "WitnessState",
    "alarm_path",
    "load_state",
    "observe",
    "save_state",
]
