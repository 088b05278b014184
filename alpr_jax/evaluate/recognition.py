"""Recognition evaluator: reads every labelled plate of a dataset and scores the readings."""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from alpr_jax import plates
from alpr_jax.data import augment, generate, input_pipeline
from alpr_jax.data.annotations import read_annotations, split_records
from alpr_jax.data.images import ImageReadError, read_image
from alpr_jax.data.real_plates import PlateDataset, load_plate_dataset
from alpr_jax.evaluate.metrics import recognition_metrics


def evaluate_plates(reader, data: PlateDataset) -> dict:
    """Metrics of `reader` (pipeline.reader.PlateReader) on prepared plates, plus ms_per_plate
    (batches of 64, after a warm-up batch so compilation is not timed) and the per-plate
    predictions."""
    if len(data.texts):
        reader.read(data.images[:1])            # compile outside the timed region
        reader.read(data.images[:64])
    t0 = time.perf_counter()
    readings = reader.read(data.images)
    elapsed = time.perf_counter() - t0
    preds = [r.text for r in readings]
    result = recognition_metrics(preds, data.texts)
    result["ms_per_plate"] = 1000.0 * elapsed / max(len(preds), 1)
    result["errors"] = list(data.errors)
    result["predictions"] = [{"file": s, "target": t, "prediction": p}
                             for s, t, p in zip(data.sources, data.texts, preds)]
    return result


def evaluate_dir(reader, path: str, split: str = "all", rectify: bool = True,
                 make_alpr=None) -> dict:
    """evaluate_plates on every labelled plate of a dataset (crops: the whole image; scenes:
    cut by the ground-truth corners, or by their bounds when not rectify). With make_alpr
    (() -> pipeline.alpr.ALPR, called only for a crop dataset), also "read_plate": the crops
    as `alpr predict --crops` reads them (evaluate_read_plate)."""
    records = split_records(read_annotations(path), split)
    result = evaluate_plates(reader, load_plate_dataset(records, rectify=rectify))
    if make_alpr is not None and records and all(r.is_crop for r in records):
        result["read_plate"] = evaluate_read_plate(make_alpr(), records)
    return result


def evaluate_read_plate(alpr, records) -> dict:
    """Crop records (one plate each) read by ALPR.read_plate, each crop whole and, with a
    cascade detector, straightened by the corners found in it -> recognition_metrics, with
    ms_per_plate (one at a time, after a warm-up crop) and the per-plate predictions.
    Unreadable files are skipped (evaluate_plates reports them)."""
    items = []
    for record in records:
        try:
            items.append((record.path, record.plates[0].text, read_image(record.path)))
        except ImageReadError:
            continue
    if items:
        alpr.read_plate(items[0][2])                  # compile outside the timed region
    t0 = time.perf_counter()
    preds = [alpr.read_plate(image).plates[0].text for _, _, image in items]
    elapsed = time.perf_counter() - t0
    result = recognition_metrics(preds, [t for _, t, _ in items])
    result["ms_per_plate"] = 1000.0 * elapsed / max(len(preds), 1)
    result["predictions"] = [{"file": s, "target": t, "prediction": p}
                             for (s, t, _), p in zip(items, preds)]
    return result


# The camera effects synthetic plates are drawn with in evaluate_synthetic_kinds: "full" is
# training's (augment.PLATE_AUGMENT: a third of the plates downsampled up to 3.5x, 8% night,
# 10% glare, blur, noise, JPEG); "moderate" the same without the downsampling, night and
# glare; "none" the plate as drawn. Each row of the README's kinds table under each, so a
# network's reading of a kind can be told from the camera's share of the misreads.
CAMERA_EFFECTS = {
    "full": augment.PLATE_AUGMENT,
    "moderate": dataclasses.replace(augment.PLATE_AUGMENT, p_low_res=0.0, p_night=0.0,
                                    p_glare=0.0),
    "none": augment.NO_AUGMENT,
}


