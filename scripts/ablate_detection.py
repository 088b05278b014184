"""Evaluates the detector variants of the paper's Table 5 on the same scenes and prints the
table in markdown: "RPN only (BBox)" (the RPN's boxes as quadrilaterals), "RPN only (Corner)"
(the RPN's corner head) and the full cascade (R-CNN corners on the RPN's proposals).

    python scripts/ablate_detection.py [--rpn FILE.npz] [--rcnn FILE.npz] \
        [--data ../shared/data/ccpd_samples[:a|b] ...]

The RPN's two heads are trained together (configs/detector_rpn.py, corner_head=True), so
the three rows differ only in where the corners come from. Defaults: the shipped weights.
Every row is the paper's one-scale system (DetectorOptions.single_scale: one RPN pass, no
re-crops).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.evaluate import registry  # noqa: E402
from alpr_jax.pipeline.options import ModelOptions  # noqa: E402

ROWS = (("RPN only (BBox)", "rpn_box"), ("RPN only (Corner)", "rpn_corner"),
        ("RPN + R-CNN (ours)", "cascade"))
COLUMNS = ("ap_50", "ap_60", "ap_70", "ap_80", "ap_90", "ap_mean", "corner_error_px",
           "ms_per_image")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rpn", default=None)
    p.add_argument("--rcnn", default=None)
    p.add_argument("--data", nargs="+", default=["../shared/data/ccpd_samples"])
    p.add_argument("--json", default=None, help="also write all figures to this file")
    args = p.parse_args(argv)
    results = {}
    for spec in args.data:
        path, _, split = spec.partition(":")
        for label, mode in ROWS:
            # the paper's Table 5: R-CNN corners, one scale, no re-crops
            options = ModelOptions(rpn=args.rpn, rcnn=args.rcnn, corner_source="rcnn",
                                   single_scale=True)
            r = registry.get("detection")(path, options, split=split or "all", mode=mode)
            results[(spec, label)] = r
    for spec in args.data:
        print(f"\n**Table 5 on {spec}** (AP of quadrilaterals at each IoU; corner error of "
              f"detections matched at IoU 0.5)\n")
        print("| Method | AP@0.5 | AP@0.6 | AP@0.7 | AP@0.8 | AP@0.9 | mAP | corner err px | ms/img |")
        print("|---|" + "---|" * len(COLUMNS))
        for label, _ in ROWS:
            r = results[(spec, label)]
            cells = [f"{r[c]:.3f}" if c.startswith("ap") else f"{r[c]:.1f}" for c in COLUMNS]
            print(f"| {label} | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({f"{s}|{l}": {c: r[c] for c in COLUMNS + ("n_images", "n_plates")}
                       for (s, l), r in results.items()}, f, indent=1)


if __name__ == "__main__":
    main()
