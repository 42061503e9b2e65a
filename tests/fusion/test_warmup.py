"""The warm-up compiles what fusion uses: after it, fusing other inputs loads no kernel."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from truceline.fusion import _kernels
from truceline.fusion.warmup import fusion_kernels, warm_up

# In a fresh process, so no kernel is loaded before the warm-up (signatures only grow).
CODE = """
import json
from truceline.fusion.engine import FusionEngine
from truceline.fusion.simulate import SimulationConfig, simulate
from truceline.fusion.warmup import kernel_signatures, kernels_cached, warm_up

done = warm_up()
cached = kernels_cached()
before = kernel_signatures()
events = 0
for preset, seed in (("moderate", 2), ("hard", 3)):
    scenario = simulate(SimulationConfig.from_preset(preset, seed=seed, hours=0.1))
    engine = FusionEngine(scenario.sensors, scenario.weather)
    engine.add(scenario.detections)
    events += len(engine.finish())
print(json.dumps({"events": done.events, "later_events": events, "before": before,
                  "after": kernel_signatures(), "cached": cached}))
"""


def test_after_the_warm_up_other_inputs_need_no_kernel_compiled() -> None:
    """With the JIT serving (the ahead-of-time build, where current, would serve the
    later inputs and leave the JIT's signatures as they were, whatever the warm-up did)."""
    env = {**os.environ, "TRUCELINE_KERNELS": "jit"}
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                          env=env, timeout=900, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["events"] > 100 and out["later_events"] > 100
    assert out["cached"]  # truceline fuse will not warm up again
    for kernel in (k.py_func.__name__ for k in fusion_kernels()):
        assert any(name.endswith(f".{kernel}") and n for name, n in out["before"].items()), kernel
    grown = {k: (n, out["after"][k]) for k, n in out["before"].items() if out["after"][k] != n}
    assert grown == {}, f"kernels the warm-up left for later: {grown}"


def test_without_numba_nothing_is_fused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_kernels, "HAVE_NUMBA", False)
    assert warm_up() is None


@pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="the cache is numba's")
def test_a_cold_kernel_cache_is_seen_and_the_warm_up_fills_it(tmp_path: Path) -> None:
    """With numba's cache in an empty directory (a plain ``pip install``: nothing
    compiled yet), :func:`kernels_cached` says so, and after a warm-up it says the cache
    is warm (the kernels that serve only the numpy forms' tests stay uncompiled, and
    must not count). It compiles everything once: about half a minute. The JIT serves
    (a current ahead-of-time build needs no cache, and :func:`kernels_cached` says so)."""
    code = ("from truceline.fusion.warmup import kernels_cached, warm_up\n"
            "print(kernels_cached()); warm_up(); print(kernels_cached())")  # fmt: skip
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "TRUCELINE_KERNELS": "jit"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=900, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True"]
