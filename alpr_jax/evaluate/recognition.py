"""Recognition evaluator: reads every labelled plate of a dataset and scores the readings."""
from __future__ import annotations

import time

from alpr_jax.data.annotations import read_annotations, split_records
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


def evaluate_dir(reader, path: str, split: str = "all", rectify: bool = True) -> dict:
    """evaluate_plates on every labelled plate of a dataset (crops: the whole image; scenes:
    cut by the ground-truth corners, or by their bounds when not rectify)."""
    records = split_records(read_annotations(path), split)
    return evaluate_plates(reader, load_plate_dataset(records, rectify=rectify))
