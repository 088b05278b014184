"""RPN anchors and their training targets (numpy; runs in the input pipeline)."""
from __future__ import annotations

import numpy as np

from alpr_jax.geometry import boxes as box_ops

# The paper's anchors: 5 areas x 3 aspect ratios (h / w), at feature stride 8.
ANCHOR_AREAS = (600.0, 1200.0, 1800.0, 2800.0, 8100.0)
ANCHOR_RATIOS = (1 / 2, 1 / 2.7, 1 / 3.5)
FEATURE_STRIDE = 8


def anchor_shapes(areas=ANCHOR_AREAS, ratios=ANCHOR_RATIOS) -> np.ndarray:
    """float32 [len(areas) * len(ratios), 2] anchor (w, h) with w * h = area, h / w = ratio."""
    return np.array([(np.sqrt(a / r), np.sqrt(a * r)) for a in areas for r in ratios], np.float32)


def grid_anchors(feature_hw: tuple[int, int], stride: int = FEATURE_STRIDE,
                 areas=ANCHOR_AREAS, ratios=ANCHOR_RATIOS) -> np.ndarray:
    """float32 [Hf * Wf * K, 4] boxes centred on each feature cell, ordered (y, x, k) to match
    an [Hf, Wf, K] head output reshaped to [-1]."""
    hf, wf = feature_hw
    shapes = anchor_shapes(areas, ratios)
    cy, cx = np.meshgrid((np.arange(hf) + 0.5) * stride, (np.arange(wf) + 0.5) * stride, indexing="ij")
    centres = np.stack([cx, cy], -1)[:, :, None, :]                  # [Hf, Wf, 1, 2]
    half = shapes[None, None, :, :] / 2                                # [1, 1, K, 2]
    return np.concatenate([centres - half, centres + half], -1).reshape(-1, 4).astype(np.float32)


def anchor_targets(rng: np.random.Generator, anchors: np.ndarray, gt_boxes: np.ndarray,
                   num_samples: int = 64, positive_fraction: float = 0.25,
                   positive_iou: float = 0.5, negative_iou: float = 0.3,
                   ignored: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels and regression targets for one image.

    anchors [A, 4], gt_boxes [P, 4] (P may be 0), in the same (detector-input) pixels.
    Returns labels int32 [A] (1 positive, 0 negative, -1 not sampled) and deltas float32 [A, 4]
    (meaningful where labels == 1) and matched int32 [A], the ground-truth index each anchor
    is matched to (-1 when there is no ground truth). Each ground-truth box's best anchor is positive too, so
    every plate gets at least one; at most num_samples anchors are sampled, a quarter positive.
    ignored: bool [P], plates to learn nothing about (another scale answers for them): no
    anchor matched to one is positive, and none overlapping one by negative_iou is negative.
    """
    num_anchors = len(anchors)
    labels = np.full((num_anchors,), -1, np.int32)
    deltas = np.zeros((num_anchors, 4), np.float32)
    best_gt = np.full((num_anchors,), -1, np.int32)
    if len(gt_boxes):
        overlaps = box_ops.iou(anchors, gt_boxes)                     # [A, P]
        best_gt = overlaps.argmax(1)
        best_iou = overlaps[np.arange(num_anchors), best_gt]
        labels[best_iou < negative_iou] = 0
        labels[best_iou >= positive_iou] = 1
        best_anchor = overlaps.argmax(0)
        labels[best_anchor[overlaps[best_anchor, np.arange(len(gt_boxes))] > 0]] = 1
        deltas = box_ops.encode(gt_boxes[best_gt], anchors).astype(np.float32)
        if ignored is not None and np.any(ignored):
            ignored = np.asarray(ignored, bool)
            near_ignored = (overlaps[:, ignored] >= negative_iou).any(1)
            labels[(labels == 1) & ignored[best_gt]] = -1
            labels[(labels == 0) & near_ignored] = -1
    else:
        labels[:] = 0
    positives = np.flatnonzero(labels == 1)
    max_pos = int(num_samples * positive_fraction)
    if len(positives) > max_pos:
        labels[rng.choice(positives, len(positives) - max_pos, replace=False)] = -1
    negatives = np.flatnonzero(labels == 0)
    max_neg = num_samples - min(len(positives), max_pos)
    if len(negatives) > max_neg:
        labels[rng.choice(negatives, len(negatives) - max_neg, replace=False)] = -1
    return labels, deltas, best_gt.astype(np.int32)
