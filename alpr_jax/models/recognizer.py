"""Plate recogniser: parallel spatial transformers cut one 48x24 segment per character position
from the rectified 48x120 plate; a province head reads position 1 and ONE shared-weight head
(jax.vmap over positions) reads positions 2..8.

Input:  plates float32 [B, 48, 120, 3] in [0, 1].
Output: {"province_logits": [B, 32], "char_logits": [B, 7, 43], "thetas": [B, 8, 2, 3]}.
"""
from __future__ import annotations

import flax.linen as nn
import jax.numpy as jnp
import numpy as np

from alpr_jax import plates
from alpr_jax.geometry import sampler
from alpr_jax.geometry.rectify import PLATE_HW
from alpr_jax.models.layers import batch_norm, scaled as _ch

SEGMENT_HW = (48, 24)
SEGMENT_FILL = 0.5          # what a window reads beyond the plate's edge (mid grey)
# Largest change the STN may make to each initial window's affine parameters: x-scale +-0.1
# (window 12-36 px wide), shears +-0.1, x-shift +-0.25 (about two character pitches), y-scale
# and y-shift +-0.3. Unbounded, a window can grow until it sees the whole plate (seen in
# training: one position's x-scale reached 2.8 and that character could no longer be read).
MAX_THETA_DELTA = np.array([[0.1, 0.1, 0.25], [0.1, 0.3, 0.3]], np.float32)


def initial_thetas(num_positions: int = plates.NUM_POSITIONS, window: float = 0.2) -> np.ndarray:
    """float32 [K, 2, 3]: evenly spaced full-height windows of relative width `window`."""
    centres = -1.0 + (2.0 * np.arange(num_positions) + 1.0) / num_positions
    thetas = np.zeros((num_positions, 2, 3), np.float32)
    thetas[:, 0, 0] = window
    thetas[:, 0, 2] = centres
    thetas[:, 1, 1] = 1.0
    return thetas


def _bounded(raw):
    """Raw STN corrections -> offsets within +-MAX_THETA_DELTA (tanh: slope 1 at zero)."""
    bound = jnp.asarray(MAX_THETA_DELTA)
    return bound * jnp.tanh(raw / bound)


class LocalizationNet(nn.Module):
    """Table 4: a small CNN on the plate -> affine corrections for `num_windows` windows.

    Returns raw [B, num_windows, 2, 3] corrections (bounded by the caller); the last layer
    starts at zero, so training begins from the evenly spaced windows."""
    num_windows: int = 1
    width: float = 1.0

    @nn.compact
    def __call__(self, x):                                  # [B, 48, 120, 3]
        # 24x60: enough for window placement
        x = nn.avg_pool(x - 0.5, window_shape=(2, 2), strides=(2, 2))
        for feat in (32, 64, 64):
            x = nn.relu(nn.Conv(_ch(feat, self.width), (3, 3))(x))
            x = nn.max_pool(x, window_shape=(2, 2), strides=(2, 2))  # 12x30 -> 6x15 -> 3x7
        x = x.reshape(x.shape[0], -1)
        x = nn.relu(nn.Dense(_ch(128, self.width))(x))
        x = nn.Dense(self.num_windows * 6, kernel_init=nn.initializers.zeros)(x)
        return x.reshape(-1, self.num_windows, 2, 3)


class CharHead(nn.Module):
    """Table 3: one character classifier on a 48x24 segment, with BatchNorm."""
    num_classes: int
    width: float = 1.0
    dropout: float = 0.2
    bn_axis_name: str | None = None   # pool BN statistics over a vmapped axis

    @nn.compact
    def __call__(self, x, train: bool):                     # [B, 48, 24, 3] -> [B, classes]
        def conv_bn(x, feat):
            x = nn.Conv(_ch(feat, self.width), (3, 3), use_bias=False)(x)
            x = batch_norm(train, self.bn_axis_name)(x)
            return nn.relu(x)

        x = x - 0.5
        for feats in ((32, 32), (64, 64), (128,)):
            for f in feats:
                x = conv_bn(x, f)
            x = nn.max_pool(x, window_shape=(2, 2), strides=(2, 2))  # 24x12 -> 12x6 -> 6x3
        x = x.reshape(x.shape[0], -1)
        x = nn.Dense(_ch(256, self.width), use_bias=False)(x)
        x = batch_norm(train, self.bn_axis_name)(x)
        x = nn.Dropout(self.dropout, deterministic=not train)(nn.relu(x))
        return nn.Dense(self.num_classes)(x)