def synthetic_kind_configs(camera: str = "full") -> dict:
    """name -> PlateConfig drawing only that kind of plate: the four colours (one row), two-row
    yellow plates and each of plates.PLATE_KINDS, with CAMERA_EFFECTS[camera]."""
    if camera not in CAMERA_EFFECTS:
        raise ValueError(f"camera must be one of {sorted(CAMERA_EFFECTS)}, got {camera!r}")
    base = dataclasses.replace(generate.PlateConfig(), p_kind=0.0, p_two_row=0.0,
                               augment=CAMERA_EFFECTS[camera])
    out = {}
    for i, name in enumerate(plates.PLATE_TYPES):
        out[name] = dataclasses.replace(base, type_probs=tuple(
            float(j == i) for j in range(len(plates.PLATE_TYPES))))
    out["two_row"] = dataclasses.replace(base, type_probs=(0.0, 1.0, 0.0, 0.0), p_two_row=1.0)
    for kind in plates.PLATE_KINDS:
        out[kind] = dataclasses.replace(base, p_kind=1.0, kinds=(kind,))
    return out


def kind_colour(kind: str, text: str) -> str:
    """The colour a plate of synthetic_kind_configs' `kind` with `text` is drawn in."""
    if kind in plates.PLATE_TYPES:
        return kind
    return "yellow" if kind == "two_row" else plates.plate_type_of_text(text)


def synthetic_kind_plates(kind: str, count: int, seed: int = 123, camera: str = "full"
                          ) -> tuple[np.ndarray, list[str]]:
    """`count` synthetic plates of one of synthetic_kind_configs' kinds, as the recogniser
    reads them (rectified from jittered corners; two-row ones stitched) -> (uint8 [count,
    48, 120, 3], their texts). Each kind draws from its own seed, seed + 1000 x its place;
    camera: CAMERA_EFFECTS' key."""
    configs = synthetic_kind_configs(camera)
    if kind not in configs:
        raise ValueError(f"unknown plate kind {kind!r}; expected one of {sorted(configs)}")
    k = list(configs).index(kind)
    cfg = input_pipeline.RecognitionInputConfig(p_box_crop=0.0, plate=configs[kind])
    examples = [input_pipeline.recognition_example(seed + 1000 * k, i, cfg) for i in range(count)]
    return (np.stack([e[0] for e in examples]),
            [plates.decode_indices(e[1]) for e in examples])


def evaluate_synthetic_kinds(reader, count: int = 200, seed: int = 123,
                             kinds: tuple[str, ...] | None = None, camera: str = "full"
                             ) -> dict:
    """Reads `count` synthetic plates of each kind (synthetic_kind_configs, or those of them
    named in kinds; rectified from jittered corners, as in training, from a seed no training
    set uses; two-row plates by the reader's two-row network where it has one) -> {kind:
    metrics}; "plate_type": the share whose pipeline.alpr.plate_type (from the plate and its
    reading) is the colour it was drawn in. A kind's plates depend on (kind, count, seed,
    camera) only, not on which other kinds are read. camera: CAMERA_EFFECTS' key."""
    from alpr_jax.pipeline.alpr import plate_type
    names = list(synthetic_kind_configs(camera))
    unknown = sorted(set(kinds or ()) - set(names))
    if unknown:
        raise ValueError(f"unknown plate kinds {unknown}; known: {names}")
    out = {}
    for name in (n for n in names if kinds is None or n in kinds):
        images, targets = synthetic_kind_plates(name, count, seed, camera)
        readings = reader.read(images, two_row=name == "two_row")
        metrics = recognition_metrics([r.text for r in readings], targets)
        out[name] = {key: metrics[key] for key in ("n", "acc", "acc_1", "acc_1e")}
        out[name]["plate_type"] = float(np.mean(
            [plate_type(im, r.text) == kind_colour(name, t)
             for im, r, t in zip(images, readings, targets)]))
    return out
