"""PlateReader: a recogniser with its variables, reading batches of rectified plates.

Batches are padded to a few fixed sizes, so jit compiles once per bucket, not per call.
Test-time augmentation: a plate is also read shifted 2 px left and right (the shared bilinear
sampler) and the per-class log-probabilities of the three views are averaged, which absorbs
some rectification error at about four times the recogniser's cost. By default only the
doubtful plates get it: those whose plain reading's confidence is under reread_below
(REREAD_BELOW); `tta=True` gives it to every plate.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from alpr_jax import decoding, weights
from alpr_jax.data.preprocess import to_float
from alpr_jax.geometry import sampler
from alpr_jax.geometry.rectify import PLATE_HW
from alpr_jax.models import build_recognizer
from alpr_jax.models.recognizer import SEGMENT_FILL
from alpr_jax.pipeline import runtime

BUCKETS = (1, 2, 4, 8, 16, 64)   # padded batch sizes: a photo with 2 plates pays for 2, not 8
TTA_SHIFTS_PX = (0.0, -2.0, 2.0)   # horizontal shifts of the 48x120 plate read by tta
# plain readings under this confidence are read again with the shifted views: on easypr_dev
# 0.5, 0.8, 0.9 and 0.99 all give the same texts as tta for every plate (photo -> text 0.883
# -> 0.915), re-reading 27% (0.5) to 62% (0.99) of its plates; on plate_crops half b 0.5 gave
# 0.949 and 0.8 gives tta's 0.957, with the synthetic kinds equal or better (chosen on both)
REREAD_BELOW = 0.8


def check_reread_below(value: float) -> float:
    if not 0 <= value <= 1:
        raise ValueError(f"reread_below must be in [0, 1], got {value}")
    return value


def _tta_thetas() -> jnp.ndarray:
    """[V, 2, 3] samplers that shift the plate by TTA_SHIFTS_PX (view 0: identity)."""
    return jnp.asarray([[[1.0, 0.0, 2.0 * dx / PLATE_HW[1]], [0.0, 1.0, 0.0]]
                        for dx in TTA_SHIFTS_PX], jnp.float32)


@jax.jit
def _tta_views(x):
    """x float32 [B, 48, 120, 3] -> the shifted views [V * B, 48, 120, 3], view-major. The
    views are geometry, like every crop: cut by the project's sampler in JAX on both
    backends, then read by the one recogniser network."""
    b, v = x.shape[0], len(TTA_SHIFTS_PX)
    thetas = jnp.broadcast_to(_tta_thetas(), (b, v, 2, 3))
    views = sampler.sample_batch(x, thetas, PLATE_HW, SEGMENT_FILL)        # [B, V, 48, 120, 3]
    return jnp.swapaxes(views, 0, 1).reshape((v * b,) + x.shape[1:])


def _merge_views(outputs: dict, views: int) -> dict:
    """The recogniser's outputs on _tta_views' [V * B] inputs -> per plate: *_logits become the
    views' mean log-probabilities (float32), the other entries (thetas) the unshifted view's."""
    merged = {}
    for key, value in outputs.items():
        value = value.reshape((views, -1) + value.shape[1:])
        merged[key] = (decoding.log_softmax(value).mean(0) if key.endswith("_logits")
                       else value[0])
    return merged


class PlateReader:
    def __init__(self, model_config: dict, variables: dict, use_priors: bool = True,
                 tta: bool = False, rectify: bool = True,
                 backend: str = "jax", reread_below: float = REREAD_BELOW):
        check_reread_below(reread_below)
        self.model_config = dict(model_config)
        self.rectify = rectify      # trained on rectified plates (False: box cuts, Table 6)
        self.model = build_recognizer(**self.model_config)
        self.use_priors = use_priors
        self.tta, self.reread_below = tta, reread_below
        # the output dict's keys, in the order of the runner's tuple (tta: the same keys)
        probe = jax.ShapeDtypeStruct((1, *PLATE_HW, 3), jnp.float32)
        self._keys = sorted(jax.eval_shape(
            lambda x: self.model.apply(variables, x, train=False), probe))

        def apply(v, x):
            return tuple(self.model.apply(v, x, train=False)[k] for k in self._keys)
        # one network for the plain read and the shifted views (a batch V times larger)
        self._apply = runtime.NetRunner("recognizer", apply, variables, backend)

    def onnx_inputs(self) -> list:
        """[(runner, input shape)] of the recogniser for an ONNX export (symbolic batch)."""
        return [(self._apply, ("B", *PLATE_HW, 3))]

    @property
    def variables(self):
        return self._apply.variables

    def size_mb(self) -> float:
        return sum(x.size * x.dtype.itemsize
                   for x in jax.tree_util.tree_leaves(self.variables)) / 2 ** 20

    def set_variables(self, variables: dict) -> None:
        """New weights of the same model (a training run's evaluations): the compiled
        functions are kept."""
        self._apply.set_variables(variables)

    @classmethod
    def load(cls, path: str | None = None, use_priors: bool = True,
             tta: bool = False, backend: str = "jax",
             reread_below: float = REREAD_BELOW) -> "PlateReader":
        """From a .npz written by weights.save_npz (default: the shipped recogniser);
        backend: where the network runs (pipeline.runtime); reread_below: see the module
        docstring (0: never)."""
        path = path or weights.shipped("recognizer")
        variables, meta = weights.load_npz(path)
        if "model" not in meta:
            raise ValueError(f"{path}: weights carry no model config")
        return cls(meta["model"], variables, use_priors, tta, bool(meta.get("rectify", True)),
                   backend, reread_below)

    def outputs(self, plates_uint8: np.ndarray, tta: bool | None = None) -> dict:
        """uint8 [N, 48, 120, 3] -> model outputs as numpy, N any size; tta: with the
        shifted views (None: as the reader was built)."""
        tta = self.tta if tta is None else tta
        x = np.asarray(plates_uint8)
        if x.ndim != 4 or x.shape[1:] != (*PLATE_HW, 3):
            raise ValueError(f"plates must be [N, {PLATE_HW[0]}, {PLATE_HW[1]}, 3], got {x.shape}")
        chunks = []
        for start in range(0, len(x), BUCKETS[-1]):
            part = x[start:start + BUCKETS[-1]]
            size = next(b for b in BUCKETS if b >= len(part))
            padded = np.zeros((size,) + part.shape[1:], np.float32)
            padded[:len(part)] = to_float(part)
            out = {k: np.asarray(v) for k, v in zip(
                self._keys, self._apply(np.asarray(_tta_views(padded)) if tta else padded))}
            if tta:
                out = _merge_views(out, len(TTA_SHIFTS_PX))
            chunks.append({k: v[:len(part)] for k, v in out.items()})
        if not chunks:
            return {}
        return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}

    def read(self, plates_uint8: np.ndarray) -> list[decoding.PlateReading]:
        if len(plates_uint8) == 0:
            return []
        readings = decoding.decode(self.outputs(plates_uint8), self.use_priors)
        doubtful = ([] if self.tta else
                    [i for i, r in enumerate(readings) if r.confidence < self.reread_below])
        if doubtful:
            again = decoding.decode(self.outputs(np.asarray(plates_uint8)[doubtful], tta=True),
                                    self.use_priors)
            for i, r in zip(doubtful, again):
                readings[i] = r
        return readings
