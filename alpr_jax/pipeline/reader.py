"""PlateReader: a recogniser with its variables, reading batches of rectified plates.

Batches are padded to a few fixed sizes, so jit compiles once per bucket, not per call.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from alpr_jax import decoding, weights
from alpr_jax.data.preprocess import to_float
from alpr_jax.models import build_recognizer

BUCKETS = (1, 8, 64)


class PlateReader:
    def __init__(self, model_config: dict, variables: dict, use_priors: bool = True):
        self.model_config = dict(model_config)
        self.model = build_recognizer(**self.model_config)
        self.variables = jax.tree_util.tree_map(jnp.asarray, variables)
        self.use_priors = use_priors
        self._apply = jax.jit(lambda v, x: self.model.apply(v, x, train=False))

    @classmethod
    def load(cls, path: str | None = None, use_priors: bool = True) -> "PlateReader":
        """From a .npz written by weights.save_npz (default: the shipped recogniser)."""
        path = path or weights.shipped("recognizer")
        variables, meta = weights.load_npz(path)
        if "model" not in meta:
            raise ValueError(f"{path}: weights carry no model config")
        return cls(meta["model"], variables, use_priors)

    def outputs(self, plates_uint8: np.ndarray) -> dict:
        """uint8 [N, 48, 120, 3] -> model outputs as numpy, N any size."""
        x = np.asarray(plates_uint8)
        if x.ndim != 4 or x.shape[1:] != (48, 120, 3):
            raise ValueError(f"plates must be [N, 48, 120, 3], got {x.shape}")
        chunks = []
        for start in range(0, len(x), BUCKETS[-1]):
            part = x[start:start + BUCKETS[-1]]
            size = next(b for b in BUCKETS if b >= len(part))
            padded = np.zeros((size,) + part.shape[1:], np.float32)
            padded[:len(part)] = to_float(part)
            out = self._apply(self.variables, jnp.asarray(padded))
            chunks.append({k: np.asarray(v)[:len(part)] for k, v in out.items()})
        if not chunks:
            return {}
        return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}

    def read(self, plates_uint8: np.ndarray) -> list[decoding.PlateReading]:
        if len(plates_uint8) == 0:
            return []
        return decoding.decode(self.outputs(plates_uint8), self.use_priors)
