"""Axis-aligned boxes (x1, y1, x2, y2): IoU, Faster R-CNN delta coding, NMS, and the
plate-free windows of a photo (hard-negative mining and the no-plate check share them).

Functions take numpy or JAX arrays and return the same kind, so the data pipeline (numpy) and
the models (jax.numpy) share one implementation.
"""
from __future__ import annotations

import numpy as np

BOX_CLIP = float(np.log(1000.0 / 16))   # largest log-scale change decoded (as in Faster R-CNN)


def _xp(x):
    if isinstance(x, np.ndarray) or np.isscalar(x):
        return np
    import jax.numpy as jnp
    return jnp


def box_corners(box) -> np.ndarray:
    """[4] box (x1, y1, x2, y2) -> float32 [4, 2] corners TL, TR, BR, BL."""
    x1, y1, x2, y2 = box
    return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], np.float32)


def corner_bounds(corners):
    """[..., 4, 2] corners -> [..., 4] their bounds (x1, y1, x2, y2); box_corners' inverse."""
    xp = _xp(corners)
    return xp.concatenate([corners.min(-2), corners.max(-2)], -1)


def grown(boxes, margin):
    """[..., 4] boxes each grown by margin (a scalar or [...]) of its width and height per
    side: the RoI a re-crop cuts round a plate's bounds (the detector's, and the DSNT
    training crops that copy it)."""
    xp = _xp(boxes)
    m = xp.asarray(margin, dtype=boxes.dtype)[..., None]   # float32 boxes stay float32
    grow = (boxes[..., 2:] - boxes[..., :2]) * m
    return xp.concatenate([boxes[..., :2] - grow, boxes[..., 2:] + grow], -1)


def quad_sides(corners):
    """[..., 4, 2] quadrilaterals TL, TR, BR, BL -> (widths, heights) [...]: the mean length of
    their top and bottom edges, and of their left and right ones."""
    xp = _xp(corners)
    c = corners
    width = (xp.linalg.norm(c[..., 1, :] - c[..., 0, :], axis=-1)
             + xp.linalg.norm(c[..., 2, :] - c[..., 3, :], axis=-1)) / 2
    height = (xp.linalg.norm(c[..., 3, :] - c[..., 0, :], axis=-1)
              + xp.linalg.norm(c[..., 2, :] - c[..., 1, :], axis=-1)) / 2
    return width, height


def area(boxes):
    """[..., 4] -> [...]"""
    xp = _xp(boxes)
    return xp.maximum(boxes[..., 2] - boxes[..., 0], 0) * xp.maximum(boxes[..., 3] - boxes[..., 1], 0)


def iou(a, b):
    """Pairwise IoU: [N, 4] x [M, 4] -> [N, M]."""
    xp = _xp(a)
    lt = xp.maximum(a[:, None, :2], b[None, :, :2])
    rb = xp.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = xp.maximum(rb - lt, 0)
    inter = wh[..., 0] * wh[..., 1]
    union = area(a)[:, None] + area(b)[None, :] - inter
    return inter / xp.maximum(union, 1e-9)


def encode(boxes, anchors):
    """Box -> regression deltas (dx, dy, dw, dh) relative to anchors; both [..., 4]."""
    xp = _xp(boxes)
    aw, ah = anchors[..., 2] - anchors[..., 0], anchors[..., 3] - anchors[..., 1]
    ax, ay = anchors[..., 0] + 0.5 * aw, anchors[..., 1] + 0.5 * ah
    bw, bh = boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]
    bx, by = boxes[..., 0] + 0.5 * bw, boxes[..., 1] + 0.5 * bh
    return xp.stack([(bx - ax) / aw, (by - ay) / ah,
                     xp.log(xp.maximum(bw, 1e-6) / aw), xp.log(xp.maximum(bh, 1e-6) / ah)], -1)


def decode(deltas, anchors):
    """Inverse of `encode`: deltas [..., 4] applied to anchors [..., 4] -> boxes [..., 4]."""
    xp = _xp(deltas)
    aw, ah = anchors[..., 2] - anchors[..., 0], anchors[..., 3] - anchors[..., 1]
    ax, ay = anchors[..., 0] + 0.5 * aw, anchors[..., 1] + 0.5 * ah
    cx, cy = ax + deltas[..., 0] * aw, ay + deltas[..., 1] * ah
    w = aw * xp.exp(xp.minimum(deltas[..., 2], BOX_CLIP))
    h = ah * xp.exp(xp.minimum(deltas[..., 3], BOX_CLIP))
    return xp.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], -1)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, max_out: int | None = None
        ) -> np.ndarray:
    """Greedy non-maximum suppression (numpy). Returns kept indices, best score first."""
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size and (max_out is None or len(keep) < max_out):
        i = order[0]
        keep.append(i)
        if order.size == 1:
            break
        overlaps = iou(boxes[i:i + 1], boxes[order[1:]])[0]
        order = order[1:][overlaps <= iou_threshold]
    return np.asarray(keep, np.int64)


VIEW_MARGIN = 40        # px kept clear of every plate, as in the shipped-detector test
MIN_VIEW_SIDE = 96      # narrower bands hold no plate-sized RoI worth mining


def plate_free_views(image_hw: tuple[int, int], plate_boxes: np.ndarray,
                     margin: int = VIEW_MARGIN, min_side: int = MIN_VIEW_SIDE
                     ) -> list[tuple[int, int, int, int]]:
    """Windows (x1, y1, x2, y2), integer px, of a photo [image_hw] with plates plate_boxes
    [P, 4] that keep margin px clear of every plate: full-width bands in the vertical gaps
    between plates and full-height columns in the horizontal gaps, at least min_side px
    across. No plates: no views (the whole photo is already plate-free)."""
    h, w = image_hw
    boxes = np.asarray(plate_boxes, np.float32).reshape(-1, 4)
    if not len(boxes):
        return []
    views = []
    for lo, hi, full, along_y in ((boxes[:, 1], boxes[:, 3], h, True),
                                  (boxes[:, 0], boxes[:, 2], w, False)):
        taken = sorted(zip(np.floor(lo - margin).astype(int), np.ceil(hi + margin).astype(int)))
        start = 0
        for a, b in taken + [(full, full)]:
            a = min(max(a, 0), full)
            if a - start >= min_side:
                views.append((0, int(start), w, int(a)) if along_y else (int(start), 0, int(a), h))
            start = max(start, b)
    return views
