"""Mine the fixed RPN's proposals on labelled training photos, for R-CNN training.

    python scripts/mine_proposals.py --data runs/scenes_3k [--rpn FILE.npz]

Runs the RPN stage of the detector (letterbox -> RPN -> NMS -> top num_rois, exactly as at
inference) on every photo of DIR, and again on each of its plate-free views (the bands above,
between and below the plates and the columns beside them: geometry.boxes.plate_free_views),
and writes DIR/rpn_proposals.jsonl (alpr_jax.data.mined_proposals). The plate-free views
matter: on a whole photo the top RoIs crowd round the plate, so a grille or badge elsewhere is
never among them; in a photo without a plate (the case the detector must answer with nothing)
it is the top RoI. A config with data.mined_proposals = True (configs/detector_rcnn.py:mined)
then draws part of its training proposals from these, so the RPN's real false positives -
grilles, badges, printed text - become its negatives, as in the paper's training on the fixed
RPN's output. Photos that cannot be read are reported and skipped; a rerun redoes the folder.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from tqdm import tqdm

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.data import mined_proposals  # noqa: E402
from alpr_jax.data.annotations import read_annotations  # noqa: E402
from alpr_jax.data.images import ImageReadError, read_image  # noqa: E402
from alpr_jax.geometry import boxes as box_ops  # noqa: E402


def mine(data_dir: str, rpn_path: str | None = None, progress: bool = True) -> tuple[int, list]:
    """Writes data_dir/rpn_proposals.jsonl; returns (photos mined, [(path, error), ...])."""
    from alpr_jax.pipeline.detector import PlateDetector
    detector = PlateDetector.load(rpn_path, mode="rpn_box")
    records = [r for r in read_annotations(data_dir) if not r.is_crop]
    if not records:
        raise ValueError(f"{data_dir}: no labelled photos to mine proposals on")
    out_path = os.path.join(data_dir, mined_proposals.FILE_NAME)
    failures, done = [], 0
    with open(out_path + ".tmp", "w", encoding="utf-8") as f:
        for record in tqdm(records, desc="mine RPN proposals", disable=not progress):
            try:
                image = read_image(record.path)
            except ImageReadError as e:
                failures.append((record.path, str(e)))
                continue
            scores, boxes, _ = detector.proposals(image)
            plates = [p.box() for p in record.plates if p.box() is not None]
            views = box_ops.plate_free_views(image.shape[:2], np.asarray(plates, np.float32))
            all_scores, all_boxes = [scores], [boxes]
            for x1, y1, x2, y2 in views:
                s, b, _ = detector.proposals(np.ascontiguousarray(image[y1:y2, x1:x2]))
                all_scores.append(s)
                all_boxes.append(b + np.array([x1, y1, x1, y1], np.float32))
            f.write(mined_proposals.row(data_dir, record.path, np.concatenate(all_boxes),
                                        np.concatenate(all_scores), len(views)))
            done += 1
    os.replace(out_path + ".tmp", out_path)     # never a half-written file under the real name
    return done, failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="folder of labelled photos (labels.jsonl, CCPD)")
    parser.add_argument("--rpn", default=None, help="RPN .npz (default: the shipped one)")
    args = parser.parse_args(argv)
    done, failures = mine(args.data, args.rpn)
    for path, error in failures:
        print(f"{path}: {error}", file=sys.stderr)
    print(f"wrote {os.path.join(args.data, mined_proposals.FILE_NAME)}: {done} photos, "
          f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
