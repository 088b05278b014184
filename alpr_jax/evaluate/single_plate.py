"""Single-plate evaluator: the whole-image DSNT localiser on photos that hold one plate each
(CCPD): corner error over all photos, AP of the quadrilaterals (one prediction per photo, so
AP@t is the share of photos whose quadrilateral reaches IoU t), plate accuracy after
rectification, speed."""
from __future__ import annotations

import numpy as np

from alpr_jax.data.annotations import PlateLabel, read_annotations, split_records
from alpr_jax.data.preprocess import plate_input
from alpr_jax.evaluate.detection import detection_metrics, timed_runs
from alpr_jax.evaluate.metrics import recognition_metrics


def evaluate_localizer(localizer, path: str, split: str = "all", reader=None) -> dict:
    """localizer: pipeline.single_plate.SinglePlateLocalizer; reader: a pipeline.reader
    .PlateReader to also read each plate rectified by the predicted corners (plate_acc).
    Photos without exactly one labelled plate with corners are skipped and counted."""
    records = [r for r in split_records(read_annotations(path), split) if not r.is_crop]
    usable = [r for r in records if len(r.plates) == 1 and r.plates[0].corners is not None]
    per_image, errors, times, preds, targets = [], [], [], [], []
    for record, image, corners in timed_runs(usable, localizer.locate, errors, times):
        gt = record.plates[0]
        per_image.append((corners[None], np.ones(1, np.float32),
                          np.asarray(gt.corners, np.float32)[None]))
        if reader is not None and gt.text:
            plate = plate_input(image, PlateLabel(gt.text, corners, None))
            preds.append(reader.read(plate[None])[0].text), targets.append(gt.text)
    if not per_image:
        raise ValueError(f"{path}: no photo with exactly one plate with corners")
    out = detection_metrics(per_image)
    # every photo has its one prediction, so the corner error is over all of them (not only
    # those matched at IoU 0.5, as for the cascade)
    errors_px = np.concatenate([np.linalg.norm(q[0] - g[0], axis=-1) for q, _, g in per_image])
    out.update(corner_error_px=float(errors_px.mean()),
               corner_error_p90_px=float(np.percentile(errors_px, 90)))
    out.update(n_images=len(per_image), skipped=len(records) - len(usable), errors=errors,
               ms_per_image=1e3 * float(np.mean(times)))
    if reader is not None:
        out["plate_acc"] = recognition_metrics(preds, targets)["acc"]
    return out
