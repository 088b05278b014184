"""How far a reading's `confidence` can be trusted: over the labelled plates of some folders
that the shipped pipeline finds, for each confidence threshold the share of found plates
kept and the share of those read exactly, as a markdown table (a user who must not act on a
wrong plate, e.g. a barrier, picks the row that suits them).

    python scripts/confidence_table.py [--data ../shared/data/easypr_dev --data ...]
        [--thresholds 0 0.08 0.15 0.3 0.5 0.8 0.9 0.95] [flags of alpr predict]

Scene folders are read photo -> text (found: matched as the end-to-end evaluator matches,
evaluate.end_to_end.matched_photos); crop folders plate by plate as `alpr predict --crops`
reads them (ALPR.read_plate). Detections matching no labelled plate are left out: the read
gate (`--min-read-confidence`) is what drops those.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from alpr_jax.data.annotations import read_annotations, split_records  # noqa: E402
from alpr_jax.data.images import ImageReadError, read_image  # noqa: E402
from alpr_jax.evaluate.detection import labels_have_corners  # noqa: E402
from alpr_jax.evaluate.end_to_end import matched_photos  # noqa: E402
from alpr_jax.pipeline import options  # noqa: E402

DATA = ["../shared/data/easypr_dev", "../shared/data/ccpd_600/test", "../shared/data/plate_crops:b"]
THRESHOLDS = [0.0, 0.08, 0.15, 0.3, 0.5, 0.8, 0.9, 0.95]


def found_readings(alpr, path: str) -> list[tuple[float, bool]]:
    """(confidence, read exactly) of every labelled plate of `path` ("folder[:a|b]") that the
    pipeline finds; a photo that cannot be read is reported and skipped."""
    folder, _, split = path.partition(":")
    records = split_records(read_annotations(folder), split or "all")
    scenes = [r for r in records if not r.is_crop]
    out = []
    for record in records:
        if not record.is_crop:
            continue
        try:
            plates = alpr.read_plate(read_image(record.path)).plates
        except ImageReadError as e:
            print(f"skipped: {e}", file=sys.stderr)
            continue
        if plates and record.plates[0].text:
            out.append((plates[0].confidence, plates[0].text == record.plates[0].text))
    for record, _, plates, _, _, which in matched_photos(alpr, scenes,
                                                         not labels_have_corners(scenes)):
        for j, gt in enumerate(record.plates):
            hit = np.flatnonzero(which == j)
            if gt.text and len(hit):
                p = plates[int(hit[0])]
                out.append((p.confidence, p.text == gt.text))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", action="append", default=None,
                   help="folder[:a|b], repeatable (default: easypr_dev, ccpd_600/test and "
                        "plate_crops half b, none of them trained on)")
    p.add_argument("--thresholds", type=float, nargs="+", default=THRESHOLDS)
    options.add_arguments(p)
    args = p.parse_args(argv)
    if any(not 0 <= t <= 1 for t in args.thresholds):
        p.error("--thresholds must lie in [0, 1]")
    alpr = options.from_args(args).alpr()
    for path in args.data or DATA:
        rows = found_readings(alpr, path)
        conf = np.array([c for c, _ in rows])
        right = np.array([r for _, r in rows], bool)
        print(f"\n**{path}**: {len(rows)} plates found, {int(right.sum())} read exactly\n")
        print("| confidence at least | plates kept | share kept | read exactly among kept | "
              "wrong among kept |")
        print("|---|---|---|---|---|")
        for t in args.thresholds:
            keep = conf >= t
            n = int(keep.sum())
            acc = float(right[keep].mean()) if n else float("nan")
            print(f"| {t:g} | {n} | {n / max(len(rows), 1):.3f} | {acc:.3f} | "
                  f"{int((keep & ~right).sum())} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
