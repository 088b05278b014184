"""Mine the fixed RPN's proposals on labelled training photos, for R-CNN training.

    python scripts/mine_proposals.py --data runs/scenes_3k [--rpn FILE.npz]
    python scripts/mine_proposals.py --data ../shared/data/ccpd_samples:a --out runs/mined/samples_a.jsonl

Runs the RPN stage of the detector (letterbox -> RPN -> NMS, each pyramid pass up to 2x, merged
into the top max_rois, exactly as at inference with zoom "always") on every photo of DIR, and again on each of its plate-free views (the bands above,
between and below the plates and the columns beside them: geometry.boxes.plate_free_views),
and writes DIR/rpn_proposals.jsonl or --out (alpr_jax.data.mined_proposals; DIR:a / DIR:b
mines one half). The plate-free views
matter: on a whole photo the top RoIs crowd round the plate, so a grille or badge elsewhere is
never among them; in a photo without a plate (the case the detector must answer with nothing)
it is the top RoI. A config's data.mined_files (configs/detector_rcnn.py:mined)
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
from alpr_jax.data.annotations import read_split  # noqa: E402
from alpr_jax.data.images import ImageReadError, read_image  # noqa: E402
from alpr_jax.geometry import boxes as box_ops  # noqa: E402


def miner(rpn_path: str | None = None):
    """The RPN stage the proposals are mined with: the pyramid's passes up to 2x on every
    photo, as the R-CNN must reject what they propose (4x, 16 times the 1x pass's time, runs
    on few photos and is left out)."""
    from alpr_jax.pipeline.detector import DetectorOptions, PlateDetector
    return PlateDetector.load(rpn_path, mode="rpn_box",
                              options=DetectorOptions(zoom="always", scales=(0.5, 1.0, 2.0)))


def mine(data_spec: str, rpn_path: str | None = None, progress: bool = True,
         out_path: str | None = None, limit: int = 0) -> tuple[int, list]:
    """Writes the mined file of data_spec ("DIR" or "DIR:a" / "DIR:b") to out_path (default
    DIR/rpn_proposals.jsonl), for its first `limit` photos (0: all; the others train on
    simulated proposals alone); returns (photos mined, [(path, error), ...])."""
    data_dir = data_spec.partition(":")[0]
    detector = miner(rpn_path)
    records = [r for r in read_split(data_spec) if not r.is_crop]
    records = records[:limit] if limit > 0 else records
    if not records:
        raise ValueError(f"{data_spec}: no labelled photos to mine proposals on")
    out_path = out_path or mined_proposals.default_path(data_dir)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
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
    parser.add_argument("--out", default=None,
                        help="where to write (default DIR/rpn_proposals.jsonl)")
    parser.add_argument("--limit", type=int, default=0,
                        help="mine only the first N photos (0: all)")
    args = parser.parse_args(argv)
    out = args.out or mined_proposals.default_path(args.data.partition(":")[0])
    done, failures = mine(args.data, args.rpn, out_path=out, limit=args.limit)
    for path, error in failures:
        print(f"{path}: {error}", file=sys.stderr)
    print(f"wrote {out}: {done} photos, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
