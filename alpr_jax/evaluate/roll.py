"""Rolled photos: labelled scenes turned about their centre, as a camera held askew sees them,
and the pipeline run on them. The photo keeps its size (corners turned out of it are cut off,
the uncovered area is the letterbox grey), its plate's corners are turned with it.
"""
from __future__ import annotations

import cv2
import numpy as np

from alpr_jax.data.annotations import ImageRecord, one_plate_scenes
from alpr_jax.data.preprocess import DETECTOR_PAD_VALUE
from alpr_jax.geometry.rectify import cv_matrix


def rolled(image: np.ndarray, corners: np.ndarray, degrees: float
           ) -> tuple[np.ndarray, np.ndarray]:
    """image uint8 [H, W, 3] and its plate's corners [4, 2] -> both turned `degrees`
    counter-clockwise about the photo's centre (the photo's size kept)."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)   # about the centre, our coords
    out = cv2.warpAffine(image, cv_matrix(m), (w, h), flags=cv2.INTER_LINEAR,
                         borderValue=(DETECTOR_PAD_VALUE,) * 3)
    c = np.asarray(corners, np.float64).reshape(4, 2)
    return out, (np.concatenate([c, np.ones((4, 1))], 1) @ m.T).astype(np.float32)


def roll_sweep(alpr, records: list[ImageRecord], angles: list[float]) -> list[dict]:
    """alpr (pipeline.alpr.ALPR) on every one-plate record rolled by each angle -> rows
    {"degrees", "n", "found" (quadrilateral IoU >= 0.5), "found_70", "read" (found and read
    exactly)}."""
    from alpr_jax.evaluate.detection import polygon_iou
    scenes = one_plate_scenes(records)
    rows = []
    for degrees in angles:
        found = found_70 = read = 0
        for image, corners, text in scenes:
            photo, gt = rolled(image, corners, degrees)
            plates = alpr.predict(photo).plates
            ious = [polygon_iou(p.corners, gt) for p in plates]
            best = int(np.argmax(ious)) if ious else -1
            if ious and ious[best] >= 0.5:
                found += 1
                found_70 += ious[best] >= 0.7
                read += plates[best].text == text
        rows.append({"degrees": float(degrees), "n": len(scenes), "found": found,
                     "found_70": int(found_70), "read": read})
    return rows
