"""Mine the fixed RPN's proposals on labelled training photos, for R-CNN training.

    python -m alpr_jax.train.mine_proposals --data runs/scenes_3k [--rpn FILE.npz]

Runs the RPN stage of the detector (letterbox -> RPN -> NMS -> top num_rois, exactly as at
inference) on every photo of DIR, and again on each of its plate-free views (the bands above,
between and below the plates and the columns beside them: geometry.boxes.plate_free_views),
and writes
DIR/rpn_proposals.jsonl, one line per photo: {"path": file name, "boxes": [[x1, y1, x2, y2],
...] (original px), "scores": [...], "views": number of plate-free views mined}.
The plate-free views matter: on a whole photo the top RoIs crowd round the plate, so a
grille or badge elsewhere is never among them; in a photo without a plate (the case the
detector must answer with nothing) it is the top RoI.
An R-CNN config with data.mined_proposals = True then draws part of its training proposals
from these (alpr_jax.data.proposals), so the RPN's real false positives - grilles, badges,
printed text - become its negatives, as in the paper's training on the fixed RPN's output.
Photos that cannot be read are reported and skipped; a rerun redoes the whole folder.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys

import numpy as np
from tqdm import tqdm

from alpr_jax.data.annotations import ImageRecord, read_annotations
from alpr_jax.data.images import ImageReadError, read_image
from alpr_jax.geometry import boxes as box_ops

FILE_NAME = "rpn_proposals.jsonl"


def mine(data_dir: str, rpn_path: str | None = None, progress: bool = True) -> tuple[int, list]:
    """Writes data_dir/rpn_proposals.jsonl; returns (photos mined, [(path, error), ...])."""
    from alpr_jax.pipeline.detector import PlateDetector
    detector = PlateDetector.load(rpn_path, mode="rpn_box")
    records = [r for r in read_annotations(data_dir) if not r.is_crop]
    if not records:
        raise ValueError(f"{data_dir}: no labelled photos to mine proposals on")
    out_path = os.path.join(data_dir, FILE_NAME)
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
            f.write(json.dumps({"path": os.path.relpath(record.path, data_dir),
                                "boxes": np.round(np.concatenate(all_boxes), 2).tolist(),
                                "scores": np.round(np.concatenate(all_scores), 4).tolist(),
                                "views": len(views)}) + "\n")
            done += 1
    os.replace(out_path + ".tmp", out_path)     # never a half-written file under the real name
    return done, failures


def attach(records: tuple[ImageRecord, ...], data_dir: str) -> tuple[ImageRecord, ...]:
    """records of data_dir with meta["rpn_proposals"] float32 [M, 4] from its mined file.
    Raises if the file is missing or matches none of the records, so a config asking for
    mined proposals cannot silently train without them. Paths are compared absolute: records
    read from a labels.jsonl carry absolute paths whatever form data_dir was given in."""
    path = os.path.join(data_dir, FILE_NAME)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no mined proposals; run python -m "
                                f"alpr_jax.train.mine_proposals --data {data_dir}")
    mined = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            mined[os.path.abspath(os.path.join(data_dir, row["path"]))] = np.asarray(
                row["boxes"], np.float32).reshape(-1, 4)
    out = []
    for r in records:
        boxes = mined.get(os.path.abspath(r.path))
        out.append(r if boxes is None else
                   dataclasses.replace(r, meta={**r.meta, "rpn_proposals": boxes}))
    if records and not any("rpn_proposals" in r.meta for r in out):
        raise ValueError(f"{path}: names none of the {len(records)} photos of {data_dir}; "
                         f"mined for another folder? rerun mine_proposals")
    return tuple(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="folder of labelled photos (labels.jsonl, CCPD)")
    parser.add_argument("--rpn", default=None, help="RPN .npz (default: the shipped one)")
    args = parser.parse_args(argv)
    done, failures = mine(args.data, args.rpn)
    for path, error in failures:
        print(f"{path}: {error}", file=sys.stderr)
    print(f"wrote {os.path.join(args.data, FILE_NAME)}: {done} photos, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
