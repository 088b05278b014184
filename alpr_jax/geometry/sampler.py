"""Differentiable bilinear sampler for spatial transformers (JAX).

theta [2, 3] maps normalised OUTPUT coordinates to normalised INPUT coordinates:
    (x_in, y_in) = theta @ (x_out, y_out, 1)
Normalised coordinates run from -1 (left/top image edge) to +1 (right/bottom edge), following the
project's continuous convention (alpr_jax.geometry): pixel j's centre is at (2j + 1) / W - 1.
So the identity theta with out_hw == image size reproduces the image exactly, and
theta = [[s, 0, t], [0, 1, 0]] cuts a full-height vertical window of relative width s centred
at t.

Samples outside the image read `fill` (default 0). Gradients flow to the image and to theta.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp


def output_grid(out_hw: tuple[int, int]) -> jnp.ndarray:
    """float32 [h, w, 3]: normalised (x, y, 1) of every output pixel centre."""
    h, w = out_hw
    xs = (2.0 * jnp.arange(w, dtype=jnp.float32) + 1.0) / w - 1.0
    ys = (2.0 * jnp.arange(h, dtype=jnp.float32) + 1.0) / h - 1.0
    gx, gy = jnp.meshgrid(xs, ys)
    return jnp.stack([gx, gy, jnp.ones_like(gx)], -1)


def _snap(v):
    r = jnp.round(v)
    return jnp.where(jnp.abs(v - r) < 1e-4, r, v)


def bilinear(image: jnp.ndarray, x: jnp.ndarray, y: jnp.ndarray, fill: float = 0.0) -> jnp.ndarray:
    """image [H, W, C] read at continuous pixel-index coordinates x, y (any equal shapes; pixel
    (i, j) sits at x = j, y = i) -> [..., C]. Out-of-image neighbours contribute `fill`."""
    H, W = image.shape[:2]
    # Snap coordinates within 1e-4 px of a pixel centre onto it (forward pass only), so exact
    # grids are reproduced exactly despite float rounding; gradients pass straight through.
    x = x + jax.lax.stop_gradient(_snap(x) - x)
    y = y + jax.lax.stop_gradient(_snap(y) - y)
    x0 = jnp.floor(x)
    y0 = jnp.floor(y)
    # The upper neighbour is floor + 1, never ceil: at integer coordinates ceil == floor would
    # give both neighbours the same index and a zero gradient with respect to the position.
    x1, y1 = x0 + 1.0, y0 + 1.0
    wx1, wy1 = x - x0, y - y0
    wx0, wy0 = 1.0 - wx1, 1.0 - wy1

    def tap(yi, xi):
        valid = (xi >= 0) & (xi <= W - 1) & (yi >= 0) & (yi <= H - 1)
        xc = jnp.clip(xi, 0, W - 1).astype(jnp.int32)
        yc = jnp.clip(yi, 0, H - 1).astype(jnp.int32)
        return jnp.where(valid[..., None], image[yc, xc], jnp.asarray(fill, image.dtype))

    return ((wy0 * wx0)[..., None] * tap(y0, x0) + (wy0 * wx1)[..., None] * tap(y0, x1)
            + (wy1 * wx0)[..., None] * tap(y1, x0) + (wy1 * wx1)[..., None] * tap(y1, x1))


@functools.partial(jax.jit, static_argnames=("out_hw",))
def sample(image: jnp.ndarray, theta: jnp.ndarray, out_hw: tuple[int, int],
           fill: float = 0.0) -> jnp.ndarray:
    """image [H, W, C], theta [2, 3] -> [h, w, C] resampled through the affine theta."""
    H, W = image.shape[:2]
    src = output_grid(out_hw) @ theta.astype(jnp.float32).T          # [h, w, 2] normalised
    x = (src[..., 0] + 1.0) * (W / 2.0) - 0.5                        # -> pixel-index coords
    y = (src[..., 1] + 1.0) * (H / 2.0) - 0.5
    # coordinates and weights in float32 whatever the image's dtype (bfloat16 coordinates
    # would be off by up to half a pixel); the result keeps the image's dtype
    return bilinear(image, x, y, fill).astype(image.dtype)


def sample_batch(images: jnp.ndarray, thetas: jnp.ndarray, out_hw: tuple[int, int],
                 fill: float = 0.0) -> jnp.ndarray:
    """images [B, H, W, C], thetas [B, K, 2, 3] -> [B, K, h, w, C]: K windows per image."""
    per_image = jax.vmap(lambda img, th: sample(img, th, out_hw, fill), in_axes=(None, 0))
    return jax.vmap(per_image)(images, thetas)
