"""DSNT: differentiable spatial-to-numerical transform (Nibali et al., 2018).

Coordinate convention (the project's, see alpr_jax.geometry): a heatmap of W columns covers
x in [-1, 1]; column j's centre is x = (2j + 1) / W - 1 (continuous pixel j + 0.5), rows alike.
Continuous pixel coordinates of an image of width W_img: x_px = (x + 1) * W_img / 2.

All functions take logits or heatmaps [..., H, W] and compute in float32. The training loss
(Euclidean + Jensen-Shannon to a Gaussian target) is train.losses.dsnt_loss.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp


def centres(n: int) -> jnp.ndarray:
    """[n] normalised pixel-centre coordinates (2j + 1) / n - 1."""
    return (2.0 * jnp.arange(n, dtype=jnp.float32) + 1.0) / n - 1.0


def normalize_heatmap(logits: jnp.ndarray) -> jnp.ndarray:
    """Softmax over the last two axes (H*W) in float32: [..., H, W] -> [..., H, W], sum 1."""
    shape = logits.shape
    flat = logits.astype(jnp.float32).reshape(shape[:-2] + (-1,))
    return jax.nn.softmax(flat, axis=-1).reshape(shape)


def dsnt(heatmap: jnp.ndarray) -> jnp.ndarray:
    """Normalised heatmap [..., H, W] -> expected coordinates [..., 2] as (x, y) in [-1, 1]."""
    heatmap = heatmap.astype(jnp.float32)
    h, w = heatmap.shape[-2:]
    x = jnp.sum(heatmap.sum(-2) * centres(w), -1)
    y = jnp.sum(heatmap.sum(-1) * centres(h), -1)
    return jnp.stack([x, y], -1)
