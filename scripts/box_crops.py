"""Plates handed on as boxes: every labelled plate of a scene folder cut by its axis-aligned box
(the bounds of its corners, or EasyPR's box), as a box detector (a YOLO plate model) would
cut it, then read whole by the recogniser and by ALPR.read_plate (`alpr predict --crops`:
also straightened by the corners the detector's re-crops find in the cut). Prints both.

    python scripts/box_crops.py [--data ../shared/data/easypr_dev] [--split all|a|b]
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.data.annotations import read_annotations, split_records  # noqa: E402
from alpr_jax.data.images import read_image  # noqa: E402
from alpr_jax.data.preprocess import plate_input  # noqa: E402
from alpr_jax.evaluate.metrics import recognition_metrics  # noqa: E402
from alpr_jax.geometry.boxes import corner_bounds  # noqa: E402
from alpr_jax.pipeline.options import ModelOptions  # noqa: E402


def box_cuts(records) -> tuple[list[np.ndarray], list[str]]:
    """Every labelled plate's box cut from its photo (uint8 [h, w, 3], at least 4 px a side)
    and its text."""
    cuts, texts = [], []
    for record in records:
        image = read_image(record.path)
        for plate in record.plates:
            box = plate.bbox if plate.corners is None else corner_bounds(plate.corners)
            x1, y1 = np.maximum(np.round(box[:2]).astype(int), 0)
            x2, y2 = np.round(box[2:]).astype(int)
            cut = np.ascontiguousarray(image[y1:y2, x1:x2])
            if plate.text and min(cut.shape[:2]) >= 4:
                cuts.append(cut)
                texts.append(plate.text)
    return cuts, texts


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="../shared/data/easypr_dev")
    p.add_argument("--split", default="all", choices=["all", "a", "b"])
    args = p.parse_args(argv)
    cuts, texts = box_cuts(split_records(read_annotations(args.data), args.split))
    if not cuts:
        p.error(f"{args.data}: no labelled plates")
    alpr = ModelOptions().alpr()
    whole = [r.text for r in alpr.reader.read(np.stack([plate_input(c, None) for c in cuts]))]
    located = [alpr.read_plate(c).plates[0].text for c in cuts]
    out = {"data": args.data, "split": args.split, "n": len(texts)}
    for name, preds in (("whole", whole), ("read_plate", located)):
        m = recognition_metrics(preds, texts)
        out[name] = {k: round(m[k], 4) for k in ("acc", "acc_1", "acc_1e")}
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
