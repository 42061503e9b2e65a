"""Compile the fusion kernels before their first use, not during it.

numba compiles each kernel on its first call and caches the machine code on disk
(``cache=True``, in the package's ``__pycache__``), so only the first fusion after an
install pays for it, but that one pays about half a minute on this project's machine
(``truceline fuse`` on a half-hour hard input: 51 s cold against 19 s warm). A live
service's first block of fusion would stall that long, and ``truceline demo`` sat silent
through it. Fusing a small simulated input of the hard preset (salvos, wind, outliers: the
halo, repeat-source, purifier and pairing kernels all run) calls every kernel that fusion
uses, with the argument types it uses, so ``make install`` runs it once
(``truceline warm-up``) and the first real input runs at full speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from truceline.fusion import kernels

HOURS = 0.1  # 1,774 detections (hard, seed 1): every production signature, measured
SEED = 1


@dataclass(frozen=True, slots=True)
class WarmUp:
    """What a warm-up fused."""

    detections: int
    events: int


def kernel_signatures() -> dict[str, int]:
    """Every kernel by qualified name, with the number of signatures it has in this
    process (compiled, or loaded from the disk cache). A helper called only from other
    kernels has signatures of its own when it was compiled in this process, none when its
    callers were loaded from the cache."""
    from truceline.fusion import _fit_kernels, _kernels, _margin_kernels

    out: dict[str, int] = {}
    for module in (_kernels, _fit_kernels, _margin_kernels):
        for obj in vars(module).values():
            func = getattr(obj, "py_func", None)
            if func is not None and hasattr(obj, "signatures"):
                out[f"{func.__module__}.{func.__qualname__}"] = len(obj.signatures)
    return out


def fusion_kernels() -> tuple[Any, ...]:
    """The kernels fusion calls from Python (the others are called from these, and
    compiled into them, or serve the numpy forms' tests only): numba's dispatchers of
    :data:`truceline.fusion.kernels.NAMES`."""
    return tuple(kernels.jitted(name) for name in kernels.NAMES)


def kernels_cached() -> bool:
    """Whether numba's disk cache holds every kernel fusion calls (:func:`fusion_kernels`),
    compiled from these sources for this machine's processor; ``True`` without numba
    (nothing to compile).

    A plain ``pip install`` does not run ``truceline warm-up``; the first fusion then
    compiles the kernels as it meets them, for about half a minute, and
    ``truceline fuse`` warms up first when this says so. A cache whose index was written
    for older sources, or for another processor, does not count (numba would compile
    again). Where fusion calls the ahead-of-time build, nothing is compiled: ``True``,
    without importing numba."""
    if kernels.ACTIVE == "aot":
        return True
    from truceline.fusion import _kernels

    if not _kernels.HAVE_NUMBA:
        return True
    try:
        for kernel in fusion_kernels():
            magic = kernel.targetctx.codegen().magic_tuple()
            if not any(key[1] == magic for key in kernel._cache._cache_file._load_index()):
                return False
    except AttributeError:  # numba's cache internals moved (another numba than pinned):
        return True  # fusion compiles lazily, as before this check; the tests catch it
    return True


def warm_up(hours: float = HOURS, seed: int = SEED) -> WarmUp | None:
    """Fuse a small simulated hard input, compiling (or loading) every kernel it calls.

    ``None`` without numba: there is nothing to compile (fusion runs the numpy forms), so
    no input is fused. The JIT serves while it runs (even where an ahead-of-time build
    is current), so that its cache holds every kernel, with the argument types that
    :func:`truceline.fusion.aot.build` then compiles for."""
    from truceline.fusion import _kernels

    if not _kernels.HAVE_NUMBA:
        return None
    # Here, not at the top: ``truceline fuse`` asks :func:`kernels_cached` on every run,
    # and the simulator's imports (shapely) would add 0.14 s to its start.
    from truceline.fusion.engine import FusionEngine
    from truceline.fusion.simulate import SimulationConfig, simulate

    scenario = simulate(SimulationConfig.from_preset("hard", seed=seed, hours=hours))
    form = kernels.ACTIVE
    kernels.use("jit")
    try:
        engine = FusionEngine(scenario.sensors, scenario.weather)
        engine.add(scenario.detections)
        events = engine.finish()
    finally:
        kernels.use(form)
    return WarmUp(detections=len(scenario.detections), events=len(events))
