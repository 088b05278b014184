"""Prints, as a markdown table, how the detector finds real plates redrawn at each width (the
13 shared scenes scaled about their plate, alpr_jax.evaluate.plate_size):

    python scripts/plate_size_sweep.py [--data ../shared/data/ccpd_samples[:a|b]]
        [--widths 20 30 45 60 100 200 300 400 500] [--zoom auto|always|off] [--rpn FILE.npz] [--rcnn FILE.npz]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.data.annotations import read_annotations, split_records
from alpr_jax.evaluate.plate_size import size_sweep
from alpr_jax.pipeline.detector import ZOOM_POLICIES  # noqa: E402
from alpr_jax.pipeline.options import ModelOptions  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="../shared/data/ccpd_samples")
    p.add_argument("--widths", type=float, nargs="+", default=[20, 30, 45, 60, 100, 200, 300, 400, 500])
    p.add_argument("--zoom", default="auto", choices=ZOOM_POLICIES,
                   help="when the detector's 2x RPN pass for small plates runs")
    p.add_argument("--rpn", default=None)
    p.add_argument("--rcnn", default=None)
    args = p.parse_args(argv)
    path, _, split = args.data.partition(":")
    records = split_records(read_annotations(path), split or "all")
    detector = ModelOptions(rpn=args.rpn, rcnn=args.rcnn, zoom=args.zoom).detector()
    result = size_sweep(detector, records, args.widths)
    print(f"**Plates redrawn at each width, {args.data}, zoom {args.zoom}** (recall at quadrilateral "
          f"IoU; extra = detections matching no plate; ms = median detector time)\n")
    print("| plate width px | scenes | recall@0.5 | recall@0.7 | extra detections | ms |")
    print("|---|---|---|---|---|---|")
    for r in result["rows"]:
        print(f"| {r['width']:.0f} | {r['n']} | {r['recall_50']:.3f} | {r['recall_70']:.3f} | "
              f"{r['extra_detections']} | {r['ms']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
