"""Mine the fixed RPN's proposals on labelled training photos, for R-CNN training.

    python -m alpr_jax.train.mine_proposals --data runs/scenes_3k [--rpn FILE.npz]

Runs the RPN stage of the detector (letterbox -> RPN -> NMS -> top num_rois, exactly as at
inference) on every photo of DIR and writes DIR/rpn_proposals.jsonl, one line per photo:
{"path": file name, "boxes": [[x1, y1, x2, y2], ...] (original px), "scores": [...]}.
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
            f.write(json.dumps({"path": os.path.relpath(record.path, data_dir),
                                "boxes": np.round(boxes, 2).tolist(),
                                "scores": np.round(scores, 4).tolist()}) + "\n")
            done += 1
    os.replace(out_path + ".tmp", out_path)     # never a half-written file under the real name
    return done, failures


def attach(records: tuple[ImageRecord, ...], data_dir: str) -> tuple[ImageRecord, ...]:
    """records of data_dir with meta["rpn_proposals"] float32 [M, 4] from its mined file.
    Raises if the file is missing, so a config asking for mined proposals cannot silently
    train without them."""
    path = os.path.join(data_dir, FILE_NAME)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no mined proposals; run python -m "
                                f"alpr_jax.train.mine_proposals --data {data_dir}")
    mined = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            mined[os.path.normpath(os.path.join(data_dir, row["path"]))] = np.asarray(
                row["boxes"], np.float32).reshape(-1, 4)
    out = []
    for r in records:
        boxes = mined.get(os.path.normpath(r.path))
        out.append(r if boxes is None else
                   dataclasses.replace(r, meta={**r.meta, "rpn_proposals": boxes}))
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
