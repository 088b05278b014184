"""Training proposals for the R-CNN, drawn around and away from the ground truth.

The paper trains the R-CNN on the fixed RPN's proposals. Those can be mined once per training
photo (scripts/mine_proposals.py) and mixed in here; the rest are simulated in the input
pipeline (numpy, no network): positives are ground-truth boxes jittered in position and scale
the way RPN boxes err, negatives are plate-sized boxes elsewhere, half of them close to a plate.
Simulation alone keeps the two stages' training independent and cheap on a CPU, but misses the
RPN's own false positives on real photos (grilles, badges, text strips); the mined proposals
bring exactly those in as negatives.
"""
from __future__ import annotations

import numpy as np

from alpr_jax.geometry import boxes as box_ops

POSITIVE_IOU = 0.5
NEGATIVE_IOU = 0.3


def _jittered(rng, box, shift=(0.12, 0.25), log_scale=0.2):
    w, h = box[2] - box[0], box[3] - box[1]
    cx = (box[0] + box[2]) / 2 + rng.normal(0, shift[0]) * w
    cy = (box[1] + box[3]) / 2 + rng.normal(0, shift[1]) * h
    w, h = w * np.exp(rng.normal(0, log_scale)), h * np.exp(rng.normal(0, log_scale))
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], np.float32)


def _recrop_box(rng, box, margin=(0.03, 0.2), edge_noise=0.025):
    """The RoI the detector's re-crops cut round a plate found near box: its bounds, each edge
    off by N(0, edge_noise) plate widths (the error of the corners a re-crop starts from),
    grown (boxes.grown) by a margin uniform in `margin` per side; the detector's margins are
    DetectorOptions.refine_margin and dsnt_margins, 0.05-0.15."""
    noisy = box + rng.normal(0, edge_noise * (box[2] - box[0]), 4)
    return box_ops.grown(noisy.astype(np.float32), rng.uniform(*margin))


def _random_box(rng, image_hw, width_range=(30.0, 450.0)):
    h_img, w_img = image_hw
    w = float(np.exp(rng.uniform(*np.log(width_range))))
    h = w * rng.uniform(1 / 4.5, 1 / 1.5)
    cx, cy = rng.uniform(0, w_img), rng.uniform(0, h_img)
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], np.float32)


def _near_box(rng, box):
    """A box of a plate's size displaced by about one plate size, or a much larger/smaller
    box around it: the RPN's typical false positives next to a real plate."""
    w, h = box[2] - box[0], box[3] - box[1]
    if rng.random() < 0.5:
        angle = rng.uniform(0, 2 * np.pi)
        d = rng.uniform(0.6, 1.5)
        return box + np.array([np.cos(angle) * d * w, np.sin(angle) * d * h] * 2, np.float32)
    return _jittered(rng, box, shift=(0.3, 0.5), log_scale=0.9)


def sample_proposals(rng: np.random.Generator, gt_boxes: np.ndarray, image_hw: tuple[int, int],
                     num: int = 16, positive_fraction: float = 0.5,
                     mined: np.ndarray | None = None, mined_fraction: float = 0.5,
                     recrop_fraction: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """num proposals for one image with gt_boxes [P, 4] (P may be 0), in image pixels.

    mined: optional float32 [M, 4], the fixed RPN's proposals for this image; each positive
    (negative) slot takes a random mined box of that label with probability mined_fraction
    when there is one, else a simulated box: with probability recrop_fraction a tight RoI
    round the plate as the detector's re-crops cut it (_recrop_box), else a box jittered the
    way RPN boxes err.
    Returns proposals float32 [num, 4], labels int32 [num] (1: IoU >= 0.5 with a plate,
    0: IoU < 0.3 with every plate) and matched int32 [num] (the plate a positive belongs to,
    -1 for negatives). Proposals with IoU in between are never returned (ambiguous)."""
    gt_boxes = np.asarray(gt_boxes, np.float32).reshape(-1, 4)
    out, labels, matched = [], [], []
    n_pos = int(round(num * positive_fraction)) if len(gt_boxes) else 0
    mined_pos, mined_neg = _split_mined(mined, gt_boxes)
    tries = 0
    while len(out) < num:
        tries += 1
        want_pos = len(out) < n_pos and tries < 50 * num
        pool = mined_pos if want_pos else mined_neg
        if len(pool) and rng.random() < mined_fraction:
            box = pool[rng.integers(len(pool))]
        elif want_pos:
            gt = gt_boxes[rng.integers(len(gt_boxes))]
            # no draw when off, so the earlier recipes' proposals stay as they were
            recrop = recrop_fraction > 0 and rng.random() < recrop_fraction
            box = _recrop_box(rng, gt) if recrop else _jittered(rng, gt)
        elif len(gt_boxes) and rng.random() < 0.5:
            box = _near_box(rng, gt_boxes[rng.integers(len(gt_boxes))])
        else:
            box = _random_box(rng, image_hw)
        overlaps = box_ops.iou(box[None], gt_boxes)[0] if len(gt_boxes) else np.zeros((0,))
        best = float(overlaps.max()) if len(overlaps) else 0.0
        if want_pos and best >= POSITIVE_IOU:
            out.append(box), labels.append(1), matched.append(int(overlaps.argmax()))
        elif not want_pos and best < NEGATIVE_IOU:
            out.append(box), labels.append(0), matched.append(-1)
    return (np.stack(out).astype(np.float32), np.asarray(labels, np.int32),
            np.asarray(matched, np.int32))


def _split_mined(mined, gt_boxes) -> tuple[np.ndarray, np.ndarray]:
    """Mined boxes [M, 4] -> (those with IoU >= 0.5 with a plate, those < 0.3 with all)."""
    if mined is None or not len(mined):
        return np.zeros((0, 4), np.float32), np.zeros((0, 4), np.float32)
    mined = np.asarray(mined, np.float32).reshape(-1, 4)
    if not len(gt_boxes):
        return np.zeros((0, 4), np.float32), mined
    best = box_ops.iou(mined, gt_boxes).max(1)
    return mined[best >= POSITIVE_IOU], mined[best < NEGATIVE_IOU]
