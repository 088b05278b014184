"""Prints the recogniser's CPU speed (ms per plate) at batch 1 and batch 64, after warm-up, and
how many times each batch shape was compiled.

    python benchmarks/recognizer_speed.py [--weights alpr_jax/weights/recognizer.npz] [--repeats 20]
        [--tta] [--backend jax|onnx] [--reread-below C]

The random plates it reads are all doubtful to the recogniser, so the plain read is timed
(--reread-below 0, the default here); the pipeline's default (pipeline.reader.REREAD_BELOW)
adds the --tta cost for the plates read with confidence under 0.8 (about half of
easypr_dev's): four more reads of each (pipeline.reader.TTA_VIEWS), the plain read serving
as view 0.
"""
import argparse
import time

import numpy as np

from alpr_jax.pipeline.reader import PlateReader


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", default=None)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--tta", action="store_true",
                   help="time the test-time augmentation (every view of pipeline.reader.TTA_VIEWS)")
    p.add_argument("--backend", default="jax", choices=("jax", "onnx"))
    p.add_argument("--reread-below", type=float, default=0.0,
                   help="re-read plates under this confidence with the views (see above)")
    args = p.parse_args()
    reader = PlateReader.load(args.weights, tta=args.tta, backend=args.backend,
                              reread_below=args.reread_below)
    print(f"backend: {args.backend}")
    rng = np.random.default_rng(0)
    print("| batch | ms per plate | ms per batch |\n|---|---|---|")
    for batch in (1, 64):
        plates = rng.integers(0, 256, (batch, 48, 120, 3), dtype=np.uint8)
        reader.read(plates)                                   # compile + warm-up
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            reader.read(plates)
            times.append(time.perf_counter() - t0)
        ms = 1000 * float(np.median(times))
        print(f"| {batch} | {ms / batch:.2f} | {ms:.1f} |")
    n_params = sum(v.size for v in __import__("jax").tree_util.tree_leaves(reader.variables["params"]))
    print(f"\ncompiled shapes: {reader._apply.compiled_shapes()} (one per batch bucket used); "
          f"parameters: {n_params / 1e6:.2f} M ({4 * n_params / 2**20:.2f} MiB float32)")


if __name__ == "__main__":
    main()
