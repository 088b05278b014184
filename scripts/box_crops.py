"""Plates handed on as boxes: every labelled plate of a scene folder given by its axis-aligned
box (the bounds of its corners, or EasyPR's box), as a box detector (a YOLO plate model)
would give it. Prints the share read exactly (and province right, at most one character
wrong) three ways: the box cut out and read whole by the recogniser ("whole"); the cut read
by ALPR.read_plate (`alpr predict --crops`: also straightened by the corners the detector's
re-crops find in the cut); the photo and the box given to ALPR.read_boxes (the same, the
re-crops seeing the photo round the box).

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


def labelled_boxes(records) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, str]]:
    """Every labelled plate with text: (its photo uint8 [H, W, 3], its box [4], the box cut
    out uint8 [h, w, 3], its text); boxes under 4 px a side inside the photo are left out."""
    out = []
    for record in records:
        image = read_image(record.path)
        for plate in record.plates:
            box = plate.bbox if plate.corners is None else corner_bounds(plate.corners)
            x1, y1 = np.maximum(np.round(box[:2]).astype(int), 0)
            x2, y2 = np.round(box[2:]).astype(int)
            cut = np.ascontiguousarray(image[y1:y2, x1:x2])
            if plate.text and min(cut.shape[:2]) >= 4:
                out.append((image, np.asarray(box, np.float32), cut, plate.text))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="../shared/data/easypr_dev")
    p.add_argument("--split", default="all", choices=["all", "a", "b"])
    args = p.parse_args(argv)
    plates = labelled_boxes(split_records(read_annotations(args.data), args.split))
    if not plates:
        p.error(f"{args.data}: no labelled plates")
    alpr = ModelOptions().alpr()
    texts = [t for *_, t in plates]
    whole = [r.text for r in alpr.reader.read(np.stack([plate_input(c, None)
                                                        for _, _, c, _ in plates]))]
    cut = [alpr.read_plate(c).plates[0].text for _, _, c, _ in plates]
    boxed = [alpr.read_boxes(image, box[None]).plates[0].text for image, box, _, _ in plates]
    out = {"data": args.data, "split": args.split, "n": len(texts)}
    for name, preds in (("whole", whole), ("read_plate", cut), ("read_boxes", boxed)):
        m = recognition_metrics(preds, texts)
        out[name] = {k: round(m[k], 4) for k in ("acc", "acc_1", "acc_1e")}
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
