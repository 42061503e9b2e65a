"""Tunable settings of the fusion engine (pure).

Every figure here is a physical bound or a statistical gate, not a fudge: the docstring of
each field says which. The defaults are the ones the targets of issue 3 were measured with
(see docs/fusion.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FusionConfig:
    """Settings of :class:`truceline.fusion.engine.FusionEngine`.

    Association (space-time partitioning, see :mod:`truceline.fusion.partition`):

    - ``block_s``: length of the origin-time blocks that are associated one after another.
      Blocks are anchored at the Unix epoch, so the blocks (and hence the events) do not
      depend on how the input was chunked.
    - ``max_range_m``: farthest a sensor is assumed to hear a blast; bounds the travel time
      and so the latency (``max_range_m / min_sound_speed_ms``).
    - ``search_margin_m``: how far outside the sensors' bounding box sources are sought.
    - ``leaf_s``: size (in seconds of travel, i.e. metres / c) at which partitioning stops.
    - ``model_tol_s``: slack for the association's approximations (curved-Earth height of
      the candidate volume); the localiser itself is exact.
    - ``assoc_sigmas``: a pick is consistent with a volume within this many timing sigmas.

    Localisation and acceptance:

    - ``gate_sigmas``: a pick joins an event when its normalised residual (timing sigma and
      the prediction's own uncertainty combined) is below this.
    - ``reject_sigmas``: after the fit, picks beyond this normalised residual are dropped
      one at a time (largest first) and the event refitted.
    - ``bearing_gate_sigmas``: same for bearings; a bearing beyond it is ignored (its
      arrival time may still count).
    - ``min_sensors``: distinct sensors an event needs with times only.
    - ``min_sensors_bearings`` / ``min_bearings``: fewer sensors suffice when at least
      ``min_bearings`` of them give a bearing (5 observations for 3 unknowns: as much
      redundancy as five time-only sensors would give).
    - ``min_fit_p``: goodness of fit: an event's chi-square must have at least this
      upper-tail probability for its degrees of freedom.
    - ``near_fraction`` / ``small_event_sensors``: an event is implausible when working
      sensors closer than ``near_fraction`` times its median hearing distance did not hear
      it (no pick within the pick gate of the predicted arrival): two such misses reject
      it, one does when it has at most ``small_event_sensors``.
    - ``max_chance_p``: an event is rejected when picks of other sources alone would put a
      pick inside the gate of as many sensors with at least this probability (the local
      pick rate at each sensor around the predicted arrival; a salvo's impact area, where
      every sensor has a pick every half second, is where this bites). A free search
      tries thousands of places a block, hence the small value.
    - ``sure_chance_p``: an event less likely than this to be chance is not put to the
      near-miss test: sensors do miss blasts, and that test guards against chance only.
    - ``single_miss_chance_p``: a small event (at most ``small_event_sensors``) with a
      single near sensor that missed it is kept when it is less likely than this to be
      chance (two misses still need ``sure_chance_p``): the nearest sensor of a weak
      4-sensor blast misses it now and then, and on the moderate load these blasts had
      chance probabilities of 2e-8–6e-8.
    - ``halo_chance_p``: a small event (at most ``small_event_sensors``) off a salvo's
      area whose picks all fall in the salvo's arrival windows is kept only when it is
      less likely than this to be chance (:mod:`truceline.fusion.halo`): picks of
      different rounds line up into "ghosts" there, at chance probabilities of 2e-6 to
      8e-5, and steal the rounds' own picks.
    - ``min_amplitude_p``: an event whose chance probability is at least ``sure_chance_p``
      is rejected when its picks' levels, corrected for spherical spreading, scatter more
      than the block's well-heard events' do with less than this upper-tail probability
      (:mod:`truceline.fusion.amplitude`; only where picks carry an SNR): ghosts assemble
      the picks of sources elsewhere, loud at the wrong sensors.
    - ``alive_window_s``: a sensor counts as working when it picked anything in this many
      seconds before the block (or in the block itself), and
    - ``silence_p``: its silence since is not less likely than this for its own recent
      rate of picks (:mod:`truceline.fusion.liveness`).
    - ``repeat_min_master``: events with at least this many picks serve as masters for
      the repeat-source search (more rounds from the same launcher).
    - ``max_semi_major_m``: an event whose 95 % ellipse is longer than this is rejected as
      undetermined.

    Pairing (see :mod:`truceline.fusion.pairing`):

    - ``pair_block_s``: launches are committed in blocks of this length; each block's
      assignment looks ahead one maximum time of flight so that pairs across a block
      boundary are judged together.
    - ``unpaired_cost``: cost (negative log-likelihood units) of leaving an event unpaired;
      a pair is made only when its cost is below the sum of its two events' costs.
    - ``same_side_cost``: extra cost of a pair whose launch and impact lie in the same
      side's control area (fire mostly crosses the line; 1.5: some 18 % of shots land on
      their own side, see :mod:`truceline.fusion.pairing`).
    - ``not_aimed_cost``: extra cost of a pair whose shot does not head across the
      contact line (it comes nearer the other side by less than half its range; only
      when the engine has ``line_of``): fire is aimed across, whether or not it lands
      there.
    - ``label_accuracy``: assumed probability that one classifier label is right.
    """

    block_s: float = 60.0
    max_range_m: float = 25_000.0
    min_sound_speed_ms: float = 300.0
    search_margin_m: float = 10_000.0
    leaf_s: float = 0.15
    model_tol_s: float = 0.01
    assoc_sigmas: float = 4.0
    gate_sigmas: float = 4.5
    reject_sigmas: float = 4.0
    bearing_gate_sigmas: float = 4.0
    min_sensors: int = 4
    min_sensors_bearings: int = 4
    min_bearings: int = 2
    max_semi_major_m: float = 5_000.0
    repeat_min_master: int = 6
    min_fit_p: float = 1e-4
    near_fraction: float = 0.6
    alive_window_s: float = 900.0
    silence_p: float = 1e-2
    small_event_sensors: int = 5
    max_chance_p: float = 1e-4
    sure_chance_p: float = 1e-10
    single_miss_chance_p: float = 1e-7
    halo_chance_p: float = 1e-6
    min_amplitude_p: float = 1e-3
    max_iterations: int = 30
    pair_block_s: float = 60.0
    unpaired_cost: float = 3.0
    same_side_cost: float = 1.5
    not_aimed_cost: float = 2.0
    label_accuracy: float = 0.8

    @property
    def max_travel_s(self) -> float:
        """Longest travel time any pick may have (seconds)."""
        return self.max_range_m / self.min_sound_speed_ms