class STNRecognizer(nn.Module):
    """The paper's recogniser, with the ablation switches as fields.

    stn: "parallel" (one localisation net per position), "shared" (one trunk, K x 6 outputs) or
      "fixed" (no STN: the evenly spaced initial windows).
    shared_heads: one head for positions 2..8 (vmap, shared weights) or one head each.
    """
    width: float = 1.0
    stn: str = "parallel"
    shared_heads: bool = True
    dropout: float = 0.2

    @nn.compact
    def __call__(self, x, train: bool = False):
        if x.ndim != 4 or x.shape[1:] != (*PLATE_HW, 3):
            raise ValueError(f"recogniser input must be [B, {PLATE_HW[0]}, {PLATE_HW[1]}, 3], "
                             f"got {x.shape}")
        k = plates.NUM_POSITIONS
        init = jnp.asarray(initial_thetas(k))
        if self.stn == "parallel":
            # K localisation nets with their own weights. A Python loop of K modules, not a
            # vmap over stacked weights: XLA:CPU runs stacked-weight convolutions as slow
            # grouped convolutions (5-8x slower here), while K plain convolutions stay fast.
            deltas = [LocalizationNet(num_windows=1, width=self.width, name=f"stn_{i}")(x)
                      for i in range(k)]
            thetas = init + _bounded(jnp.concatenate(deltas, axis=1))
        elif self.stn == "shared":
            thetas = init + _bounded(LocalizationNet(num_windows=k, width=self.width, name="stn")(x))
        elif self.stn == "fixed":
            thetas = jnp.broadcast_to(init, (x.shape[0],) + init.shape)
        else:
            raise ValueError(f"stn must be 'parallel', 'shared' or 'fixed', got {self.stn!r}")
        segments = sampler.sample_batch(x, thetas, SEGMENT_HW, SEGMENT_FILL)  # [B, K, 48, 24, 3]

        province = CharHead(len(plates.PROVINCE_CLASSES), self.width, self.dropout,
                            name="province_head")(segments[:, 0], train)
        n_chars = len(plates.CHAR_CLASSES)
        if self.shared_heads:
            # ONE head, vmapped over positions 2..K; BatchNorm statistics are pooled over
            # the batch and the positions, so every position sees the same normalisation.
            if train:
                heads = nn.vmap(CharHead, in_axes=(1, None), out_axes=1,
                                variable_axes={"params": None, "batch_stats": None},
                                split_rngs={"params": False, "dropout": True},
                                axis_name="positions")
                chars = heads(n_chars, self.width, self.dropout, bn_axis_name="positions",
                              name="char_head")(segments[:, 1:], train)
            else:
                # inference normalises with running statistics, so the positions can be
                # folded into the batch: the same weights, one plain batch (ONNX exports it)
                rest = segments[:, 1:]
                flat = rest.reshape((-1,) + rest.shape[2:])
                chars = CharHead(n_chars, self.width, self.dropout, name="char_head")(
                    flat, train).reshape(rest.shape[0], k - 1, n_chars)
        else:   # ablation: each position its own head (a loop, for the reason above)
            chars = jnp.stack([CharHead(n_chars, self.width, self.dropout, name=f"char_head_{i}")(
                segments[:, i], train) for i in range(1, k)], axis=1)
        return {"province_logits": province, "char_logits": chars, "thetas": thetas}
