"""Evaluators by task name, as eval.py dispatches them: each takes (data path, weights path or
None for the shipped weights, options) and returns one JSON-serialisable dict."""
from __future__ import annotations

from typing import Callable

EVALUATORS: dict[str, Callable[..., dict]] = {}


def register(name: str):
    def wrap(fn):
        EVALUATORS[name] = fn
        return fn
    return wrap


def get(name: str) -> Callable[..., dict]:
    if name not in EVALUATORS:
        raise ValueError(f"unknown task {name!r}; expected one of {sorted(EVALUATORS)}")
    return EVALUATORS[name]


@register("recognition")
def recognition(data: str, weights_path: str | None = None, split: str = "all",
                rectify: bool | None = None, tta: bool = False) -> dict:
    """Reads every labelled plate in `data` (crops: whole image; scenes: cut by the
    ground-truth corners) with the recogniser in `weights_path` (default: shipped);
    tta: also read each plate shifted 2 px left and right (PlateReader)."""
    from alpr_jax import weights
    from alpr_jax.evaluate.recognition import evaluate_dir
    path = weights_path or weights.shipped("recognizer")
    variables, meta = weights.load_npz(path)
    if rectify is None:
        rectify = bool(meta.get("rectify", True))
    result = evaluate_dir(meta["model"], variables, data, split=split, rectify=rectify, tta=tta)
    result.update({"weights": path, "data": data, "split": split, "tta": tta})
    return result


@register("detection")
def detection(data: str, weights_path: str | None = None, split: str = "all",
              rcnn_weights: str | None = None, mode: str = "cascade",
              score_threshold: float | None = None, corner_source: str | None = None,
              dsnt_weights: str | None = None, zoom: str | None = None) -> dict:
    """Detects plates in every scene of `data` (CCPD folder or labels.jsonl) with the RPN in
    `weights_path` and the R-CNN in `rcnn_weights` (defaults: shipped; corner_source "dsnt",
    the default, takes the corners from the DSNT localiser in `dsnt_weights`, default shipped)
    and scores them against the labelled corners (or boxes): AP@0.5..0.9, recall@0.7, corner
    error, speed, size, and (cascade) the share of plate-free views with no detection.
    zoom: when the detector's 2x RPN pass for small plates runs (default "auto")."""
    from alpr_jax import weights
    from alpr_jax.evaluate.detection import evaluate_detector
    from alpr_jax.pipeline.detector import DEFAULT_CORNER_SOURCE, PlateDetector, detector_options
    corner_source = corner_source or DEFAULT_CORNER_SOURCE
    options = detector_options(score_threshold, zoom)
    rpn = weights_path or weights.shipped("rpn")
    rcnn = rcnn_weights or weights.shipped("rcnn")
    detector = PlateDetector.load(rpn, rcnn, mode=mode, options=options,
                                  corner_source=corner_source, dsnt_path=dsnt_weights)
    # the RPN alone answers every photo with its top boxes: the plate-free check is the cascade's
    result = evaluate_detector(detector, data, split, plate_free=mode == "cascade")
    result.update({"mode": mode, "weights": rpn, "rcnn_weights": rcnn if mode == "cascade" else None,
                   "corner_source": corner_source if mode == "cascade" else None,
                   "dsnt_weights": (dsnt_weights or weights.shipped("dsnt"))
                   if mode == "cascade" and corner_source == "dsnt" else None,
                   "data": data, "split": split, "zoom": options.zoom})
    return result


@register("pipeline")
def pipeline(data: str, weights_path: str | None = None, split: str = "all",
             rcnn_weights: str | None = None, recognizer_weights: str | None = None,
             corner_source: str | None = None, dsnt_weights: str | None = None,
             tta: bool = False, zoom: str | None = None, **_) -> dict:
    """The whole ALPR pipeline on labelled scenes: a plate counts when found (IoU >= 0.5) AND
    read exactly; also detection rate, false positives and ms per stage."""
    from alpr_jax.evaluate.end_to_end import evaluate_alpr
    from alpr_jax.pipeline.alpr import ALPR
    from alpr_jax.pipeline.detector import DEFAULT_CORNER_SOURCE
    corner_source = corner_source or DEFAULT_CORNER_SOURCE
    alpr = ALPR.load(weights_path, rcnn_weights, recognizer_weights,
                     corner_source=corner_source, dsnt=dsnt_weights, tta=tta,
                     zoom=zoom)
    result = evaluate_alpr(alpr, data, split)
    result.update({"data": data, "split": split, "corner_source": corner_source, "tta": tta,
                   "zoom": alpr.detector.options.zoom})
    return result


@register("single_plate")
def single_plate(data: str, weights_path: str | None = None, split: str = "all",
                 recognizer_weights: str | None = None, **_) -> dict:
    """The whole-image single-plate DSNT localiser (weights_path: a dsnt_image .npz; there
    are no shipped ones, the cascade is the shipped detector) on photos with one plate each:
    corner error, AP@0.5..0.9, plate accuracy after rectification with the recogniser in
    recognizer_weights (default: shipped), ms per photo."""
    from alpr_jax.evaluate.single_plate import evaluate_localizer
    from alpr_jax.pipeline.reader import PlateReader
    from alpr_jax.pipeline.single_plate import SinglePlateLocalizer
    if not weights_path:
        raise ValueError("task single_plate needs --weights: a .npz trained with a "
                         "configs/dsnt_image_*.py config")
    result = evaluate_localizer(SinglePlateLocalizer.load(weights_path), data, split,
                                reader=PlateReader.load(recognizer_weights))
    result.update({"weights": weights_path, "data": data, "split": split})
    return result
