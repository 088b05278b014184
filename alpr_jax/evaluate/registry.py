"""Evaluators by task name, as eval.py dispatches them: each takes (data path, ModelOptions,
split, task-specific options) and returns one JSON-serialisable dict. ModelOptions
(pipeline.options) names the weights (None: shipped) and how the detector and reader run.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from alpr_jax.pipeline.options import ModelOptions

EVALUATORS: dict[str, Callable[..., dict]] = {}
ALIASES = {"pipeline": "end_to_end"}     # the name earlier commands used


def register(name: str):
    def wrap(fn):
        EVALUATORS[name] = fn
        return fn
    return wrap


def get(name: str) -> Callable[..., dict]:
    name = ALIASES.get(name, name)
    if name not in EVALUATORS:
        raise ValueError(f"unknown task {name!r}; expected one of "
                         f"{sorted(EVALUATORS) + sorted(ALIASES)}")
    return EVALUATORS[name]


def _weights_info(options: ModelOptions, stages) -> dict:
    from alpr_jax import weights
    return {f"{stage}_weights": getattr(options, stage) or weights.shipped(stage)
            for stage in stages}


@register("recognition")
def recognition(data: str, options: ModelOptions = ModelOptions(), split: str = "all",
                rectify: bool | None = None, read_plate: bool = False) -> dict:
    """Reads every labelled plate in `data` (crops: whole image; scenes: cut by the
    ground-truth corners) with options.recognizer (default: shipped), options.tta; rectify
    None: as the weights were trained. With read_plate, a crop folder is also read as
    `alpr predict --crops` reads it (the whole pipeline's options): "read_plate"."""
    from alpr_jax.evaluate.recognition import evaluate_dir
    from alpr_jax.pipeline.alpr import ALPR
    reader = options.reader()
    if rectify is None:
        rectify = reader.rectify
    result = evaluate_dir(reader, data, split=split, rectify=rectify,
                          make_alpr=(lambda: ALPR(options.detector(), reader,
                                                  options.read_gate(),
                                                  options.auto_levels_below))
                          if read_plate else None)
    result.update({**_weights_info(options, ("recognizer",)), "data": data, "split": split,
                   "tta": options.tta, "reread_below": options.reread_below,
                   "plate_levels_below": options.plate_levels_below})
    return result


@register("detection")
def detection(data: str, options: ModelOptions = ModelOptions(), split: str = "all",
              mode: str = "cascade") -> dict:
    """Detects plates in every scene of `data` (CCPD folder or labels.jsonl) and scores them
    against the labelled corners (or boxes): AP@0.5..0.9, recall@0.7, corner error, speed,
    size, and (cascade) the share of plate-free views with no detection. mode: "cascade" or
    Table 5's "rpn_box" / "rpn_corner" (the RPN alone). The cascade is scored with the
    recogniser's ReadGate (pipeline.alpr) as ALPR.predict returns its plates, unless
    options.min_read_confidence is 0 (the detector alone)."""
    from alpr_jax.evaluate.detection import evaluate_detector
    cascade = mode == "cascade"
    detector = options.detector(mode)
    gate = options.read_gate()
    gated = cascade and gate.on
    if gated:
        from alpr_jax.pipeline.alpr import ALPR
        found_by = ALPR(detector, options.reader(), gate, options.auto_levels_below)
    else:
        found_by = detector
    # the RPN alone answers every photo with its top boxes: the plate-free check is the cascade's
    result = evaluate_detector(found_by, data, split, plate_free=cascade)
    stages = ("rpn",) + (("rcnn",) if cascade else ()) + (
        ("dsnt",) if cascade and options.corner_source == "dsnt" else ()) + (
        ("corner_patch",) if cascade and options.corner_patch else ()) + (
        ("recognizer",) if gated else ())
    result.update({"mode": mode, **_weights_info(options, stages),
                   "read_gate": dataclasses.asdict(gate) if gated else None,
                   "corner_source": options.corner_source if cascade else None,
                   "data": data, "split": split, "zoom": detector.options.zoom})
    return result


@register("end_to_end")
def end_to_end(data: str, options: ModelOptions = ModelOptions(), split: str = "all") -> dict:
    """The whole ALPR pipeline on labelled scenes: a plate counts when found (IoU >= 0.5) AND
    read exactly; also detection rate, false positives and ms per stage."""
    from alpr_jax.evaluate.end_to_end import evaluate_alpr
    alpr = options.alpr()
    result = evaluate_alpr(alpr, data, split)
    result.update({"data": data, "split": split, "corner_source": options.corner_source,
                   "tta": options.tta, "reread_below": options.reread_below,
                   "plate_levels_below": options.plate_levels_below,
                   "zoom": alpr.detector.options.zoom,
                   "read_gate": dataclasses.asdict(alpr.gate) if alpr.gate.on else None})
    return result


@register("single_plate")
def single_plate(data: str, options: ModelOptions = ModelOptions(), split: str = "all",
                 localizer: str | None = None) -> dict:
    """The whole-image single-plate DSNT localiser (`localizer`: a dsnt_image .npz; none is
    shipped, the cascade is the shipped detector) on photos with one plate each: corner
    error, AP@0.5..0.9, plate accuracy after rectification with options.recognizer
    (default: shipped), ms per photo."""
    from alpr_jax.evaluate.single_plate import evaluate_localizer
    from alpr_jax.pipeline.single_plate import SinglePlateLocalizer
    if not localizer:
        raise ValueError("task single_plate needs the localiser's weights (eval.py --weights): "
                         "a .npz trained with configs/dsnt_image.py")
    result = evaluate_localizer(SinglePlateLocalizer.load(localizer), data, split,
                                reader=options.reader())
    result.update({"weights": localizer, "data": data, "split": split})
    return result
