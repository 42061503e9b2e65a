"""The warm-up compiles what fusion uses: after it, fusing other inputs loads no kernel."""

import json
import subprocess
import sys

import pytest

from truceline.fusion import _kernels
from truceline.fusion.warmup import warm_up

# In a fresh process, so no kernel is loaded before the warm-up (signatures only grow).
CODE = """
import json
from truceline.fusion.engine import FusionEngine
from truceline.fusion.simulate import SimulationConfig, simulate
from truceline.fusion.warmup import kernel_signatures, warm_up

done = warm_up()
before = kernel_signatures()
events = 0
for preset, seed in (("moderate", 2), ("hard", 3)):
    scenario = simulate(SimulationConfig.from_preset(preset, seed=seed, hours=0.1))
    engine = FusionEngine(scenario.sensors, scenario.weather)
    engine.add(scenario.detections)
    events += len(engine.finish())
print(json.dumps({"events": done.events, "later_events": events, "before": before,
                  "after": kernel_signatures()}))
"""


def test_after_the_warm_up_other_inputs_need_no_kernel_compiled() -> None:
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                          timeout=900, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["events"] > 100 and out["later_events"] > 100
    for kernel in ("partition_dfs", "purify_leaves", "leaf_votes", "repeat_windows",
                   "lm_solve", "gate_rounds", "build"):  # fmt: skip
        assert any(name.endswith(f".{kernel}") and n for name, n in out["before"].items()), kernel
    grown = {k: (n, out["after"][k]) for k, n in out["before"].items() if out["after"][k] != n}
    assert grown == {}, f"kernels the warm-up left for later: {grown}"


def test_without_numba_nothing_is_fused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_kernels, "HAVE_NUMBA", False)
    assert warm_up() is None
