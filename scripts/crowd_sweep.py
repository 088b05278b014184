"""How many plates of a crowded photo are found and read: ccpd_600/test scenes (never trained
on) tiled rows x cols into one 1920x1080 photo (evaluate.crowd), 2 to 50 plates, with the
detector's crowd rule (DetectorOptions.crowd_plates, the default) and without it (0: the
paper's RoI caps), as a markdown table.

    python scripts/crowd_sweep.py [--data ../shared/data/ccpd_600/test] [--grids 1x2,2x4,3x6,4x8,5x10]
        [--pre-nms N]     # the RPN's anchors kept per pass (default the shipped 300)
"""
import argparse
import dataclasses
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.data.annotations import read_annotations  # noqa: E402
from alpr_jax.evaluate.crowd import crowd_row  # noqa: E402
from alpr_jax.pipeline.alpr import ALPR  # noqa: E402
from alpr_jax.pipeline.detector import PlateDetector  # noqa: E402
from alpr_jax.pipeline.options import ModelOptions  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="../shared/data/ccpd_600/test")
    p.add_argument("--grids", default="1x2,2x4,3x6,4x8,5x10", help="rows x cols of each photo")
    p.add_argument("--pre-nms", type=int, default=0, help="RPN anchors kept per pass (0: shipped)")
    args = p.parse_args(argv)
    if args.pre_nms < 0:
        p.error("--pre-nms must be >= 0")
    try:
        grids = [tuple(int(v) for v in g.split("x")) for g in args.grids.split(",")]
    except ValueError:
        p.error(f"--grids must be ROWSxCOLS,..., got {args.grids!r}")
    records = read_annotations(args.data)
    options = ModelOptions()
    detector_options = options.detector_options()
    if args.pre_nms:
        detector_options = dataclasses.replace(detector_options, pre_nms=args.pre_nms)
    alpr = ALPR(PlateDetector.load(options.rpn, options.rcnn, "cascade", detector_options,
                                   options.corner_source, options.dsnt, options.backend),
                options.reader(), options.read_gate())
    shipped = alpr.detector.options
    print(f"{args.data} scenes tiled into one 1920x1080 photo; found at quadrilateral IoU 0.5 "
          f"(0.7), read = found and read exactly; warm ms; RPN pre_nms "
          f"{detector_options.pre_nms}\n")
    print("| plates | width px | crowd rule: found (IoU 0.7) | read | extra | ms | "
          "without: found (IoU 0.7) | read | extra | ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for rows, cols in grids:
        cells = []
        for crowd in (shipped.crowd_plates, 0):
            alpr.detector.options = dataclasses.replace(shipped, crowd_plates=crowd)
            r = crowd_row(alpr, records, rows, cols)
            cells.append(f"{r['found']} ({r['found_70']}) | {r['read']} | {r['extra']} | "
                         f"{r['ms']:.0f}")
        print(f"| {r['plates']} | {r['width_px']:.0f} | {cells[0]} | {cells[1]} |", flush=True)
    alpr.detector.options = shipped
    return 0


if __name__ == "__main__":
    sys.exit(main())
