"""The ahead-of-time kernels (truceline.fusion.aot, truceline.fusion.kernels): built by
``make install``, current, identical to numba's JIT call by call and end to end, guarded
against calls they were not built for, and loaded without numba."""

import copy
import importlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from truceline.fusion import _kernels, aot, kernels, warmup
from truceline.fusion.engine import FusionEngine
from truceline.fusion.simulate import SimulationConfig, simulate

BIN = Path(sys.executable).parent
JIT = {**os.environ, "TRUCELINE_KERNELS": "jit"}
pytestmark = pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba is not installed")


@pytest.fixture()
def aot_bound() -> Iterator[None]:
    """The ahead-of-time build bound (whatever the environment asks), restored after."""
    form = kernels.ACTIVE
    assert kernels.use("aot") == "aot", "no current ahead-of-time build: `truceline warm-up`"
    yield
    kernels.use(form)


def test_make_install_left_a_current_build() -> None:
    """``truceline warm-up`` (run by ``make install``) builds it, from these sources."""
    assert kernels.current()


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True))


Calls = dict[str, list[tuple[Any, ...]]]


def _recorded_calls(monkeypatch: pytest.MonkeyPatch, per_kernel: int) -> Calls:
    """Up to ``per_kernel`` calls of each kernel (copies of their arguments) made while
    the JIT fuses a small simulated hard input (salvos, wind, outliers)."""
    kernels.use("jit")
    calls: Calls = {name: [] for name in kernels.NAMES}

    def recorder(name: str, jitted: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            if len(calls[name]) < per_kernel:
                calls[name].append(copy.deepcopy(args))
            return jitted(*args)

        return call

    for name in kernels.NAMES:
        monkeypatch.setattr(kernels, name, recorder(name, getattr(kernels, name)))
    scenario = simulate(SimulationConfig.from_preset("hard", seed=5, hours=0.05))
    engine = FusionEngine(scenario.sensors, scenario.weather)
    engine.add(scenario.detections)
    assert len(engine.finish()) > 20
    monkeypatch.undo()
    return calls


def test_each_kernel_returns_what_the_jit_returns(monkeypatch: pytest.MonkeyPatch,
                                                  aot_bound: None) -> None:  # fmt: skip
    """Each recorded call takes the compiled path (the guard passes it), and the
    extension's function itself returns exactly what numba's does."""
    calls = _recorded_calls(monkeypatch, per_kernel=40)
    kernels.use("aot")
    extension = importlib.import_module(f"truceline.fusion.{kernels.MODULE}")
    for name, made in calls.items():
        assert made, f"{name} was never called"
        for args in made:
            assert getattr(kernels, name).fits(args), name
            want = kernels.jitted(name)(*copy.deepcopy(args))
            got = getattr(extension, name)(*copy.deepcopy(args))
            assert _equal(got, want), name


def test_a_call_unlike_the_build_goes_to_the_jit(aot_bound: None) -> None:
    """Arrays of another element type or layout than the build's would be misread by the
    compiled code (it does not check them: an int32 array crashes it), a float where it
    was built for an integer truncated; the guard sends such calls, and calls by keyword,
    to the JIT."""
    rng = np.random.default_rng(3)
    implied = np.sort(np.round(rng.uniform(0.0, 5.0, 120), 2))
    sensors = rng.integers(0, 12, 120)
    ends = np.searchsorted(implied, implied + 0.3, side="right")
    want = kernels.repeat_windows(implied, sensors, ends, 12, 4)  # as built: int64, float64
    as_int32 = kernels.repeat_windows(implied, sensors.astype(np.int32), ends, 12, 4)
    strided = np.repeat(implied, 2)[::2]
    assert not strided.flags.c_contiguous
    from_view = kernels.repeat_windows(strided, sensors, ends, 12, 4)
    as_float = kernels.repeat_windows(implied, sensors, ends, 12, 4.0)  # built for int64
    by_keyword = kernels.repeat_windows(implied, sensors, ends, 12, min_sensors=4)
    assert len(want[2]) > 5  # windows of four sensors or more were found
    guard = kernels.repeat_windows.fits  # type: ignore[attr-defined]
    assert guard((implied, sensors, ends, 12, 4))
    assert not guard((implied, sensors.astype(np.int32), ends, 12, 4))
    assert not guard((strided, sensors, ends, 12, 4))
    assert not guard((implied, sensors, ends, 12, 4.0))
    for got in (as_int32, from_view, as_float, by_keyword):
        assert _equal(got, want)


def test_a_stale_or_unwanted_build_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    form = kernels.ACTIVE
    try:
        monkeypatch.setattr(kernels, "source_digest", lambda: "edited since the build")
        assert not kernels.current()
        assert kernels.use() == "jit"
        monkeypatch.undo()
        monkeypatch.setenv("TRUCELINE_KERNELS", "jit")
        assert kernels.use() == "jit"
        assert kernels.partition_dfs is _kernels.partition_dfs
    finally:
        kernels.use(form)


def test_a_build_from_an_unwarmed_jit_fails_and_leaves_no_stamp(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A kernel holding no signature (never called) or several cannot be built for
    what fusion calls; the build says so and leaves nothing that would be loaded."""

    class Unwarmed:
        py_func = _kernels.repeat_windows.py_func
        nopython_signatures: tuple[Any, ...] = ()

    (tmp_path / kernels.STAMP.name).write_text("{}")
    monkeypatch.setattr(warmup, "fusion_kernels", lambda: (Unwarmed(),))
    with pytest.raises(aot.BuildError, match="repeat_windows holds 0 signatures"):
        aot.build(tmp_path)
    assert not (tmp_path / kernels.STAMP.name).exists()


FUSE_IN_PROCESS = """
import sys
from pathlib import Path
from truceline.cli.fuse_cmd import run_fuse
from truceline.fusion import kernels
d = Path(sys.argv[1])
run_fuse(d / "sensors.csv", d / "detections.ndjson", d / "events-aot.geojson",
         weather=d / "weather.ndjson", agreement=d / "agreement.geojson")
print(kernels.ACTIVE, "numba" in sys.modules, "llvmlite" in sys.modules)
"""


def test_fuse_with_the_build_imports_no_numba_and_writes_what_the_jit_writes(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TRUCELINE_KERNELS"}
    subprocess.run([str(BIN / "truceline"), "simulate", "--preset", "hard", "--seed", "4",
                    "--hours", "0.1", "--out", str(tmp_path)], check=True,
                   capture_output=True, env=env)  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", FUSE_IN_PROCESS, str(tmp_path)],
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["aot", "False", "False"]
    args = ["--sensors", "sensors.csv", "--detections", "detections.ndjson", "--weather",
            "weather.ndjson", "--agreement", "agreement.geojson",
            "--out", "events-jit.geojson"]  # fmt: skip
    subprocess.run([str(BIN / "truceline"), "fuse", *args], cwd=tmp_path, env=JIT,
                   check=True, capture_output=True)  # fmt: skip
    fused = (tmp_path / "events-aot.geojson").read_bytes()
    assert fused.count(b'"Feature"') > 50
    assert fused == (tmp_path / "events-jit.geojson").read_bytes()
