"""Prints warm photo -> text time per photo over a folder of real photos (file read included):
each photo is predicted once to compile its shapes, then again timed; the median, mean and
per-stage means, and on how many photos the detector's passes above 1x ran. With --profile
N, the photos are predicted a third time under cProfile: the N functions with the most own
time, and the shares of onnxruntime's runs, of waiting on JAX's results (numpy.asarray of
device arrays: the crops and the XLA networks) and of OpenCV's resizes.

    python benchmarks/folder_speed.py [--data ../shared/data/easypr_dev] [--count 40]
                                      [--profile 15]
"""
import argparse
import cProfile
import io
import os
import pstats
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.data.annotations import list_images  # noqa: E402
from alpr_jax.data.images import read_image  # noqa: E402
from alpr_jax.pipeline import options  # noqa: E402

STAGES = ("rpn", "rpn_zoom", "rcnn", "dsnt", "recognize")
# --profile's groups: a label, and how pstats names the functions in it (the name's ending)
PROFILE_GROUPS = (("onnxruntime run", "onnxruntime_pybind11_state.run}"),
                  ("waiting on JAX (numpy.asarray)", "{built-in method numpy.asarray}"),
                  ("cv2 resize", "{resize}"))


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


def profile(alpr, paths: list[str], top: int) -> None:
    """Predicts every photo (warm) under cProfile and prints where the time went."""
    images = [read_image(p) for p in paths]
    prof = cProfile.Profile()
    prof.enable()
    for image in images:
        alpr.predict(image)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    total = sum(row[2] for row in stats.stats.values())        # own time of every function
    share = dict.fromkeys((label for label, _ in PROFILE_GROUPS), 0.0)
    for func, row in stats.stats.items():
        name = pstats.func_std_string(func)        # as print_stats names it
        for label, ending in PROFILE_GROUPS:
            if name.endswith(ending):
                share[label] += row[2]
    print(f"profiled: {total / len(images) * 1e3:.0f} ms a photo of own time; " + ", ".join(
        f"{k} {v / len(images) * 1e3:.0f} ms" for k, v in share.items())
        + f", the rest {(total - sum(share.values())) / len(images) * 1e3:.0f} ms")
    stats.sort_stats("tottime").print_stats(top)
    print(out.getvalue())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="../shared/data/easypr_dev")
    p.add_argument("--count", type=int, default=40, help="the first N photos (sorted)")
    p.add_argument("--profile", type=int, default=0, metavar="N",
                   help="also profile the photos and print the N functions with most own time")
    options.add_arguments(p)
    args = p.parse_args(argv)
    paths = sorted(list_images(args.data))[:args.count]
    if not paths:
        p.error(f"{args.data}: no images")
    if args.profile < 0:
        p.error("--profile must be >= 0")
    alpr = options.from_args(args).alpr()
    results, ms = warm_timed(alpr, paths)
    timings = [r.timing_ms for r in results]
    zoomed = sum(t.get("rpn_zoom", 0) > 0 for t in timings)
    stages = ", ".join(f"{k} {np.mean([t.get(k, 0.0) for t in timings]):.0f}" for k in STAGES)
    print(f"{args.data}, {len(paths)} photos, warm, file read included: median "
          f"{np.median(ms):.0f} ms, mean {np.mean(ms):.0f} ms; passes above 1x on {zoomed}; "
          f"stage means ms: {stages}")
    if args.profile:
        profile(alpr, paths, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
