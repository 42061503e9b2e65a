"""The compiled kernels fusion calls: built ahead of time where current, else numba's JIT.

The kernels (:mod:`truceline.fusion._kernels`, :mod:`truceline.fusion._fit_kernels`,
:mod:`truceline.fusion._margin_kernels`) are numba functions. Run through numba's JIT,
every process pays before its first block: importing numba (about 0.27 s on this
project's machine) and loading the cached machine code, which sets up numba's typing and
target contexts (about 0.4 s more), over half of ``truceline fuse``'s start-up of 1.2 s.
``truceline warm-up`` (run by ``make install``)
therefore also compiles the same functions, with the argument types fusion calls them
with, into an extension module (:mod:`truceline.fusion.aot`); when that module is there
and was built from these kernels' sources, fusion calls it and never imports numba.

Where it is missing or stale (a kernel edited since), the JIT serves, with the same
results: the extension is the same numba code, compiled by the same compiler (the tests
compare them call by call). ``TRUCELINE_KERNELS=jit`` forces the JIT (to compare, or to
warm its cache up). A compiled function takes its arguments as declared, unchecked: a
call whose arrays differ in element type, dimensions or layout from the build's, whose
scalars are of another kind (a float where an integer was built), or that passes
keywords goes to the JIT instead, which compiles for what it is given, so no call is
ever misread.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # bound by use(); typed as the JIT's (the build has their signatures)
    from truceline.fusion._fit_kernels import build as build
    from truceline.fusion._fit_kernels import gate_rounds as gate_rounds
    from truceline.fusion._kernels import leaf_votes as leaf_votes
    from truceline.fusion._kernels import lm_solve as lm_solve
    from truceline.fusion._kernels import partition_dfs as partition_dfs
    from truceline.fusion._kernels import purify_leaves as purify_leaves
    from truceline.fusion._kernels import repeat_windows as repeat_windows
    from truceline.fusion._kernels import residuals as residuals
    from truceline.fusion._margin_kernels import exact_margins as exact_margins

HERE = Path(__file__).resolve().parent
SOURCES = ("_kernels.py", "_fit_kernels.py", "_margin_kernels.py")
MODULE = "_aot"  # the extension's name, in this package
STAMP = HERE / "_aot.json"  # what it was built from, written once it is complete
# Every kernel fusion calls from Python, with its module (the others are compiled into
# these).
NAMES: Mapping[str, str] = {
    "partition_dfs": "_kernels", "purify_leaves": "_kernels", "leaf_votes": "_kernels",
    "repeat_windows": "_kernels", "lm_solve": "_kernels", "residuals": "_kernels",
    "gate_rounds": "_fit_kernels", "build": "_fit_kernels", "exact_margins": "_margin_kernels",
}  # fmt: skip

Kernel = Callable[..., Any]

# Whether the kernels are compiled (ahead of time or by numba); without numba and
# without the extension, fusion runs the numpy forms.
COMPILED = False
ACTIVE = "python"  # "aot", "jit" or "python": which form the names above are


def source_digest() -> str:
    """SHA-256 of the kernels' sources: the extension serves only the sources it was
    built from."""
    h = hashlib.sha256()
    for name in SOURCES:
        h.update((HERE / name).read_bytes())
    return h.hexdigest()


def jitted(name: str) -> Kernel:
    """Kernel ``name`` as numba's dispatcher (the plain function without numba)."""
    module = importlib.import_module(f"truceline.fusion.{NAMES[name]}")
    return getattr(module, name)  # type: ignore[no-any-return]


# The Python scalars a compiled scalar argument takes as the JIT would (a float where an
# integer was built would be truncated silently; the JIT compiles for the float).
_SCALARS: Mapping[str, tuple[type, ...]] = {
    "int64": (int, np.integer),
    "float64": (float, int, np.floating, np.integer),
    "bool": (bool, np.bool_),
}


def _guarded(fast: Kernel, name: str, spec: list[list[Any]]) -> Kernel:
    """``fast`` for calls whose arguments are what it was built for (``spec``: per
    argument, ``[dtype, ndim]`` for an array, ``[type]`` for a scalar), the JIT kernel
    otherwise."""
    arrays = tuple((i, np.dtype(s[0]), s[1]) for i, s in enumerate(spec) if len(s) == 2)
    scalars = tuple((i, _SCALARS.get(s[0], ())) for i, s in enumerate(spec) if len(s) == 1)
    n_args = len(spec)

    def fits(args: tuple[Any, ...]) -> bool:
        if len(args) != n_args:
            return False
        for i, dtype, ndim in arrays:
            a = args[i]
            if (type(a) is not np.ndarray or a.dtype != dtype or a.ndim != ndim
                    or not a.flags.c_contiguous):  # fmt: skip
                return False
        return all(isinstance(args[i], kinds) for i, kinds in scalars)

    def call(*args: Any, **kwargs: Any) -> Any:
        if not kwargs and fits(args):
            return fast(*args)
        return jitted(name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"The ahead-of-time build of :func:`{NAMES[name]}.{name}` (guarded)."
    call.fits = fits  # type: ignore[attr-defined]  # what the tests ask of each call
    return call


def _stamp() -> dict[str, Any] | None:
    """The build's stamp (None when there is none, or it is unreadable)."""
    try:
        stamp = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def _extension() -> tuple[ModuleType, dict[str, Any]] | None:
    """The extension and its stamp, if both are there and current."""
    stamp = _stamp()
    if (stamp is None or stamp.get("digest") != source_digest()
            or set(stamp.get("args", {})) != set(NAMES)):  # fmt: skip
        return None
    try:
        return importlib.import_module(f"truceline.fusion.{MODULE}"), stamp
    except ImportError:
        return None


def current() -> bool:
    """Whether the ahead-of-time build is there and built from these sources."""
    return _extension() is not None


def stale() -> bool:
    """Whether an ahead-of-time build is there but from other sources (kernels edited or
    updated since ``truceline warm-up`` ran): the JIT then serves, and every process
    starts slower until the build is made again."""
    stamp = _stamp()
    return stamp is not None and stamp.get("digest") != source_digest()


def use(form: str | None = None) -> str:
    """Bind the kernel names to ``form`` ("aot", "jit"; default: the ahead-of-time build
    when current, unless ``TRUCELINE_KERNELS=jit``, else the JIT); returns the form bound
    ("python" when numba is not installed and no build serves)."""
    form = form or os.environ.get("TRUCELINE_KERNELS", "aot")
    found = _extension() if form == "aot" else None
    if found is not None:
        module, stamp = found
        funcs = {n: _guarded(getattr(module, n), n, stamp["args"][n]) for n in NAMES}
        return _bind(funcs, "aot", compiled=True)
    from truceline.fusion import _kernels  # imports numba, where installed

    return _bind({n: jitted(n) for n in NAMES}, "jit" if _kernels.HAVE_NUMBA else "python",
                 compiled=_kernels.HAVE_NUMBA)  # fmt: skip


def _bind(funcs: Mapping[str, Kernel], form: str, *, compiled: bool) -> str:
    global COMPILED, ACTIVE
    globals().update(funcs)
    COMPILED, ACTIVE = compiled, form
    return form


use()
