"""Prints the detector's CPU time per 720x1160 photo, split by stage (RPN incl. letterbox and
NMS; R-CNN incl. the 10 crops), after warm-up, for each Table 5 mode, plus the model size.

    python benchmarks/detector_speed.py [--rpn FILE.npz] [--rcnn FILE.npz] [--image PHOTO]
"""
import argparse
import glob
import os

import numpy as np

from alpr_jax.data.images import read_image
from alpr_jax.pipeline.detector import PlateDetector

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rpn", default=None)
    p.add_argument("--rcnn", default=None)
    p.add_argument("--image", default=None, help="default: the bundled CCPD photo")
    p.add_argument("--repeats", type=int, default=20)
    args = p.parse_args()
    path = args.image or sorted(glob.glob(os.path.join(HERE, "..", "examples", "*.jpg")))[0]
    image = read_image(path)
    print(f"photo: {path} ({image.shape[1]}x{image.shape[0]})\n")
    print("| mode | RPN ms | R-CNN ms | total ms | model MB (float32) |\n|---|---|---|---|---|")
    for mode in ("rpn_box", "cascade"):
        det = PlateDetector.load(args.rpn, args.rcnn, mode=mode)
        det.detect(image)                                     # compile + warm-up
        rows = [det.detect(image)[1] for _ in range(args.repeats)]
        med = {k: float(np.median([r.get(k, 0.0) for r in rows]))
               for k in ("rpn", "rcnn", "detect_total")}
        print(f"| {mode} | {med['rpn']:.1f} | {med['rcnn']:.1f} | {med['detect_total']:.1f} | "
              f"{det.size_mb():.2f} |")
    print(f"\ncompiled: RPN {det._rpn_fn._cache_size()} shape(s), R-CNN "
          f"{det._rcnn_fn._cache_size()} shape(s)")


if __name__ == "__main__":
    main()
