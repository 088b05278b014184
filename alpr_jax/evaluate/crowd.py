"""Photos of many plates: labelled one-plate scenes tiled into one frame (rows x cols tiles,
each scene letterboxed into its tile: shrunk to fit, the rest grey), so one photo holds
rows * cols real plates with known corners and texts - a car park or a queue of traffic as
the detector sees it, built from photos it never trained on.
"""
from __future__ import annotations

import numpy as np

from alpr_jax.data.annotations import ImageRecord, one_plate_records
from alpr_jax.data.images import read_image
from alpr_jax.data.preprocess import DETECTOR_PAD_VALUE, letterbox


def mosaic(records: list[ImageRecord], rows: int, cols: int,
           out_hw: tuple[int, int] = (1080, 1920)) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The first rows * cols one-plate records tiled into uint8 [*out_hw, 3] -> (photo, the
    plates' corners [N, 4, 2] in it, their texts [N])."""
    scenes = one_plate_records(records)
    if rows < 1 or cols < 1 or len(scenes) < rows * cols:
        raise ValueError(f"a {rows}x{cols} mosaic needs {rows * cols} one-plate scenes with "
                         f"corners, got {len(scenes)}")
    h, w = out_hw[0] // rows, out_hw[1] // cols
    out = np.full((*out_hw, 3), DETECTOR_PAD_VALUE, np.uint8)
    corners, texts = [], []
    for k, record in enumerate(scenes[:rows * cols]):
        tile, s = letterbox(read_image(record.path), (h, w))      # the detector's own fit
        y, x = (k // cols) * h, (k % cols) * w
        out[y:y + h, x:x + w] = tile
        corners.append(record.plates[0].corners * s + np.array([x, y], np.float32))
        texts.append(record.plates[0].text)
    return out, np.stack(corners).astype(np.float32), texts


def crowd_row(alpr, records: list[ImageRecord], rows: int, cols: int,
              out_hw: tuple[int, int] = (1080, 1920)) -> dict:
    """alpr (pipeline.alpr.ALPR) on one mosaic -> {"plates", "width_px" (mean plate width),
    "found" (quadrilateral IoU >= 0.5), "found_70", "read" (found and read exactly),
    "extra" (plates returned that match none), "ms" (second, warm run)}."""
    from alpr_jax.evaluate.detection import polygon_iou
    photo, corners, texts = mosaic(records, rows, cols, out_hw)
    alpr.predict(photo)                                  # compile the shapes it needs
    result = alpr.predict(photo)
    iou = np.array([[polygon_iou(p.corners, c) for c in corners] for p in result.plates]
                   ).reshape(len(result.plates), len(corners))
    best = iou.max(0) if len(result.plates) else np.zeros(len(corners))
    read = [any(iou[i, j] >= 0.5 and p.text == texts[j] for i, p in enumerate(result.plates))
            for j in range(len(corners))]
    return {"plates": len(corners),
            "width_px": float(np.mean(np.linalg.norm(corners[:, 1] - corners[:, 0], axis=1))),
            "found": int((best >= 0.5).sum()), "found_70": int((best >= 0.7).sum()),
            "read": int(sum(read)), "extra": int((iou.max(1) < 0.5).sum()) if len(iou) else 0,
            "ms": float(result.timing_ms["total"])}
