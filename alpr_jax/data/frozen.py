"""Frozen example sets: the deterministic recogniser stream materialised once into an .npz, so
CPU training does not spend its cores regenerating plates every epoch.

    python -m alpr_jax.data.frozen --count 80000 --seed 0 --out runs/rec_synth_80k.npz [--workers 2]
        [--box-crops 1.0] [--type-probs 0.45,0.1,0.35,0.1] [--two-row 0.6]

Example i is input_pipeline.recognition_example(seed, i), the same as the streaming pipeline's.
The share of plates cut by a jittered box instead of rectified by their corners (`p_box_crop`),
the plate-type mix and the share of yellow plates drawn in two rows are recorded in the file
and checked against the training config, so a run without rectification cannot train on
rectified plates by mistake.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import multiprocessing
import os
import time

import numpy as np
from tqdm import tqdm

from alpr_jax.data import generate, input_pipeline
from alpr_jax.geometry.rectify import PLATE_HW


def _chunk(args):
    seed, start, stop, cfg = args
    examples = [input_pipeline.recognition_example(seed, i, cfg) for i in range(start, stop)]
    return np.stack([e[0] for e in examples]), np.stack([e[1] for e in examples])


def freeze_recognition(path: str, count: int, seed: int = 0, workers: int = 0,
                       cfg: input_pipeline.RecognitionInputConfig = input_pipeline.RecognitionInputConfig(),
                       chunk: int = 500) -> None:
    """Writes {"image": uint8 [N, 48, 120, 3], "labels": int32 [N, 8], "seed", "count",
    "p_box_crop", "type_probs", "p_two_row"}."""
    jobs = [(seed, s, min(s + chunk, count), cfg) for s in range(0, count, chunk)]
    images = np.zeros((count, *PLATE_HW, 3), np.uint8)
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
    np.savez(tmp, image=images, labels=labels, seed=seed, count=count, p_box_crop=cfg.p_box_crop,
             type_probs=np.asarray(cfg.plate.type_probs, np.float64),
             p_two_row=cfg.plate.p_two_row)
    os.replace(tmp, path)


def load_frozen(path: str, expect: input_pipeline.RecognitionInputConfig | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 [N, 48, 120, 3], labels int32 [N, 8]). expect: the input config of the
    run; a file frozen with another box-cut share, plate-type mix or two-row share is refused
    (files written before these were recorded hold the defaults)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: frozen example set not found (make it with "
                                f"python -m alpr_jax.data.frozen --out {path})")
    default = input_pipeline.RecognitionInputConfig()
    with np.load(path) as f:
        if expect is not None:
            box = float(f["p_box_crop"]) if "p_box_crop" in f.files else default.p_box_crop
            mix = (tuple(float(p) for p in f["type_probs"]) if "type_probs" in f.files
                   else default.plate.type_probs)
            if abs(box - expect.p_box_crop) > 1e-6:
                raise ValueError(f"{path}: frozen with p_box_crop={box:g} (share of plates cut "
                                 f"by their box), but this run expects {expect.p_box_crop:g}; "
                                 f"freeze a matching set with --box-crops {expect.p_box_crop:g}")
            if not np.allclose(mix, expect.plate.type_probs):
                raise ValueError(f"{path}: frozen with plate-type mix {mix}, but this run "
                                 f"expects {tuple(expect.plate.type_probs)}; freeze a matching "
                                 f"set with --type-probs")
            two = float(f["p_two_row"]) if "p_two_row" in f.files else default.plate.p_two_row
            if abs(two - expect.plate.p_two_row) > 1e-6:
                raise ValueError(f"{path}: frozen with p_two_row={two:g} (share of yellow plates "
                                 f"in two rows), but this run expects {expect.plate.p_two_row:g}; "
                                 f"freeze a matching set with --two-row {expect.plate.p_two_row:g}")
        return f["image"], f["labels"]


def frozen_batches(arrays, seed: int, batch_size: int, start_step: int, num_steps: int,
                   example_range: tuple[int, int]):
    """Batches {"image", "labels"} of a frozen set (load_frozen's arrays) for steps
    start_step .. start_step + num_steps - 1: each epoch a new seeded order, batch s
    depending only on (seed, s); only rows example_range of each (this host's share)."""
    images, labels = arrays
    n = len(images)
    if n < batch_size:
        raise ValueError(f"frozen set has {n} examples, fewer than one batch of {batch_size}")
    per_epoch = n // batch_size

    @functools.lru_cache(maxsize=2)
    def order(epoch):
        return np.random.default_rng([seed, 7, epoch]).permutation(n)

    for step in range(start_step, start_step + num_steps):
        epoch, k = divmod(step, per_epoch)
        idx = np.sort(order(epoch)[k * batch_size:(k + 1) * batch_size])
        idx = idx[example_range[0]:example_range[1]]
        yield {"image": images[idx], "labels": labels[idx]}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--box-crops", type=float, default=input_pipeline.RecognitionInputConfig.p_box_crop,
                   help="share of plates cut by a jittered box, not rectified (1.0: no "
                        "rectification, Table 6)")
    p.add_argument("--type-probs", default=None,
                   help="weights of blue,yellow,green,white plates (default: the engine's)")
    p.add_argument("--two-row", type=float, default=generate.PlateConfig.p_two_row,
                   help="share of yellow plates drawn in two rows")
    args = p.parse_args(argv)
    if not 0.0 <= args.two_row <= 1.0:
        p.error(f"--two-row must be in [0, 1], got {args.two_row}")
    if not 0.0 <= args.box_crops <= 1.0:
        p.error(f"--box-crops must be in [0, 1], got {args.box_crops}")
    plate = generate.PlateConfig(p_two_row=args.two_row)
    if args.type_probs:
        try:
            plate = dataclasses.replace(plate, type_probs=generate.parse_type_probs(args.type_probs))
        except ValueError as e:
            p.error(str(e))
    t0 = time.perf_counter()
    cfg = input_pipeline.RecognitionInputConfig(p_box_crop=args.box_crops, plate=plate)
    freeze_recognition(args.out, args.count, args.seed, args.workers, cfg)
    print(f"wrote {args.count} examples to {args.out} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
