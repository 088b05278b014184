"""Where the networks run: "jax" (XLA through jax.jit, the reference) or "onnx" (onnxruntime,
each network exported once with jax2onnx; the optional extra, requirements-onnx.txt or
`pip install alpr_jax[onnx]`). "auto", the default of ALPR.load, `alpr predict` and eval.py,
picks per network the runtime that is faster on CPU: onnxruntime (where installed) for the
detector's networks (ONNX_FASTER), XLA for the recogniser, whose spatial transformers' gathers
onnxruntime runs 1.5x slower. The environment variable ALPR_JAX_BACKEND=jax|onnx makes "auto"
pick that runtime for every network (the tests set it to "jax"). The training loop's
evaluators always use "jax" (an export per checkpoint would cost more than it saves).

A NetRunner holds one network function fn(variables, x) -> tuple of arrays and its variables.
The geometry around the networks (crops with the project's sampler, anchor decoding, NMS)
stays in JAX / numpy on both backends, so the same code cuts every crop; only the
convolution stacks change runtime. On this project's 2-core CPU onnxruntime runs the
detector's networks 2-4x faster than XLA:CPU (benchmarks/pipeline_speed.py).

ONNX models are exported per input shape (the batch dimension symbolic where the runner says
so) and cached on disk under $ALPR_JAX_CACHE (default ~/.cache/alpr_jax/onnx), keyed by the
network, a digest of its variables and of what else its graph bakes in (the RPN's top-k
count), and the shape, so an export happens once per machine. `alpr predict` also keeps XLA's
compiled programs (the recogniser, the crops) on disk, under $ALPR_JAX_CACHE/xla (default
~/.cache/alpr_jax/xla): enable_compilation_cache; a second run of the two bundled photos then
takes 5 s instead of 9.
"""
from __future__ import annotations

import hashlib
import os
import threading

import jax
import numpy as np

BACKENDS = ("auto", "jax", "onnx")
DEFAULT_BACKEND = "auto"
# the networks "auto" runs on onnxruntime (benchmarks/pipeline_speed.py, README "Speed and
# backends": RPN 2-3x, DSNT 2-3x, R-CNN 2x faster than XLA:CPU; the recogniser 1.5x slower)
ONNX_FASTER = ("rpn", "rcnn", "dsnt")


_DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "alpr_jax")


def cache_dir() -> str:
    """Where ONNX exports are kept: $ALPR_JAX_CACHE, default ~/.cache/alpr_jax/onnx."""
    return os.environ.get("ALPR_JAX_CACHE", os.path.join(_DEFAULT_CACHE, "onnx"))


def enable_compilation_cache() -> str | None:
    """Keeps jit's compiled programs on disk between runs (JAX's persistent cache), unless a
    cache is set already (JAX_COMPILATION_CACHE_DIR, or a caller's own): the directory used,
    or None when left alone."""
    if jax.config.jax_compilation_cache_dir:
        return None
    path = os.path.join(os.environ.get("ALPR_JAX_CACHE", _DEFAULT_CACHE), "xla")
    jax.config.update("jax_compilation_cache_dir", path)
    # most of the pipeline's programs compile in well under JAX's default 1 s threshold
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    return path


def onnx_available() -> bool:
    return all(_importable(m) for m in ("onnxruntime", "jax2onnx", "onnx"))


