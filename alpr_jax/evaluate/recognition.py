"""Recognition evaluator: reads every labelled plate of a dataset and scores the readings."""
from __future__ import annotations

import json
import time

import numpy as np

from alpr_jax.data import pipelines
from alpr_jax.data.annotations import read_annotations, split_records
from alpr_jax.evaluate.metrics import recognition_metrics
from alpr_jax.pipeline.reader import PlateReader

_READERS: dict[str, PlateReader] = {}


def reader_for(model_config: dict, variables: dict, tta: bool = False) -> PlateReader:
    """A PlateReader for this model config, reused across calls (compiled once)."""
    key = json.dumps(model_config, sort_keys=True) + f"|tta={tta}"
    if key not in _READERS:
        _READERS[key] = PlateReader(model_config, variables, tta=tta)
    else:
        import jax.numpy as jnp
        import jax
        _READERS[key].variables = jax.tree_util.tree_map(jnp.asarray, variables)
    return _READERS[key]


def evaluate_plates(reader: PlateReader, data: pipelines.PlateDataset) -> dict:
    """Metrics of `reader` on prepared plates, plus ms_per_plate (batches of 64, after a
    warm-up batch so compilation is not timed) and the per-plate predictions."""
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


def evaluate_dir(model_config: dict, variables: dict, path: str, split: str = "all",
                 rectify: bool = True, tta: bool = False) -> dict:
    records = split_records(read_annotations(path), split)
    data = pipelines.load_plate_dataset(records, rectify=rectify)
    return evaluate_plates(reader_for(model_config, variables, tta), data)
