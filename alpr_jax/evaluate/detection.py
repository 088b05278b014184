"""Detection evaluator: AP at IoU 0.5..0.9 (Table 5), recall, corner error, speed, size.

IoU is that of the quadrilaterals (polygon intersection over union) when the labels have
corners, so AP at high IoU rewards precise corners, which is what rectification needs. Labels
with boxes only (EasyPR's approximate rectangles) are matched by the IoU of the boxes, the
detection's being its corners' bounds, at BOX_MATCH_IOU. AP is the area under the interpolated
precision-recall curve (all points, as in VOC 2010+), detections of all images ranked together.
"""
from __future__ import annotations

import time

import cv2
import numpy as np

from alpr_jax.data.annotations import read_annotations, split_records
from alpr_jax.data.images import ImageReadError, read_image
from alpr_jax.geometry import boxes as box_ops

IOU_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
QUAD_MATCH_IOU = 0.5       # a labelled corner quadrilateral counts as found
BOX_MATCH_IOU = 0.3        # a labelled box (approximate, EasyPR) counts as found


def polygon_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two convex quadrilaterals [4, 2]; falls back to their bounds' IoU when either
    is degenerate or not convex."""
    a32, b32 = np.asarray(a, np.float32), np.asarray(b, np.float32)
    area_a, area_b = abs(cv2.contourArea(a32)), abs(cv2.contourArea(b32))
    if (area_a < 1e-6 or area_b < 1e-6 or not cv2.isContourConvex(a32)
            or not cv2.isContourConvex(b32)):
        return float(box_ops.iou(box_ops.corner_bounds(a32)[None],
                                 box_ops.corner_bounds(b32)[None])[0, 0])
    inter, _ = cv2.intersectConvexConvex(a32, b32)
    return float(inter / max(area_a + area_b - inter, 1e-9))


def match_image(pred_quads, pred_scores, gt_quads, threshold: float, boxes: bool = False):
    """Greedy matching, best score first, by quadrilateral IoU (or, boxes=True, the IoU of
    both sides' bounds). Returns (is_true_positive bool [N], matched gt index int [N] or -1)."""
    order = np.argsort(-np.asarray(pred_scores), kind="stable")
    used = np.zeros(len(gt_quads), bool)
    tp = np.zeros(len(pred_quads), bool)
    which = np.full(len(pred_quads), -1)
    if boxes and len(pred_quads) and len(gt_quads):
        table = box_ops.iou(box_ops.corner_bounds(np.asarray(pred_quads, np.float32)),
                            box_ops.corner_bounds(np.asarray(gt_quads, np.float32)))
        overlap = lambda i, j: float(table[i, j])
    else:
        overlap = lambda i, j: polygon_iou(pred_quads[i], gt_quads[j])
    for i in order:
        ious = [overlap(i, j) if not used[j] else -1.0 for j in range(len(gt_quads))]
        if ious and max(ious) >= threshold:
            j = int(np.argmax(ious))
            used[j], tp[i], which[i] = True, True, j
    return tp, which


def average_precision(scores: np.ndarray, tp: np.ndarray, num_gt: int) -> float:
    """All-point interpolated AP of detections (scores, true-positive flags) over num_gt."""
    if num_gt == 0:
        return float("nan")
    order = np.argsort(-scores, kind="stable")
    tp = tp[order].astype(np.float64)
    ctp, cfp = np.cumsum(tp), np.cumsum(1 - tp)
    recall = ctp / num_gt
    precision = ctp / np.maximum(ctp + cfp, 1e-9)
    r = np.concatenate([[0.0], recall, [recall[-1] if len(recall) else 0.0]])
    p = np.concatenate([[1.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]
    return float(np.sum((r[1:] - r[:-1]) * p[1:]))


def found_metrics(per_image, threshold: float, boxes: bool) -> dict:
    """Share of labelled plates found (recall), share of detections that are plates
    (precision), and detections matching no plate per image, at one matching IoU."""
    num_gt = sum(len(g) for _, _, g in per_image)
    tps = [match_image(q, s, g, threshold, boxes)[0] for q, s, g in per_image]
    n_det, n_tp = sum(len(t) for t in tps), sum(int(t.sum()) for t in tps)
    return {"found": n_tp / num_gt if num_gt else float("nan"),
            "precision": n_tp / n_det if n_det else float("nan"),
            "false_detections": n_det - n_tp,
            "false_per_image": (n_det - n_tp) / len(per_image) if per_image else float("nan"),
            "match": f"{'box' if boxes else 'quadrilateral'} IoU >= {threshold}"}


def detection_metrics(per_image: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
                      boxes: bool = False) -> dict:
    """per_image: (pred quads [N, 4, 2], pred scores [N], gt quads [M, 4, 2]) per image.
    Returns ap_50 .. ap_90, ap_mean, recall_70 and the corner error (px) of detections
    matched at IoU 0.5: mean and 90th percentile over corners; and found_metrics at
    QUAD_MATCH_IOU. boxes=True (box-only labels): ap_30 and ap_50 of the boxes, and
    found_metrics at BOX_MATCH_IOU; no corner error."""
    if boxes:
        out = {}
        for thr in (BOX_MATCH_IOU, 0.5):
            scores = np.concatenate([np.asarray(s, np.float64) for _, s, _ in per_image] or [[]])
            tps = np.concatenate([match_image(q, s, g, thr, True)[0] for q, s, g in per_image]
                                 or [np.zeros(0, bool)])
            out[f"ap_{int(round(thr * 100))}"] = average_precision(
                scores, tps, sum(len(g) for _, _, g in per_image))
        return {**out, **found_metrics(per_image, BOX_MATCH_IOU, True)}
    num_gt = sum(len(g) for _, _, g in per_image)
    out = {}
    for thr in IOU_THRESHOLDS:
        all_scores, all_tp = [], []
        for quads, scores, gts in per_image:
            tp, _ = match_image(quads, scores, gts, thr)
            all_scores.append(np.asarray(scores, np.float64)), all_tp.append(tp)
        scores = np.concatenate(all_scores) if all_scores else np.zeros(0)
        tps = np.concatenate(all_tp) if all_tp else np.zeros(0, bool)
        out[f"ap_{int(thr * 100)}"] = average_precision(scores, tps, num_gt)
        if thr == 0.7:
            out["recall_70"] = float(tps.sum() / num_gt) if num_gt else float("nan")
    out["ap_mean"] = float(np.mean([out[f"ap_{int(t * 100)}"] for t in IOU_THRESHOLDS]))
    errors = []
    for quads, scores, gts in per_image:
        tp, which = match_image(quads, scores, gts, 0.5)
        for i in np.flatnonzero(tp):
            errors.extend(np.linalg.norm(quads[i] - gts[which[i]], axis=-1))
    out["corner_error_px"] = float(np.mean(errors)) if errors else float("nan")
    out["corner_error_p90_px"] = float(np.percentile(errors, 90)) if errors else float("nan")
    return {**out, **found_metrics(per_image, QUAD_MATCH_IOU, False)}


def labels_have_corners(records) -> bool:
    """True when every labelled plate has corners (quadrilateral matching), False when any
    has a box only (all matched by box IoU)."""
    return all(p.corners is not None for r in records for p in r.plates)


def timed_runs(records, fn, errors: list, times: list):
    """Yields (record, image, fn(image)) for each record whose image reads; unreadable ones go
    to `errors` as {"file", "error"}. fn's seconds go to `times`; its first call (compiling)
    is made once more outside the timed region."""
    warmed = False
    for record in records:
        try:
            image = read_image(record.path)
        except ImageReadError as e:
            errors.append({"file": record.path, "error": str(e)})
            continue
        if not warmed:
            fn(image)
            warmed = True
        t0 = time.perf_counter()
        out = fn(image)
        times.append(time.perf_counter() - t0)
        yield record, image, out


def evaluate_detector(detector, path: str, split: str = "all", plate_free: bool = True) -> dict:
    """Runs `detector` (pipeline.detector.PlateDetector, or anything with its detect and
    size_mb: pipeline.alpr.ALPR gives the detections it keeps) on every image of a dataset with
    corner or box labels. Unreadable images are reported in "errors" and skipped.

    plate_free: also run it on each plate-free view of every image (the bands and columns
    40 px clear of all plates, geometry.boxes.plate_free_views): real photos without a plate,
    which should give no detection. Reports how many views there were, the share that gave
    none ("plate_free_clean") and each image's best score on them."""
    records = split_records(read_annotations(path), split)
    if any(r.is_crop for r in records):
        raise ValueError(f"{path}: plate crops have no scene to detect in; give CCPD "
                         f"scenes or a labels.jsonl")
    boxes = not labels_have_corners(records)
    per_image, errors, times, details = [], [], [], []
    for record, image, (dets, _) in timed_runs(records, detector.detect, errors, times):
        gts = np.array([p.corners if p.corners is not None else box_ops.box_corners(p.bbox)
                        for p in record.plates], np.float32).reshape(-1, 4, 2)
        quads = np.array([d.corners for d in dets], np.float32).reshape(-1, 4, 2)
        scores = np.array([d.score for d in dets], np.float32)
        per_image.append((quads, scores, gts))
        details.append({"file": record.path, "detections": len(dets), "plates": len(gts),
                        "best_score": float(scores.max()) if len(scores) else 0.0})
        if plate_free:
            details[-1]["plate_free_scores"] = _plate_free_scores(detector, image, gts)
    result = detection_metrics(per_image, boxes)
    if plate_free:
        view_scores = [s for d in details for s in d["plate_free_scores"]]
        result.update(plate_free_views=len(view_scores),
                      plate_free_clean=float(np.mean([s == 0.0 for s in view_scores]))
                      if view_scores else float("nan"))
    result.update(n_images=len(per_image), n_plates=int(sum(len(g) for _, _, g in per_image)),
                  ms_per_image=1e3 * float(np.mean(times)) if times else float("nan"),
                  model_mb=detector.size_mb(), errors=errors, images=details)
    return result


def _plate_free_scores(detector, image: np.ndarray, gt_quads: np.ndarray) -> list[float]:
    """The detector's best score (0.0: no detection) on each plate-free view of image."""
    plate_boxes = box_ops.corner_bounds(gt_quads)
    out = []
    for x1, y1, x2, y2 in box_ops.plate_free_views(image.shape[:2], plate_boxes):
        dets, _ = detector.detect(np.ascontiguousarray(image[y1:y2, x1:x2]))
        out.append(max((d.score for d in dets), default=0.0))
    return out
