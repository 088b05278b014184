"""Prints, as markdown tables, how the detector finds real plates redrawn at each width (the
13 shared scenes scaled about their plate, alpr_jax.evaluate.plate_size), on canvases of the
scenes' own size (720x1160) and of a 1920x1080 photo (the scenes shrunk into it and padded, or
enlarged and cut):

    python scripts/plate_size_sweep.py [--data ../shared/data/ccpd_samples[:a|b]]
        [--widths 20 30 45 60 100 150 200 300 400 500 650 800 1000 1400]
        [--canvas 1160x720 --canvas 1080x1920] [--read] [flags of alpr predict]

--read: also the share of the views the whole pipeline (ALPR.predict) finds and reads exactly.

Widths over 90% of a canvas's width are skipped on it.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.data.annotations import read_split  # noqa: E402
from alpr_jax.evaluate.plate_size import size_sweep  # noqa: E402
from alpr_jax.pipeline import options  # noqa: E402

WIDTHS = [20, 30, 45, 60, 100, 150, 200, 300, 400, 500, 650, 800, 1000, 1400]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="../shared/data/ccpd_samples")
    p.add_argument("--widths", type=float, nargs="+", default=WIDTHS)
    p.add_argument("--canvas", type=options.hw_arg, action="append", default=None,
                   help="HxW of the redrawn photo (repeatable; default 1160x720 and 1080x1920)")
    p.add_argument("--read", action="store_true",
                   help="also read each view with the whole pipeline (found AND read)")
    options.add_arguments(p)
    args = p.parse_args(argv)
    records = read_split(args.data)
    model_options = options.from_args(args)
    detector = model_options.detector()
    alpr = None
    if args.read:
        from alpr_jax.pipeline.alpr import ALPR
        alpr = ALPR(detector, model_options.reader(), model_options.read_gate(),
                    model_options.auto_levels_below)
    canvases = args.canvas or [(1160, 720), (1080, 1920)]
    for hw in canvases:
        widths = [w for w in args.widths if w <= 0.9 * hw[1]]
        result = size_sweep(detector, records, widths, out_hw=hw, alpr=alpr)
        print(f"\n**Plates redrawn at each width on a {hw[1]}x{hw[0]} photo, {args.data}, "
              f"zoom {detector.options.zoom}, scales {detector.options.passes(True)}** (recall at "
              f"quadrilateral IoU; extra = detections matching no plate; ms = median detector "
              f"time{'; read = found and read exactly by the whole pipeline' if alpr else ''})\n")
        read = " read |" if alpr else ""
        print("| plate width px | scenes | recall@0.5 | recall@0.7 | extra detections | ms |" + read)
        print("|---|---|---|---|---|---|" + ("---|" if alpr else ""))
        for r in result["rows"]:
            print(f"| {r['width']:.0f} | {r['n']} | {r['recall_50']:.3f} | {r['recall_70']:.3f} | "
                  f"{r['extra_detections']} | {r['ms']:.0f} |"
                  + (f" {r['read']:.3f} |" if alpr else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
