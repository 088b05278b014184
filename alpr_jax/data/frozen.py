"""Frozen example sets: the deterministic recogniser stream materialised once into an .npz, so
CPU training does not spend its cores regenerating plates every epoch.

    python -m alpr_jax.data.frozen --count 80000 --seed 0 --out runs/rec_synth_80k.npz [--workers 2]

Example i is pipelines.recognition_example(seed, i), the same as the streaming pipeline's.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import time

import numpy as np
from tqdm import tqdm

from alpr_jax.data import pipelines


def _chunk(args):
    seed, start, stop, cfg = args
    examples = [pipelines.recognition_example(seed, i, cfg) for i in range(start, stop)]
    return np.stack([e[0] for e in examples]), np.stack([e[1] for e in examples])


def freeze_recognition(path: str, count: int, seed: int = 0, workers: int = 0,
                       cfg: pipelines.RecognitionInputConfig = pipelines.RecognitionInputConfig(),
                       chunk: int = 500) -> None:
    """Writes {"image": uint8 [N, 48, 120, 3], "labels": int32 [N, 8], "seed", "count"}."""
    jobs = [(seed, s, min(s + chunk, count), cfg) for s in range(0, count, chunk)]
    images = np.zeros((count, 48, 120, 3), np.uint8)
    labels = np.zeros((count, 8), np.int32)
    pool = multiprocessing.get_context("spawn").Pool(workers) if workers > 0 else None
    results = pool.imap(_chunk, jobs) if pool else map(_chunk, jobs)
    with tqdm(total=count, desc="freezing recogniser examples") as bar:
        for (seed_, start, stop, _), (x, y) in zip(jobs, results):
            images[start:stop], labels[start:stop] = x, y
            bar.update(stop - start)
    if pool:
        pool.close()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp.npz"
    np.savez(tmp, image=images, labels=labels, seed=seed, count=count)
    os.replace(tmp, path)


def load_frozen(path: str) -> tuple[np.ndarray, np.ndarray]:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: frozen example set not found (make it with "
                                f"python -m alpr_jax.data.frozen --out {path})")
    with np.load(path) as f:
        return f["image"], f["labels"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=0)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    freeze_recognition(args.out, args.count, args.seed, args.workers)
    print(f"wrote {args.count} examples to {args.out} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
