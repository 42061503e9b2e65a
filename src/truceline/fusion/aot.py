"""Build the fusion kernels ahead of time, into an extension module beside them.

numba's ``pycc`` compiles the same Python functions the JIT runs, for the argument types
given, into a C extension that needs neither numba nor LLVM to load (it carries numba's
runtime). Those types are taken from the JIT itself: after a warm-up
(:func:`truceline.fusion.warmup.warm_up`) each kernel fusion calls holds exactly the
signature fusion calls it with, so the build compiles nothing fusion does not call and
misses nothing it does. The code is built for the generic x86-64 processor, not this
one: the extension then runs on any machine the wheel of numba runs on, and on this
project's machine it runs at the JIT's speed (each kernel within a few per cent, call by
call) with events byte-identical.

``pycc`` is marked "pending deprecation" in numba 0.68, for a replacement still being
developed; where it fails (no C compiler, a numba without it) the build says why and
fusion keeps to the JIT (:mod:`truceline.fusion.kernels`).
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from truceline.fusion import kernels


class BuildError(RuntimeError):
    """The extension could not be built (fusion keeps to the JIT)."""


def _spec(arg: Any) -> list[Any]:
    """An argument's type as the guard checks it: ``[dtype, ndim]`` or ``[kind]``."""
    from numba.core import types

    if isinstance(arg, types.Array):
        if arg.layout != "C":
            raise BuildError(f"an argument of layout {arg.layout}, not C-contiguous: {arg}")
        return [str(arg.dtype), arg.ndim]
    return [str(arg)]


def build(out_dir: Path = kernels.HERE) -> Path:
    """Compile the kernels fusion calls (with the one signature each holds, after a
    warm-up) into ``out_dir``; returns the extension's path.

    The stamp (``kernels.STAMP``: the sources' digest and each kernel's argument types)
    is removed first and written last, so a build that fails half-way is never loaded;
    the extension is compiled in a scratch folder and moved into place, never written
    over a file that a running process may have loaded.
    """
    from truceline.fusion.warmup import fusion_kernels

    stamp = out_dir / kernels.STAMP.name
    stamp.unlink(missing_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc's pending deprecation, and distutils'
        try:
            cc: Any = importlib.import_module("numba.pycc").CC(kernels.MODULE)
        except (ImportError, AttributeError) as exc:
            raise BuildError(f"numba's pycc is not available: {exc}") from None
        cc.verbose = False
        args: dict[str, list[list[Any]]] = {}
        for kernel in fusion_kernels():
            name = kernel.py_func.__name__
            sigs = kernel.nopython_signatures
            if len(sigs) != 1:
                raise BuildError(f"{name} holds {len(sigs)} signatures, not one: warm up first")
            args[name] = [_spec(a) for a in sigs[0].args]
            cc.export(name, sigs[0])(kernel.py_func)
        with tempfile.TemporaryDirectory(prefix=".aot-", dir=out_dir) as scratch:
            cc.output_dir = scratch
            try:
                cc.compile()
            except Exception as exc:  # distutils, the compiler, the linker: any of them
                raise BuildError(f"compiling the extension failed: {exc}") from exc
            target = out_dir / str(cc.output_file)
            os.replace(Path(scratch) / target.name, target)
    _write(stamp, {"digest": kernels.source_digest(), "args": args})
    return target


def _write(path: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1)
    os.replace(tmp, path)
