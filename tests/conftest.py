import os

import numpy as np
import pytest

# the tests run the reference backend unless they name "onnx" (ALPR.load's "auto" would pick
# onnxruntime where it is installed)
os.environ.setdefault("ALPR_JAX_BACKEND", "jax")

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
CCPD_DIR = os.path.join(SHARED, "ccpd_samples")
CROPS_DIR = os.path.join(SHARED, "plate_crops")


@pytest.fixture(scope="session")
def ccpd_dir():
    if not os.path.isdir(CCPD_DIR):
        pytest.fail(f"shared real data missing: {CCPD_DIR} (clone beside ../shared)")
    return CCPD_DIR


@pytest.fixture(scope="session")
def crops_dir():
    if not os.path.isdir(CROPS_DIR):
        pytest.fail(f"shared real data missing: {CROPS_DIR} (clone beside ../shared)")
    return CROPS_DIR


@pytest.fixture(scope="session", autouse=True)
def jax_compilation_cache(tmp_path_factory):
    """Share compiled programs between the tests' repeated training runs (same shapes)."""
    import jax
    jax.config.update("jax_compilation_cache_dir", str(tmp_path_factory.mktemp("jax_cache")))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


@pytest.fixture(scope="session", autouse=True)
def onnx_export_cache(tmp_path_factory):
    """ONNX exports (pipeline.runtime.cache_dir) go to this session's own folder: the tests
    start cold, as on a fresh machine, and leave the user's cache alone."""
    before = os.environ.get("ALPR_JAX_CACHE")
    os.environ["ALPR_JAX_CACHE"] = str(tmp_path_factory.mktemp("alpr_jax_cache"))
    yield
    if before is None:
        os.environ.pop("ALPR_JAX_CACHE")
    else:
        os.environ["ALPR_JAX_CACHE"] = before


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def train_cli(config_spec: str, workdir: str, *flags: str) -> None:
    """Runs `python train.py --config configs/<config_spec> --workdir workdir [flags]` as a
    user would, sharing this session's compilation cache (so the in-process runs of the same
    shapes that follow compile nothing)."""
    train_clis((config_spec, workdir, *flags))


def train_clis(*runs: tuple[str, ...]) -> None:
    """Several train_cli runs, each (config_spec, workdir, *flags), side by side: a tiny run
    is mostly compilation, which uses one thread, so two cores take two at a time."""
    import subprocess
    import sys

    import jax
    env = dict(os.environ, JAX_COMPILATION_CACHE_DIR=jax.config.jax_compilation_cache_dir or "",
               JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
               JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0")
    started = []
    for config_spec, workdir, *flags in runs:
        cmd = [sys.executable, os.path.join(ROOT, "train.py"), "--config",
               os.path.join(ROOT, "configs", config_spec), "--workdir", workdir, *flags]
        started.append((cmd, subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                              stderr=subprocess.PIPE, text=True)))
    failed = []
    for cmd, proc in started:
        _, stderr = proc.communicate(timeout=900)
        if proc.returncode:
            failed.append(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    if failed:
        raise AssertionError("\n".join(failed))


def load_script(name: str):
    """scripts/<name>.py as a module (the scripts are run as files, not imported as a package)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "scripts", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fd_grad(f, x, eps):
    """Central finite differences of the scalar function f at x (float64), for gradient tests."""
    x = np.asarray(x, np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[idx] = eps
        g[idx] = (f(x + d) - f(x - d)) / (2 * eps)
    return g
