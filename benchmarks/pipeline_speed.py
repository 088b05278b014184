"""Prints CPU time per 720x1160 photo after warm-up: the detector alone in each Table 5 mode
split by stage (RPN incl. letterbox and NMS; R-CNN incl. the 10 crops; DSNT corners on the
kept RoIs' context crops, the default corner source; "zoom" is the 2x RPN pass for small
plates, which the default "auto" runs only when the 1x pass finds nothing or a narrow plate,
timed here also "always"), and the whole photo -> text pipeline split by stage, plus model sizes and how many shapes were compiled.

    python benchmarks/pipeline_speed.py [--image PHOTO] [--repeats 20]
"""
import argparse
import glob
import os

import numpy as np

from alpr_jax.data.images import read_image
from alpr_jax.pipeline.alpr import ALPR
from alpr_jax.pipeline.options import ModelOptions

HERE = os.path.dirname(os.path.abspath(__file__))
STAGES = ("rpn", "rcnn", "dsnt", "rectify", "recognize", "total")


def _median(rows, keys):
    return {k: float(np.median([r.get(k, 0.0) for r in rows])) for k in keys}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--image", default=None, help="default: the bundled blue-plate photo")
    p.add_argument("--repeats", type=int, default=20)
    args = p.parse_args()
    path = args.image or sorted(glob.glob(os.path.join(HERE, "..", "examples", "*.jpg")))[0]
    image = read_image(path)
    print(f"photo: {os.path.basename(path)} ({image.shape[1]}x{image.shape[0]}), median of "
          f"{args.repeats} after warm-up\n")
    print("| detector | RPN ms (of which zoom) | R-CNN ms | DSNT ms | total ms | MB (float32) |\n"
          "|---|---|---|---|---|---|")
    for label, mode, source, zoom in (("rpn_box (zoom off, as Table 5)", "rpn_box", "rcnn", "off"),
                                      ("cascade, R-CNN corners", "cascade", "rcnn", "auto"),
                                      ("cascade, DSNT corners (default)", "cascade", "dsnt", "auto"),
                                      ("same, zoom always", "cascade", "dsnt", "always")):
        det = ModelOptions(corner_source=source, zoom=zoom).detector(mode)
        det.detect(image)
        m = _median([det.detect(image)[1] for _ in range(args.repeats)],
                    ("rpn", "rpn_zoom", "rcnn", "dsnt", "detect_total"))
        print(f"| {label} | {m['rpn']:.1f} ({m['rpn_zoom']:.1f}) | {m['rcnn']:.1f} | "
              f"{m['dsnt']:.1f} | {m['detect_total']:.1f} | {det.size_mb():.2f} |")
    alpr = ALPR.load()
    result = alpr.predict(image)
    m = _median([alpr.predict(image).timing_ms for _ in range(args.repeats)], STAGES)
    print("\n| pipeline | " + " | ".join(f"{s} ms" for s in STAGES) + " |")
    print("|---|" + "---|" * len(STAGES))
    print("| photo -> text | " + " | ".join(f"{m[s]:.1f}" for s in STAGES) + " |")
    print(f"\nread: {[p.text for p in result.plates]}; compiled: RPN "
          f"{alpr.detector._rpn_fn._cache_size()}, R-CNN {alpr.detector._rcnn_fn._cache_size()}, "
          f"recogniser {alpr.reader._apply._cache_size()} shape(s)")


if __name__ == "__main__":
    main()
