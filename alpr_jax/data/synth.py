"""Writes synthetic plates or scenes to disk with a labels.jsonl readable by read_annotations.

    python -m alpr_jax.data.synth --kind plates --count 1000 --out DIR [--seed 0] [--workers 2]
    python -m alpr_jax.data.synth --kind scenes --count 100 --out DIR --backgrounds ../shared/data/ccpd_samples
        [--backgrounds ../shared/data/ccpd_600/train ...] [--plate-width 16 650] [--max-plates 3]

Example i is generated from seed (seed, i) alone, so a run can be extended or repeated; each
label line is written as soon as its image is, so an interrupted run keeps what it made.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import multiprocessing
import os
import time

import numpy as np
from tqdm import tqdm

from alpr_jax.data import generate
from alpr_jax.data.annotations import (LABELS_FILE, ImageRecord, corners_to_bbox, list_images,
                                       read_split)
from alpr_jax.data.images import write_image


def _make(index: int, kind: str, seed: int, out: str, backgrounds: tuple,
          scene: generate.SceneConfig = generate.SceneConfig()) -> dict:
    rng = np.random.default_rng([seed, index])
    if kind == "plates":
        sample, name = generate.generate_plate(rng), f"plate_{index:07d}.png"
    else:
        sample = generate.generate_scene(rng, scene, real_backgrounds=backgrounds)
        name = f"scene_{index:07d}.jpg"
    write_image(os.path.join(out, name), sample.image)
    return {"path": name, "plates": [
        {"text": p.text, "plate_type": p.plate_type, **({"two_row": True} if p.two_row else {}),
         "corners": np.round(p.corners, 2).tolist(),
         "bbox": np.round(corners_to_bbox(p.corners), 2).tolist()}
        for p in sample.plates]}


def background_records(annotated=None, plain: str | None = None, split: str = "all") -> tuple:
    """Real photos for scenes: annotated datasets (a folder or a list of them; their plates
    stay labelled; `split` picks a stable half, so the other half can stay unseen) and/or a
    folder of unlabelled photos that must contain no plates (plate-free backgrounds)."""
    folders = [annotated] if isinstance(annotated, str) else list(annotated or [])
    records = []
    for spec in folders:                     # "DIR" (split applies) or "DIR:a" / "DIR:b"
        records += read_split(spec, default=split)
    if plain:
        images = list_images(plain)
        if not images:
            raise ValueError(f"{plain}: no images for --plain-backgrounds")
        records += [ImageRecord(p, ()) for p in images]
    return tuple(records)


def write_dataset(kind: str, count: int, out: str, seed: int = 0, start: int = 0,
                  backgrounds_dir=None, workers: int = 0, progress: bool = True,
                  plain_backgrounds_dir: str | None = None, backgrounds_split: str = "all",
                  scene: generate.SceneConfig = generate.SceneConfig()) -> float:
    """Generates examples start..start+count-1 into `out`; returns examples per second."""
    if kind not in ("plates", "scenes"):
        raise ValueError(f"--kind must be 'plates' or 'scenes', got {kind!r}")
    os.makedirs(out, exist_ok=True)
    backgrounds = background_records(backgrounds_dir, plain_backgrounds_dir, backgrounds_split)
    make = functools.partial(_make, kind=kind, seed=seed, out=out, backgrounds=backgrounds,
                             scene=scene)
    indices = range(start, start + count)
    t0 = time.perf_counter()
    with open(os.path.join(out, LABELS_FILE), "a", encoding="utf-8") as labels:
        if workers > 0:
            pool = multiprocessing.get_context("spawn").Pool(workers)
            results = pool.imap(make, indices, chunksize=4)
        else:
            pool, results = None, map(make, indices)
        for line in tqdm(results, total=count, desc=f"synth {kind}", disable=not progress):
            labels.write(json.dumps(line, ensure_ascii=False) + "\n")
            labels.flush()
        if pool is not None:
            pool.close()
    return count / max(time.perf_counter() - t0, 1e-9)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", choices=["plates", "scenes"], required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=int, default=0, help="index of the first example")
    parser.add_argument("--backgrounds", action="append", default=None,
                        help="annotated real photos (any read_annotations layout) for scenes; "
                             "repeatable; DIR:a or DIR:b takes one half")
    parser.add_argument("--backgrounds-split", default="all", choices=["all", "a", "b"],
                        help="use only this half of --backgrounds (keep the other unseen)")
    parser.add_argument("--plain-backgrounds", default=None,
                        help="folder of unlabelled photos WITHOUT plates, used as scene backgrounds")
    parser.add_argument("--plate-width", type=float, nargs=2, default=None, metavar=("MIN", "MAX"),
                        help="scenes: synthetic plate widths in px, drawn log-uniformly "
                             f"(default {generate.SceneConfig.plate_width})")
    parser.add_argument("--black-plates", type=float, default=None,
                        help="scenes: share of blue plates drawn white on black instead")
    parser.add_argument("--kinds-two-row", type=float, nargs=2, default=None,
                        metavar=("P_KIND", "P_TWO_ROW"),
                        help="scenes: share of plates of the rarer kinds (plates.PLATE_KINDS) "
                             "and share of yellow plates drawn in two rows (default 0 0)")
    parser.add_argument("--type-probs", default=None,
                        help="scenes: weights of blue,yellow,green,white plates (default: the engine's)")
    parser.add_argument("--max-plates", type=int, default=None,
                        help=f"scenes: most plates per scene (default "
                             f"{generate.SceneConfig.max_plates}); a --backgrounds photo's own "
                             f"plates count, so with 1 its scenes get no synthetic plate")
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args(argv)
    scene = generate.SceneConfig()
    if args.plate_width:
        lo, hi = args.plate_width
        if not 0 < lo < hi:
            parser.error(f"--plate-width needs 0 < MIN < MAX, got {lo} {hi}")
        scene = dataclasses.replace(scene, plate_width=(lo, hi))
    if args.black_plates is not None:
        if not 0 <= args.black_plates <= 1:
            parser.error("--black-plates must be in [0, 1]")
        scene = dataclasses.replace(scene, p_black=args.black_plates)
    if args.kinds_two_row is not None:
        if not all(0 <= v <= 1 for v in args.kinds_two_row):
            parser.error("--kinds-two-row values must be in [0, 1]")
        scene = dataclasses.replace(scene, p_kind=args.kinds_two_row[0],
                                    p_two_row=args.kinds_two_row[1])
    if args.type_probs:
        try:
            scene = dataclasses.replace(scene, type_probs=generate.parse_type_probs(args.type_probs))
        except ValueError as e:
            parser.error(str(e))
    if args.max_plates is not None:
        if args.max_plates < 1:
            parser.error("--max-plates must be at least 1")
        scene = dataclasses.replace(scene, max_plates=args.max_plates)
    rate = write_dataset(args.kind, args.count, args.out, args.seed, args.start, args.backgrounds,
                         args.workers, plain_backgrounds_dir=args.plain_backgrounds,
                         backgrounds_split=args.backgrounds_split, scene=scene)
    print(f"wrote {args.count} {args.kind} to {args.out} ({rate:.1f}/s)")


if __name__ == "__main__":
    main()
