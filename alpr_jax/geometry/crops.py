"""Proposal crops for the R-CNN: a 1:2.5 (h:w) box around each proposal, cut from the
ORIGINAL-resolution photo (or, for large boxes, a 2x2-mean level of it) with the project's one
bilinear sampler, and the corner coding relative to that box.

Corner coding: a corner (x, y) inside crop box (x1, y1, x2, y2) is ((x - x1) / (x2 - x1),
(y - y1) / (y2 - y1)); values below 0 or above 1 mean the plate extends past the crop.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from alpr_jax.geometry import sampler

CROP_HW = (48, 120)
CROP_ASPECT = CROP_HW[0] / CROP_HW[1]        # h / w = 1 / 2.5
PAD_VALUE = 128 / 255.0                      # what the crop reads outside the photo


def crop_boxes(proposals, aspect: float = CROP_ASPECT):
    """[..., 4] proposals -> [..., 4] boxes of h / w = aspect with the same centre, made by
    extending the shorter side symmetrically (never shrinking)."""
    xp = jnp if not isinstance(proposals, np.ndarray) else np
    x1, y1, x2, y2 = (proposals[..., i] for i in range(4))
    w, h = xp.maximum(x2 - x1, 1e-3), xp.maximum(y2 - y1, 1e-3)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    new_w = xp.maximum(w, h / aspect)
    new_h = xp.maximum(h, w * aspect)
    return xp.stack([cx - new_w / 2, cy - new_h / 2, cx + new_w / 2, cy + new_h / 2], -1)


def encode_corners(corners, boxes):
    """corners [..., 4, 2] absolute -> normalised by boxes [..., 4]."""
    origin = boxes[..., None, :2]
    size = boxes[..., None, 2:] - boxes[..., None, :2]
    return (corners - origin) / size


def decode_corners(normalised, boxes):
    """Inverse of encode_corners."""
    origin = boxes[..., None, :2]
    size = boxes[..., None, 2:] - boxes[..., None, :2]
    return normalised * size + origin


def crop_thetas(boxes, image_hw, frames=None):
    """Sampler thetas [..., 2, 3] that map the output grid onto boxes [..., 4] of an image of
    size image_hw (continuous coordinates; see geometry.sampler). frames: optional
    (centres [..., 2], angles [...] radians): the boxes are then in a turned frame, q =
    R(-angle) (p - centre) for an image point p, and the crop comes out turned by -angle
    (a plate at that angle level); None: the photo's own frame (centre 0, angle 0), where
    the products below are exact and the thetas are the box's scale and offset."""
    h, w = image_hw
    x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
    if frames is None:
        frames = (jnp.zeros(x1.shape + (2,), x1.dtype), jnp.zeros_like(x1))
    centres, angles = frames
    cos, sin = jnp.cos(angles), jnp.sin(angles)
    mx, my, hw, hh = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / 2, (y2 - y1) / 2
    px = centres[..., 0] + cos * mx - sin * my          # the box centre in the image
    py = centres[..., 1] + sin * mx + cos * my
    row_x = jnp.stack([2 * cos * hw / w, -2 * sin * hh / w, 2 * px / w - 1.0], -1)
    row_y = jnp.stack([2 * sin * hw / h, 2 * cos * hh / h, 2 * py / h - 1.0], -1)
    return jnp.stack([row_x, row_y], -2)


def to_frame(points, centres, angles):
    """Image points [..., K, 2] -> the turned frames' coordinates q = R(-angle) (p - centre),
    centres [..., 2], angles [...] radians (numpy or jax, as the points)."""
    xp = jnp if not isinstance(points, np.ndarray) else np
    d = points - centres[..., None, :]
    cos, sin = xp.cos(angles)[..., None], xp.sin(angles)[..., None]
    return xp.stack([cos * d[..., 0] + sin * d[..., 1], -sin * d[..., 0] + cos * d[..., 1]], -1)


def from_frame(points, centres, angles):
    """Inverse of to_frame: p = centre + R(angle) q."""
    xp = jnp if not isinstance(points, np.ndarray) else np
    cos, sin = xp.cos(angles)[..., None], xp.sin(angles)[..., None]
    x = cos * points[..., 0] - sin * points[..., 1]
    y = sin * points[..., 0] + cos * points[..., 1]
    return xp.stack([x, y], -1) + centres[..., None, :]


MAX_LEVEL = 3        # crops read from 2x2-mean levels of the photo, down to 1/8 of it


