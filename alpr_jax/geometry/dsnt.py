"""DSNT: differentiable spatial-to-numerical transform (Nibali et al., 2018).

Coordinate convention (the project's, see alpr_jax.geometry): a heatmap of W columns covers
x in [-1, 1]; column j's centre is x = (2j + 1) / W - 1 (continuous pixel j + 0.5), rows alike.
Continuous pixel coordinates of an image of width W_img: x_px = (x + 1) * W_img / 2.

All functions take logits or heatmaps [..., H, W] and compute in float32.
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


def gaussian_heatmap(coords: jnp.ndarray, hw: tuple[int, int], sigma_px: float = 1.0
                     ) -> jnp.ndarray:
    """Target heatmaps [..., H, W] (sum 1): a Gaussian of sigma_px heatmap pixels centred at
    coords [..., 2] (normalised (x, y))."""
    h, w = hw
    sx, sy = 2.0 * sigma_px / w, 2.0 * sigma_px / h            # sigma in normalised units
    gx = jnp.exp(-0.5 * ((centres(w) - coords[..., 0:1]) / sx) ** 2)       # [..., W]
    gy = jnp.exp(-0.5 * ((centres(h) - coords[..., 1:2]) / sy) ** 2)       # [..., H]
    g = gy[..., :, None] * gx[..., None, :]
    return g / jnp.maximum(g.sum((-2, -1), keepdims=True), 1e-12)


def js_divergence(p: jnp.ndarray, q: jnp.ndarray, eps: float = 1e-12) -> jnp.ndarray:
    """Jensen-Shannon divergence between distributions over the last two axes: [...]."""
    p, q = p.astype(jnp.float32), q.astype(jnp.float32)
    m = 0.5 * (p + q)

    def kl(a, b):
        return jnp.sum(jnp.where(a > 0, a * (jnp.log(a + eps) - jnp.log(b + eps)), 0.0), (-2, -1))

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def dsnt_loss(logits: jnp.ndarray, target: jnp.ndarray, js_weight: float = 1.0,
              sigma_px: float = 1.0, reduce: bool = True) -> tuple[jnp.ndarray, dict]:
    """Euclidean distance between DSNT coordinates and targets [..., 2] (normalised), plus
    js_weight x the Jensen-Shannon divergence of each heatmap from a Gaussian at the target.
    logits [..., H, W]. Returns (loss, metrics), means over everything when reduce, else
    per heatmap [...]."""
    heatmap = normalize_heatmap(logits)
    coords = dsnt(heatmap)
    loss = jnp.sqrt(jnp.sum((coords - target.astype(jnp.float32)) ** 2, -1) + 1e-12)
    metrics = {"loss_euclid": loss}
    if js_weight:
        js = js_divergence(heatmap, gaussian_heatmap(target, logits.shape[-2:], sigma_px))
        loss = loss + js_weight * js
        metrics["loss_js"] = js
    if reduce:
        loss, metrics = jnp.mean(loss), {k: jnp.mean(v) for k, v in metrics.items()}
    return loss, dict(metrics, loss=loss)