def check_backend(backend: str, network: str | None = None) -> str:
    """backend name -> "jax" or "onnx" ("auto" resolved for `network`, a NetRunner name: see
    the module docstring); errors name what is missing."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        forced = os.environ.get("ALPR_JAX_BACKEND")
        if forced and forced not in BACKENDS[1:]:
            raise ValueError(f"ALPR_JAX_BACKEND must be 'jax' or 'onnx', got {forced!r}")
        faster = network is None or network in ONNX_FASTER
        backend = forced or ("onnx" if faster and onnx_available() else "jax")
    if backend == "onnx":
        missing = [m for m in ("onnxruntime", "jax2onnx", "onnx") if not _importable(m)]
        if missing:
            raise ImportError(f"backend 'onnx' needs {', '.join(missing)}: "
                              "pip install -r requirements-onnx.txt (or alpr_jax[onnx])")
    return backend


def _importable(name: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(name) is not None


def _digest(variables, graph_key: str = "") -> str:
    h = hashlib.sha1(graph_key.encode())
    for path, leaf in jax.tree_util.tree_flatten_with_path(variables)[0]:
        h.update(jax.tree_util.keystr(path).encode())
        h.update(np.ascontiguousarray(np.asarray(leaf, np.float32)).tobytes())
    return h.hexdigest()[:16]


class NetRunner:
    """fn(variables, x) -> tuple of arrays, on a backend. Call with x [B, ...] of
    input_dtype (float32 unless said; numpy or jax); returns a tuple of arrays (jax arrays
    on "jax", numpy on "onnx").
    dynamic_batch: the ONNX export leaves the first dimension symbolic (one export for every
    batch size); otherwise each input shape is its own export. graph_key: what else fn bakes
    into the exported graph (e.g. the RPN's top-k count), part of the cache key with the
    weights' digest, so a cached export made with other settings is never loaded."""

    def __init__(self, name: str, fn, variables, backend: str = "jax",
                 dynamic_batch: bool = True, graph_key: str = "", input_dtype=np.float32):
        self.name, self.fn, self.backend = name, fn, check_backend(backend, name)
        self.dynamic_batch, self.graph_key = dynamic_batch, graph_key
        self.input_dtype = np.dtype(input_dtype)
        if self.input_dtype != np.float32 and dynamic_batch:
            raise ValueError(f"{name}: a symbolic batch is exported for float32 inputs only")
        self._jit = jax.jit(fn) if self.backend == "jax" else None
        self._sessions: dict = {}
        self._lock = threading.Lock()
        self.set_variables(variables)

    def set_variables(self, variables) -> None:
        """New weights for the same network: JAX keeps its compiled function; ONNX sessions
        (weights baked into the graph) are dropped and re-made on the next call."""
        self.variables = jax.device_put(variables)
        self._sessions = {}
        self._digest = None

    def __call__(self, x):
        if self.input_dtype != np.float32 and np.dtype(x.dtype) != self.input_dtype:
            # (a float photo here would be scaled to [0, 1] a second time)
            raise ValueError(f"{self.name} takes {self.input_dtype} inputs, got {x.dtype}")
        if self._jit is not None:
            return self._jit(self.variables, x)
        session = self._session(tuple(x.shape))
        return tuple(session.run(None, {session.get_inputs()[0].name:
                                        np.ascontiguousarray(x, self.input_dtype)}))

    def rows(self, count: int, buckets: tuple[int, ...]) -> int:
        """How many rows to run for count inputs: XLA compiles once per batch size, so the
        count is padded up to a bucket; onnxruntime with a symbolic batch takes it as is."""
        if self._jit is None and self.dynamic_batch:
            return count
        return next((b for b in buckets if b >= count), count)

    def compiled_shapes(self) -> int:
        return self._jit._cache_size() if self._jit is not None else len(self._sessions)

    # --- ONNX --------------------------------------------------------------------------------
    def _key(self, shape: tuple) -> tuple:
        return ("B",) + shape[1:] if self.dynamic_batch else shape

    def _session(self, shape: tuple):
        key = self._key(shape)
        session = self._sessions.get(key)
        if session is None:
            with self._lock:
                session = self._sessions.get(key)
                if session is None:
                    session = self._sessions[key] = self._make_session(key)
        return session

    def onnx_path(self, key: tuple) -> str:
        if self._digest is None:
            self._digest = _digest(self.variables, self.graph_key)
        dims = "x".join(str(d) for d in key)
        return os.path.join(cache_dir(), f"{self.name}-{self._digest}-{dims}.onnx")

    def export(self, key: tuple, path: str | None = None) -> str:
        """Writes the ONNX model for input shape `key` (first dimension "B" = symbolic) to
        path (default: the cache) and returns the path."""
        import jax2onnx
        path = path or self.onnx_path(key)
        import logging
        variables = self.variables
        quiet = logging.getLogger("onnx_ir")          # it warns of every untyped shape constant
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            spec = key if self.input_dtype == np.float32 else jax.ShapeDtypeStruct(
                key, self.input_dtype)
            model = jax2onnx.to_onnx(lambda x: self.fn(variables, x), [spec],
                                     return_mode="proto")
        finally:
            quiet.setLevel(level)
        # jax2onnx traces with its own primitives patched in; a jitted helper traced meanwhile
        # (the sampler) would keep that trace in JAX's caches: drop them
        jax.clear_caches()
        # its intermediate shape annotations are NHWC where the graph is NCHW: drop them, the
        # runtime infers its own
        del model.graph.value_info[:]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(model.SerializeToString())
        os.replace(tmp, path)
        return path

    def _make_session(self, key: tuple):
        import onnxruntime as ort
        path = self.onnx_path(key)
        if not os.path.isfile(path):
            self.export(key, path)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = max(1, os.cpu_count() or 1)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # every session has its own threads; spinning ones would keep the cores busy while
        # the next stage (another session, or JAX) runs
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        except Exception as e:     # a truncated cache file: export again once
            os.remove(path)
            self.export(key, path)
            try:
                return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
            except Exception:
                raise RuntimeError(f"{path}: onnxruntime cannot load the exported {self.name} "
                                   f"({e})") from None
