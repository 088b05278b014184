"""Prints warm photo -> text time per photo over a folder of real photos (file read included):
each photo is predicted once to compile its shapes, then again timed; the median, mean and
per-stage means, and on how many photos the detector's passes above 1x ran.

    python benchmarks/folder_speed.py [--data ../shared/data/easypr_dev] [--count 40]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.data.annotations import list_images  # noqa: E402
from alpr_jax.data.images import read_image  # noqa: E402
from alpr_jax.pipeline import options  # noqa: E402

STAGES = ("rpn", "rpn_zoom", "rcnn", "dsnt", "recognize")


def warm_timed(alpr, paths: list[str]) -> tuple[list, list[float]]:
    """Every photo predicted once to compile its shapes, then again timed (file read
    included): (the timed Results, ms per photo). Also benchmarks/peers.py's measure."""
    for path in paths:
        alpr.predict(read_image(path))
    results, ms = [], []
    for path in paths:
        t = time.perf_counter()
        results.append(alpr.predict(read_image(path)))
        ms.append((time.perf_counter() - t) * 1e3)
    return results, ms


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="../shared/data/easypr_dev")
    p.add_argument("--count", type=int, default=40, help="the first N photos (sorted)")
    options.add_arguments(p)
    args = p.parse_args(argv)
    paths = sorted(list_images(args.data))[:args.count]
    if not paths:
        p.error(f"{args.data}: no images")
    results, ms = warm_timed(options.from_args(args).alpr(), paths)
    timings = [r.timing_ms for r in results]
    zoomed = sum(t.get("rpn_zoom", 0) > 0 for t in timings)
    stages = ", ".join(f"{k} {np.mean([t.get(k, 0.0) for t in timings]):.0f}" for k in STAGES)
    print(f"{args.data}, {len(paths)} photos, warm, file read included: median "
          f"{np.median(ms):.0f} ms, mean {np.mean(ms):.0f} ms; passes above 1x on {zoomed}; "
          f"stage means ms: {stages}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
