"""End-to-end evaluator: photos in, plate texts out, scored against labelled scenes.

A ground-truth plate counts as read when a predicted plate overlaps it (quadrilateral IoU
>= 0.5; box IoU >= 0.3 where the labels are boxes only, as EasyPR's) and has exactly its text;
`acc` is read plates / labelled plates (every character, so 8 for green plates);
`acc_found` the same over the plates that were found. Predictions matching no plate are
counted as false positives. Where the readings carry a plate type and the labels a colour
(EasyPR's words, CCPD's blue / green), `plate_type_right` is the share of the found plates
whose type (colour; "_two_row" aside) is the labelled one.
"""
from __future__ import annotations

import sys

import numpy as np

from alpr_jax.data.annotations import read_annotations, split_records
from alpr_jax.data.images import ImageReadError, read_image
from alpr_jax.evaluate.detection import (BOX_MATCH_IOU, QUAD_MATCH_IOU, labels_have_corners,
                                         match_image)
from alpr_jax.evaluate.metrics import recognition_metrics
from alpr_jax.geometry.boxes import box_corners


def scene_records(path: str, split: str = "all") -> list:
    """The labelled scenes (not crops) of a folder's split; raises if there are none."""
    records = [r for r in split_records(read_annotations(path), split) if not r.is_crop]
    if not records:
        raise ValueError(f"{path}: no labelled scenes (plate crops need the recognition task)")
    return records


def match_iou(boxes: bool) -> float:
    """The IoU at which a reading matches a labelled plate: by box for box-only labels."""
    return BOX_MATCH_IOU if boxes else QUAD_MATCH_IOU


def match_readings(record, plates, boxes: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Matches one photo's readings `plates` [(corners [4, 2], detection score, text[,
    plate type])] to its
    labelled plates (box IoU if boxes, else quadrilateral IoU, >= match_iou). Returns
    (labelled quadrilaterals float32 [G, 4, 2] (box-only labels: the box's corners),
    is_true_positive bool [N], matched label index int [N] or -1)."""
    gt_quads = np.array([p.corners if p.corners is not None else box_corners(p.bbox)
                         for p in record.plates], np.float32).reshape(-1, 4, 2)
    quads = np.array([p[0] for p in plates], np.float32).reshape(-1, 4, 2)
    scores = np.array([p[1] for p in plates], np.float32)
    tp, which = match_image(quads, scores, gt_quads, match_iou(boxes), boxes)
    return gt_quads, tp, which


def matched_photos(alpr, records, boxes: bool):
    """For each scene record whose photo can be read (the others are reported on stderr and
    skipped): (record, photo uint8 [H, W, 3], the ALPR's Plates, then match_readings' labelled
    quadrilaterals, is_true_positive and matched label index) -- the per-photo view of what
    score_readings counts, for scripts that draw or tabulate single plates."""
    for record in records:
        try:
            image = read_image(record.path)
        except ImageReadError as e:
            print(f"skipped: {e}", file=sys.stderr)
            continue
        plates = alpr.predict(image).plates
        matched = match_readings(record, [(p.corners, p.detection_score, p.text) for p in plates],
                                 boxes)
        yield (record, image, plates) + matched


def score_readings(records, readings, boxes: bool | None = None) -> dict:
    """Scores photo -> text readings against labelled scenes: readings[i] is, for records[i],
    a list of (corners float32 [4, 2], detection score, text[, plate type]), or None when
    the photo could not be read (left out). boxes: match by box IoU (default: when the labels
    are boxes only). The one scorer of the pipeline's evaluation and of benchmarks/peers.py."""
    boxes = (not labels_have_corners(records)) if boxes is None else boxes
    targets, preds, rows = [], [], []
    type_right = []                  # per found plate with a labelled colour and a type read
    false_positives = photos = 0
    for record, plates in zip(records, readings):
        if plates is None:
            continue
        photos += 1
        _, tp, which = match_readings(record, plates, boxes)
        false_positives += int((~tp).sum())
        for j, gt in enumerate(record.plates):    # plates without a text are matched, not scored
            if not gt.text:
                continue
            hit = np.flatnonzero(which == j)
            found = plates[int(hit[0])] if len(hit) else None
            text = found[2] if found else ""
            if found and gt.colour and len(found) > 3:      # a plate type was read
                type_right.append(found[3].removesuffix("_two_row") == gt.colour)
            targets.append(gt.text), preds.append(text)
            rows.append({"file": record.path, "target": gt.text, "prediction": text})
    out = recognition_metrics(preds, targets)
    found = [p != "" for p in preds]
    out["detected"] = float(np.mean(found)) if preds else float("nan")
    out["acc_found"] = (float(np.mean([p == t for p, t, f in zip(preds, targets, found) if f]))
                        if any(found) else float("nan"))
    out["false_positives"] = false_positives
    out["false_per_image"] = false_positives / photos if photos else float("nan")
    out["match"] = f"{'box' if boxes else 'quadrilateral'} IoU >= {match_iou(boxes)}"
    if type_right:
        out["plate_type_right"] = float(np.mean(type_right))
        out["plate_type_n"] = len(type_right)
    out["predictions"] = rows
    return out


def evaluate_alpr(alpr, path: str, split: str = "all") -> dict:
    records = scene_records(path, split)
    readings, errors, times = [], [], []
    next(alpr.predict_many([records[0].path]))      # compile outside the timed region
    for record in records:
        result = next(alpr.predict_many([record.path]))
        if result.error:
            errors.append({"file": record.path, "error": result.error})
            readings.append(None)
            continue
        times.append(result.timing_ms)
        readings.append([(p.corners, p.detection_score, p.text, p.plate_type)
                         for p in result.plates])
    out = score_readings(records, readings)
    stages = ("rpn", "rcnn") + tuple(s for s in ("dsnt", "patch") if any(s in t for t in times)) + (
        "rectify", "recognize", "total")
    for stage in stages:
        vals = [t.get(stage, 0.0) for t in times]
        out[f"ms_{stage}"] = float(np.mean(vals)) if vals else float("nan")
    out.update(errors=errors, predictions=out.pop("predictions"))
    return out
