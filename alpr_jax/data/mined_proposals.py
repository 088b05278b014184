"""The fixed RPN's proposals mined on labelled training photos, for R-CNN (and DSNT) training:
a .jsonl (by default DIR/rpn_proposals.jsonl beside the photos; elsewhere for read-only
data), one line per photo, {"path": file name relative to DIR, "boxes": [[x1, y1, x2, y2],
...] (original px), "scores": [...], "views": plate-free views mined}.
`scripts/mine_proposals.py` writes it; a config's data.mined_files (one per train_dirs entry)
attaches it to the records, and data.proposals draws labelled boxes from it.
"""
from __future__ import annotations

import dataclasses
import json
import os

import numpy as np

from alpr_jax.data.annotations import ImageRecord

FILE_NAME = "rpn_proposals.jsonl"


def row(data_dir: str, image_path: str, boxes: np.ndarray, scores: np.ndarray, views: int
        ) -> str:
    """One line of the mined file for the photo at image_path (boxes [M, 4], scores [M])."""
    return json.dumps({"path": os.path.relpath(image_path, data_dir),
                       "boxes": np.round(boxes, 2).tolist(),
                       "scores": np.round(scores, 4).tolist(), "views": int(views)}) + "\n"


def default_path(data_dir: str) -> str:
    return os.path.join(data_dir, FILE_NAME)


def attach(records: tuple[ImageRecord, ...], data_dir: str, path: str | None = None
           ) -> tuple[ImageRecord, ...]:
    """records of data_dir with meta["rpn_proposals"] float32 [M, 4] from the mined file at
    `path` (default: default_path(data_dir)). Raises if the file is missing or matches none
    of the records, so a config asking for mined proposals cannot silently train without
    them. Paths are compared absolute: records read from a labels.jsonl carry absolute paths
    whatever form data_dir was given in."""
    path = path or default_path(data_dir)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no mined proposals; run python "
                                f"scripts/mine_proposals.py --data {data_dir} --out {path}")
    mined = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            entry = json.loads(line)
            mined[os.path.abspath(os.path.join(data_dir, entry["path"]))] = np.asarray(
                entry["boxes"], np.float32).reshape(-1, 4)
    out = []
    for r in records:
        boxes = mined.get(os.path.abspath(r.path))
        out.append(r if boxes is None else
                   dataclasses.replace(r, meta={**r.meta, "rpn_proposals": boxes}))
    if records and not any("rpn_proposals" in r.meta for r in out):
        raise ValueError(f"{path}: names none of the {len(records)} photos of {data_dir}; "
                         f"mined for another folder? rerun scripts/mine_proposals.py")
    return tuple(out)
