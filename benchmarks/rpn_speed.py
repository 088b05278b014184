"""Prints the time of one RPN pass (the network and its top-k decoding, as the detector runs
it) for each RPN given, interleaved so that a busy machine slows them alike:

    python benchmarks/rpn_speed.py [--rpn A.npz --rpn B.npz] [--hw 640x960 ...]
                                   [--backend auto|jax|onnx] [--repeats 15]

Default: the shipped RPN at the pass inputs of a 1584x1170 street photo (0.5x ... 4x).
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DEFAULT_HW = ("160x240", "320x480", "640x960", "1280x1920")


def main(argv=None) -> int:
    from alpr_jax.pipeline import options, runtime
    pass_hw = functools.partial(options.hw_arg, multiple=8)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rpn", action="append", default=None,
                   help="RPN .npz (repeatable; default: the shipped one)")
    p.add_argument("--hw", action="append", type=pass_hw, default=None,
                   help=f"pass input HxW (repeatable; default {' '.join(DEFAULT_HW)})")
    p.add_argument("--backend", default="auto", choices=runtime.BACKENDS)
    p.add_argument("--repeats", type=int, default=15)
    args = p.parse_args(argv)
    if args.repeats < 1:
        p.error("--repeats must be at least 1")

    from alpr_jax.pipeline.detector import PlateDetector
    paths = args.rpn or [None]
    shapes = args.hw or [pass_hw(v) for v in DEFAULT_HW]
    detectors = [PlateDetector.load(path, mode="rpn_box", backend=args.backend)
                 for path in paths]
    rng = np.random.default_rng(0)
    print(f"| pass input | {' | '.join(p or 'shipped' for p in paths)} |")
    print("|---|" + "---|" * len(paths))
    for h, w in shapes:
        x = rng.integers(0, 256, (1, h, w, 3), dtype=np.uint8)
        for d in detectors:                          # export / compile, then warm
            for _ in range(2):
                [np.asarray(a) for a in d._rpn_fn(x)]
        times = [[] for _ in detectors]
        for _ in range(args.repeats):
            for d, t in zip(detectors, times):
                t0 = time.perf_counter()
                [np.asarray(a) for a in d._rpn_fn(x)]
                t.append((time.perf_counter() - t0) * 1e3)
        cells = [f"{np.median(t):.1f} ms (fastest {min(t):.1f})" for t in times]
        print(f"| {h}x{w} | {' | '.join(cells)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
