"""Detection across plate sizes: each labelled real scene redrawn so that its plate is a given
width in pixels, on a canvas of the scene's size or another (e.g. 1920x1080), and the detector
run on it.

The photo is scaled about the plate and the plate centred on the canvas: shrunk photos sit in
a field of the crop pad grey (128), enlarged ones are cut to the canvas around the plate. So the
plate and its real surroundings keep their look while the one thing that changes is the
plate's size - the paper's "plates of very different sizes" claim, on real photos.
"""
from __future__ import annotations

import numpy as np

from alpr_jax.data.annotations import ImageRecord, one_plate_scenes
from alpr_jax.data.preprocess import DETECTOR_PAD_VALUE, scale_and_shift

PAD = DETECTOR_PAD_VALUE       # the grey round a shrunk photo: what the letterbox pads with


def at_plate_width(image: np.ndarray, corners: np.ndarray, width: float,
                   out_hw: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """image uint8 [H, W, 3] whose plate has corners [4, 2] -> (uint8 [*out_hw, 3] with that
    plate `width` px wide (its bounds) at the centre, the plate's corners there [4, 2]).
    out_hw defaults to the image's own size."""
    corners = np.asarray(corners, np.float32).reshape(4, 2)
    out_h, out_w = out_hw or image.shape[:2]
    current = float(corners[:, 0].max() - corners[:, 0].min())
    if current <= 1 or width <= 0:
        raise ValueError(f"plate {current:.1f} px wide cannot be scaled to {width} px")
    s = width / current
    # the plate's centre goes to the canvas centre
    centre = (corners.min(0) + corners.max(0)) / 2
    t = np.array([out_w / 2, out_h / 2], np.float32) - s * centre
    out = scale_and_shift(image, s, t, (out_h, out_w), pad_value=PAD)
    return out, (corners * s + t).astype(np.float32)


def size_sweep(detector, records: list[ImageRecord], widths: list[float],
               out_hw: tuple[int, int] | None = None, alpr=None) -> dict:
    """detector (pipeline.detector.PlateDetector) on every one-plate record redrawn at each plate
    width, on a canvas of out_hw (default: each photo's own size). Returns {"widths": [...], "rows": [{"width", "n", "recall_50", "recall_70",
    "extra_detections", "ms"} ...]}: recall at quadrilateral IoU 0.5 / 0.7, detections that
    match no plate (IoU < 0.5) and the median detector time. With alpr (pipeline.alpr.ALPR),
    also "read": the share of views whose plate ALPR.predict finds (IoU >= 0.5) and reads
    exactly."""
    from alpr_jax.evaluate.detection import polygon_iou
    scenes = one_plate_scenes(records)
    rows = []
    for width in widths:
        ious, extra, ms, read = [], 0, [], []
        for image, corners, text in scenes:
            view, gt = at_plate_width(image, corners, width, out_hw)
            dets, timing = detector.detect(view)
            ms.append(timing["detect_total"])
            overlaps = [polygon_iou(d.corners, gt) for d in dets]
            ious.append(max(overlaps, default=0.0))
            extra += sum(o < 0.5 for o in overlaps)
            if alpr is not None:
                read.append(any(p.text == text and polygon_iou(p.corners, gt) >= 0.5
                                for p in alpr.predict(view).plates))
        ious = np.asarray(ious)
        rows.append({"width": float(width), "n": len(ious), "recall_50": float((ious >= 0.5).mean()),
                     "recall_70": float((ious >= 0.7).mean()), "extra_detections": int(extra),
                     "ms": float(np.median(ms))})
        if alpr is not None:
            rows[-1]["read"] = float(np.mean(read))
    return {"widths": [float(w) for w in widths], "rows": rows}
