"""Corner patches: a square window round each corner of a plate quadrilateral, in the plate's
own frame, cut at (up to) full resolution, so that one small network refines all four
corners of a large plate more finely than the DSNT localiser's 64x160 view of the whole
plate can (~3 photo px per crop px on a 450 px plate).

Frame of corner k of (TL, TR, BR, BL): e_u is the unit vector along the plate's top or
bottom edge from k to its neighbour there, e_v along its left or right edge; patch
coordinates (a, b) in [-1, 1]^2 (the sampler's and DSNT's convention) sit at
    k + r (a e_u + b e_v),   r = extent x the plate's height (mean of its two side edges).
So every corner looks like a top-left one, the plate towards +a, +b: TR's patch is mirrored
left-right, BL's up-down, BR's both, and the edges run along the patch's axes whatever the
plate's tilt. The frame is built from the corners being refined, so a patch is centred on
the current estimate and the network answers where the true corner lies in it.
"""
from __future__ import annotations

import jax.numpy as jnp

from alpr_jax.geometry import boxes, crops

PATCH_HW = (64, 64)
EXTENT = 0.3                     # patch half-size, in plate heights
HORIZONTAL = (1, 0, 3, 2)        # each corner's neighbour along the top / bottom edge
VERTICAL = (3, 2, 1, 0)          # ... along the left / right edge


def _unit(v):
    return v / jnp.maximum(jnp.linalg.norm(v, axis=-1, keepdims=True), 1e-6)


def heights(corners):
    """corners [..., 4, 2] -> the plates' heights [...]: the mean of their two side edges."""
    return boxes.quad_sides(jnp.asarray(corners, jnp.float32))[1]


def frames(corners, extent: float = EXTENT):
    """corners [..., 4, 2] (px) -> axes [..., 4, 2, 2]: column 0 is r e_u, column 1 r e_v of
    each corner's patch (the origin is the corner itself)."""
    corners = jnp.asarray(corners, jnp.float32)
    u = _unit(corners[..., HORIZONTAL, :] - corners)
    v = _unit(corners[..., VERTICAL, :] - corners)
    r = extent * jnp.maximum(heights(corners), 1.0)                          # [...]
    return jnp.stack([u, v], -1) * r[..., None, None, None]


def patch_thetas(corners, image_hw, extent: float = EXTENT, out_hw=PATCH_HW):
    """corners [..., 4, 2] (px of an image of size image_hw) -> (sampler thetas [..., 4, 2, 3]
    that cut each corner's patch, shrink [..., 4]: image px per patch px, for the pyramid
    level, geometry.crops.cut_affine)."""
    corners = jnp.asarray(corners, jnp.float32)
    axes = frames(corners, extent)
    h, w = image_hw
    to_norm = jnp.array([2.0 / w, 2.0 / h], jnp.float32)                     # px -> [-1, 1]
    linear = axes * to_norm[:, None]
    offset = corners * to_norm - 1.0
    thetas = jnp.concatenate([linear, offset[..., None]], -1)
    side = jnp.linalg.norm(axes[..., 0], axis=-1) * 2                        # 2r
    return thetas, side / min(out_hw)


def cut(levels: list, corners, extent: float = EXTENT, out_hw=PATCH_HW):
    """The patches of quadrilaterals corners [N, 4, 2] (px of levels[0], a photo's
    crops.mean_pyramid levels) -> float32 [N * 4, h, w, C], each corner's patch read from
    the pyramid level at which it shrinks by less than 2 (crops.cut_affine)."""
    thetas, shrink = patch_thetas(corners, levels[0].shape[:2], extent, out_hw)
    return crops.cut_affine(levels, thetas.reshape(-1, 2, 3), shrink.reshape(-1), out_hw)


def to_image(coords, corners, extent: float = EXTENT):
    """coords [..., 4, 2] in [-1, 1] over each corner's patch -> px [..., 4, 2]."""
    axes = frames(corners, extent)
    return jnp.asarray(corners, jnp.float32) + jnp.einsum("...ij,...j->...i", axes,
                                                          jnp.asarray(coords, jnp.float32))


def to_patch(points, corners, extent: float = EXTENT):
    """Inverse of to_image: points [..., 4, 2] (px) -> coordinates in the patches of
    `corners` [..., 4, 2]."""
    axes = frames(corners, extent)
    d = jnp.asarray(points, jnp.float32) - jnp.asarray(corners, jnp.float32)
    (a, b), (c, e) = (axes[..., 0, 0], axes[..., 0, 1]), (axes[..., 1, 0], axes[..., 1, 1])
    det = a * e - b * c
    det = jnp.where(jnp.abs(det) < 1e-6, 1e-6, det)
    return jnp.stack([(e * d[..., 0] - b * d[..., 1]) / det,
                      (a * d[..., 1] - c * d[..., 0]) / det], -1)