def mean_pyramid(image, levels: int = MAX_LEVEL) -> list:
    """image [H, W, C] padded with PAD_VALUE to a multiple of 2**levels, then 2x2 means:
    [level 0, level 1 (half size), ...]. Level l's pixel (i, j) covers original pixels
    [2^l j, 2^l (j + 1)) x [2^l i, 2^l (i + 1)), so every level spans the same extent."""
    f = 2 ** levels
    h, w = image.shape[:2]
    hp, wp = -(-h // f) * f, -(-w // f) * f
    if (hp, wp) != (h, w):
        image = jnp.pad(image, ((0, hp - h), (0, wp - w), (0, 0)), constant_values=PAD_VALUE)
    out = [image]
    for _ in range(levels):
        x = out[-1]
        # each 2x2 block's pixels as four strided views, summed pair by pair: 3x faster on
        # XLA:CPU than a reshape and mean (5 vs 16 ms for a 1280x2048 photo's levels)
        out.append(((x[0::2, 0::2] + x[0::2, 1::2]) + (x[1::2, 0::2] + x[1::2, 1::2])) * 0.25)
    return out


def cut(image, boxes, out_hw=CROP_HW, frames=None):
    """image float32 [H, W, C] (original resolution), or its mean_pyramid levels, boxes
    [N, 4] (in frames, centres [N, 2] and angles [N], when given: see crop_thetas) -> crops
    [N, h, w, C], padded with PAD_VALUE outside the image. Each box is read
    from the level of a 2x2-mean pyramid of the photo (mean_pyramid) at which it shrinks by
    less than 2: bilinear sampling of a box many times larger than the crop would alias (a
    450 px plate read into 120 px would skip pixels). Several cuts of one photo pass its
    levels, built once (the pyramid of a large photo costs more than the crops)."""
    boxes = jnp.asarray(boxes, jnp.float32)
    levels = _levels(image)
    if frames is not None:
        frames = tuple(jnp.asarray(f, jnp.float32) for f in frames)
    thetas = crop_thetas(boxes, levels[0].shape[:2], frames)   # fractions of the extent: every level
    shrink = jnp.maximum((boxes[:, 2] - boxes[:, 0]) / out_hw[1],
                         (boxes[:, 3] - boxes[:, 1]) / out_hw[0])
    return cut_affine(levels, thetas, shrink, out_hw)


def cut_affine(image, thetas, shrink, out_hw):
    """image float32 [H, W, C] or its mean_pyramid levels, sampler thetas [N, 2, 3] over
    level 0's extent (the image padded to a multiple of 2**MAX_LEVEL), shrink [N] (image px per output px) -> crops [N, h, w, C], each read from the
    pyramid level at which it shrinks by less than 2 (see cut)."""
    levels = _levels(image)
    level = jnp.clip(jnp.floor(jnp.log2(jnp.maximum(shrink, 1.0))), 0, MAX_LEVEL).astype(jnp.int32)
    crops = jnp.stack([sampler.sample_batch(x[None], thetas[None], out_hw, PAD_VALUE)[0]
                       for x in levels])                                  # [L, N, h, w, C]
    return crops[level, jnp.arange(thetas.shape[0])]


def _levels(image) -> list:
    levels = list(image) if isinstance(image, (list, tuple)) else mean_pyramid(image)
    if len(levels) != MAX_LEVEL + 1:
        raise ValueError(f"cut needs an image or its {MAX_LEVEL + 1} pyramid levels, "
                         f"got {len(levels)} levels")
    return levels


# --- DSNT refinement crops: the 1:2.5 crop box with context, coordinates in [-1, 1] ----------
DSNT_HW = (64, 160)
DSNT_CONTEXT = 1.25                          # the crop box enlarged by this, about its centre


def context_boxes(boxes, context: float = DSNT_CONTEXT):
    """[..., 4] crop boxes -> the same boxes scaled by `context` about their centres."""
    xp = jnp if not isinstance(boxes, np.ndarray) else np
    c = (boxes[..., :2] + boxes[..., 2:]) / 2
    half = (boxes[..., 2:] - boxes[..., :2]) * (context / 2)
    return xp.concatenate([c - half, c + half], -1)


def context_crop_boxes(proposals):
    """[..., 4] proposals -> the DSNT localiser's context boxes: each 1:2.5 crop box enlarged
    by DSNT_CONTEXT (its coordinates are in [-1, 1] over them, see to_unit_square)."""
    return context_boxes(crop_boxes(proposals))


def context_crops(image, proposals):
    """image float32 [H, W, C] (or its mean_pyramid levels), proposals [R, 4] -> the DSNT
    localiser's inputs: crops [R, 64, 160, C] of each proposal's context_crop_boxes, and
    those boxes [R, 4]."""
    boxes = context_crop_boxes(proposals)
    return cut(image, boxes, DSNT_HW), boxes


def to_unit_square(corners, boxes):
    """corners [..., 4, 2] absolute -> [-1, 1] over boxes [..., 4] (the DSNT convention)."""
    return 2.0 * encode_corners(corners, boxes) - 1.0


def from_unit_square(coords, boxes):
    """Inverse of to_unit_square."""
    return decode_corners((coords + 1.0) / 2.0, boxes)


def input_box(input_hw: tuple[int, int], scale) -> jnp.ndarray:
    """A letterboxed network input's extent in original px, [..., 4] (0, 0, w / scale,
    h / scale) for scale [...]: the frame the whole-image DSNT localiser's [-1, 1] spans
    (to_unit_square / from_unit_square)."""
    h, w = input_hw
    s = jnp.asarray(scale, jnp.float32)[..., None]
    return jnp.concatenate([jnp.zeros_like(s), jnp.zeros_like(s), w / s, h / s], -1)
