"""PlateReader: a recogniser with its variables, reading batches of rectified plates.

Batches are padded to a few fixed sizes, so jit compiles once per bucket, not per call.
Optional test-time augmentation (`tta=True`): each plate is also read shifted 2 px left and
right (the shared bilinear sampler) and the per-class log-probabilities of the three views are
averaged, which absorbs some rectification error at three times the recogniser's cost.
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


def _tta_thetas() -> jnp.ndarray:
    """[V, 2, 3] samplers that shift the plate by TTA_SHIFTS_PX (view 0: identity)."""
    return jnp.asarray([[[1.0, 0.0, 2.0 * dx / PLATE_HW[1]], [0.0, 1.0, 0.0]]
                        for dx in TTA_SHIFTS_PX], jnp.float32)


def _apply_tta(model, variables, x):
    """x [B, 48, 120, 3] -> outputs whose *_logits are the views' mean log-probabilities
    (float32) and whose other entries (thetas) are those of the unshifted view."""
    b, v = x.shape[0], len(TTA_SHIFTS_PX)
    thetas = jnp.broadcast_to(_tta_thetas(), (b, v, 2, 3))
    views = sampler.sample_batch(x, thetas, PLATE_HW, SEGMENT_FILL)        # [B, V, 48, 120, 3]
    views = jnp.swapaxes(views, 0, 1).reshape((v * b,) + x.shape[1:])
    out = model.apply(variables, views, train=False)
    merged = {}
    for key, value in out.items():
        value = value.reshape((v, b) + value.shape[1:])
        merged[key] = (jax.nn.log_softmax(value.astype(jnp.float32), -1).mean(0)
                       if key.endswith("_logits") else value[0])
    return merged


class PlateReader:
    def __init__(self, model_config: dict, variables: dict, use_priors: bool = True,
                 tta: bool = False, rectify: bool = True,
                 backend: str = "jax"):
        self.model_config = dict(model_config)
        self.rectify = rectify      # trained on rectified plates (False: box cuts, Table 6)
        self.model = build_recognizer(**self.model_config)
        self.use_priors = use_priors
        self.tta = tta
        # the output dict's keys, in the order of the runner's tuple (tta: the same keys)
        probe = jax.ShapeDtypeStruct((1, *PLATE_HW, 3), jnp.float32)
        self._keys = sorted(jax.eval_shape(
            lambda x: self.model.apply(variables, x, train=False), probe))

        def apply(v, x):
            out = _apply_tta(self.model, v, x) if tta else self.model.apply(v, x, train=False)
            return tuple(out[k] for k in self._keys)
        self._apply = runtime.NetRunner("recognizer_tta" if tta else "recognizer", apply,
                                        variables, backend)

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
             tta: bool = False, backend: str = "jax") -> "PlateReader":
        """From a .npz written by weights.save_npz (default: the shipped recogniser);
        backend: where the network runs (pipeline.runtime)."""
        path = path or weights.shipped("recognizer")
        variables, meta = weights.load_npz(path)
        if "model" not in meta:
            raise ValueError(f"{path}: weights carry no model config")
        return cls(meta["model"], variables, use_priors, tta, bool(meta.get("rectify", True)),
                   backend)

    def outputs(self, plates_uint8: np.ndarray) -> dict:
        """uint8 [N, 48, 120, 3] -> model outputs as numpy, N any size."""
        x = np.asarray(plates_uint8)
        if x.ndim != 4 or x.shape[1:] != (*PLATE_HW, 3):
            raise ValueError(f"plates must be [N, {PLATE_HW[0]}, {PLATE_HW[1]}, 3], got {x.shape}")
        chunks = []
        for start in range(0, len(x), BUCKETS[-1]):
            part = x[start:start + BUCKETS[-1]]
            size = next(b for b in BUCKETS if b >= len(part))
            padded = np.zeros((size,) + part.shape[1:], np.float32)
            padded[:len(part)] = to_float(part)
            out = self._apply(padded)
            chunks.append({k: np.asarray(v)[:len(part)] for k, v in zip(self._keys, out)})
        if not chunks:
            return {}
        return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}

    def read(self, plates_uint8: np.ndarray) -> list[decoding.PlateReading]:
        if len(plates_uint8) == 0:
            return []
        return decoding.decode(self.outputs(plates_uint8), self.use_priors)
