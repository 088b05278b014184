"""Whole-image single-plate localiser (the second seed paper's setting): the DSNT ResNet on the
whole photo, letterboxed into a fixed input (640x480 portrait, its transpose for landscape
photos), four heatmaps at 1/8 (80x60) -> the one plate's corners TL, TR, BR, BL.

For photos known to hold exactly one plate (parking gates, CCPD); the cascade
(pipeline.detector) is the general detector. Scale convention as the detector's:
network-input px = scale * original px (data.preprocess.letterbox).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from alpr_jax import weights
from alpr_jax.data.preprocess import letterbox, oriented_input_hw, to_float
from alpr_jax.geometry import crops as crop_ops
from alpr_jax.geometry import dsnt as dsnt_ops

DEFAULT_INPUT_HW = (640, 480)      # portrait (h, w); landscape photos use (480, 640)


class SinglePlateLocalizer:
    def __init__(self, model_config: dict, variables: dict,
                 input_hw: tuple[int, int] = DEFAULT_INPUT_HW):
        from alpr_jax.models.dsnt_localizer import DSNTLocalizer
        if input_hw[0] % 8 or input_hw[1] % 8:
            raise ValueError(f"input_hw {tuple(input_hw)} must be multiples of 8")
        self.model = DSNTLocalizer(**model_config)
        self.set_variables(variables)
        self.input_hw = tuple(int(v) for v in input_hw)

        @jax.jit
        def corners_fn(variables, x):            # [1, h, w, 3] -> [1, 4, 2] in [-1, 1]
            logits = self.model.apply(variables, x, train=False)["heatmap_logits"]
            return dsnt_ops.dsnt(dsnt_ops.normalize_heatmap(logits))

        self._corners_fn = corners_fn

    def set_variables(self, variables: dict) -> None:
        """New weights of the same model; the compiled function is kept."""
        self.variables = jax.device_put(variables)

    @classmethod
    def load(cls, path: str) -> "SinglePlateLocalizer":
        """From an .npz written by train.py with a dsnt_image config (or alpr export)."""
        variables, meta = weights.load_npz(path)
        if meta.get("task") != "dsnt_image":
            raise ValueError(f"{path}: expected whole-image DSNT weights (task 'dsnt_image'), "
                             f"got task {meta.get('task')!r}")
        return cls(meta["model"], variables, tuple(meta.get("input_hw", DEFAULT_INPUT_HW)))

    def locate(self, image: np.ndarray) -> np.ndarray:
        """image uint8 [H, W, 3] RGB holding one plate -> its corners float32 [4, 2] (TL, TR, BR,
        BL) in original px. One compile per orientation."""
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an RGB image [H, W, 3], got shape {image.shape}")
        input_hw = oriented_input_hw(image.shape[:2], self.input_hw)
        net, scale = letterbox(image, input_hw)
        coords = self._corners_fn(self.variables, jnp.asarray(to_float(net))[None])
        return np.asarray(crop_ops.from_unit_square(coords[0], crop_ops.input_box(input_hw, scale)))
