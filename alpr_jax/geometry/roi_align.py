"""RoIAlign (He et al., 2017) on a feature map, with the project's bilinear sampler.

Each RoI, a box in input pixels, is divided into out x out bins; each bin's value is the mean
of ratio x ratio bilinear reads of the feature map at evenly spaced points inside it (no
rounding of the box or the bins, unlike Faster R-CNN's RoI max-pooling, so gradients reach
the features smoothly). Feature cell (i, j) of a stride-s map covers input pixels
[j s, (j + 1) s) and sits at its centre: input x maps to index x / s - 0.5, the convention of
geometry.sampler. Reads outside the map are 0.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from alpr_jax.geometry.sampler import bilinear


def bin_points(boxes: jnp.ndarray, out: int, ratio: int) -> tuple[jnp.ndarray, jnp.ndarray]:
    """boxes float32 [R, 4] (x1, y1, x2, y2) -> the sample points' x and y [R, out*ratio] each
    (the same units as the boxes): ratio points per bin along each axis, at the centres of
    equal sub-bins."""
    n = out * ratio
    t = (jnp.arange(n, dtype=jnp.float32) + 0.5) / n                   # [n] in (0, 1)
    x = boxes[:, 0:1] + t[None] * (boxes[:, 2:3] - boxes[:, 0:1])
    y = boxes[:, 1:2] + t[None] * (boxes[:, 3:4] - boxes[:, 1:2])
    return x, y


@functools.partial(jax.jit, static_argnames=("out", "stride", "ratio"))
def roi_align(features: jnp.ndarray, boxes: jnp.ndarray, out: int, stride: int,
              ratio: int = 2) -> jnp.ndarray:
    """features [h, w, C] (one image's map at `stride` input px per cell), boxes [R, 4] in
    input px -> pooled [R, out, out, C]. Gradients flow to the features and the boxes."""
    x, y = bin_points(boxes.astype(jnp.float32), out, ratio)
    fx, fy = x / stride - 0.5, y / stride - 0.5                         # [R, n] feature index
    n = out * ratio
    gx = jnp.broadcast_to(fx[:, None, :], (len(boxes), n, n))
    gy = jnp.broadcast_to(fy[:, :, None], (len(boxes), n, n))
    reads = bilinear(features, gx, gy)                                  # [R, n, n, C]
    c = features.shape[-1]
    return reads.reshape(len(boxes), out, ratio, out, ratio, c).mean((2, 4))


def roi_align_batch(features: jnp.ndarray, boxes: jnp.ndarray, out: int, stride: int,
                    ratio: int = 2) -> jnp.ndarray:
    """features [B, h, w, C], boxes [B, K, 4] -> [B, K, out, out, C]."""
    return jax.vmap(lambda f, b: roi_align(f, b, out, stride, ratio))(features, boxes)
