"""Prints the synthetic data engine's speed on one core (generation only, no disk I/O).

    python benchmarks/data_engine.py [--plates 300] [--scenes 30] [--backgrounds ../shared/data/ccpd_samples]
"""
import argparse
import time

import numpy as np

from alpr_jax.data import generate, input_pipeline
from alpr_jax.data.annotations import read_annotations


def rate(fn, n):
    fn(0)                                   # warm caches (fonts, glyphs, backgrounds)
    t0 = time.perf_counter()
    for i in range(1, n + 1):
        fn(i)
    return n / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--plates", type=int, default=300)
    p.add_argument("--scenes", type=int, default=30)
    p.add_argument("--backgrounds", default=None)
    args = p.parse_args()
    real = tuple(read_annotations(args.backgrounds)) if args.backgrounds else ()
    rec_cfg = input_pipeline.RecognitionInputConfig()
    det_cfg = input_pipeline.DetectionInputConfig()
    rows = [
        ("plates (generate_plate)", rate(lambda i: generate.generate_plate(np.random.default_rng(i)), args.plates)),
        ("recogniser examples (48x120 + labels)", rate(lambda i: input_pipeline.recognition_example(0, i, rec_cfg), args.plates)),
        ("scenes 1160x720 (generate_scene)", rate(lambda i: generate.generate_scene(np.random.default_rng(i), real_backgrounds=real), args.scenes)),
        ("detector examples (scene + anchor targets)", rate(lambda i: input_pipeline.detection_example(0, i, det_cfg, real), args.scenes)),
    ]
    print("| what (one core) | per second |\n|---|---|")
    for name, r in rows:
        print(f"| {name} | {r:.1f} |")


if __name__ == "__main__":
    main()
