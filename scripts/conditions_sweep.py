"""Prints, as a markdown table, how the whole pipeline reads labelled real photos taken in bad
conditions (alpr_jax.evaluate.conditions: dusk, night, over-exposure, haze, defocus, motion,
low resolution, JPEG 10, noise, no colour, each at one fixed strength):

    python scripts/conditions_sweep.py [--data ../shared/data/ccpd_600/test
        --data ../shared/data/easypr_dev] [--count N] [--conditions dusk,night,...]
        [--plates] [flags of alpr predict]
    python scripts/conditions_sweep.py --crops ../shared/data/plate_crops [--split b] ...

Per folder: plates found and read exactly (found: box IoU 0.3 for EasyPR's box labels,
quadrilateral IoU 0.5 for CCPD's corners), and false detections per photo. With --crops:
the recogniser alone on the folder's plates (crops, or plates cut by their labels) as it
takes them (48x120), each degraded: read exactly and province right.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.evaluate.conditions import (CONDITIONS, check_conditions,  # noqa: E402
                                         conditions_sweep, plate_conditions_sweep)
from alpr_jax.evaluate.end_to_end import scene_records  # noqa: E402
from alpr_jax.pipeline import options  # noqa: E402

DATA = ["../shared/data/ccpd_600/test", "../shared/data/easypr_dev"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", action="append", default=None,
                   help=f"labelled scene folder (repeatable; default {' and '.join(DATA)})")
    p.add_argument("--count", type=int, default=0, help="the first N photos of each (0: all)")
    p.add_argument("--conditions", default=",".join(CONDITIONS),
                   help="comma-separated, of: " + ", ".join(CONDITIONS))
    p.add_argument("--crops", default=None,
                   help="a labelled plate folder read by the recogniser alone instead")
    p.add_argument("--split", default="b", choices=("all", "a", "b"),
                   help="with --crops: which half (default b, never trained on)")
    p.add_argument("--plates", action="store_true",
                   help="also list every plate not read exactly, with the conditions and "
                        "what was read")
    options.add_arguments(p)
    args = p.parse_args(argv)
    if args.count < 0:
        p.error(f"--count must be >= 0, got {args.count}")
    try:
        names = check_conditions([n for n in args.conditions.split(",") if n])
    except ValueError as e:
        p.error(str(e))
    if args.crops:
        return _crops(args, names)
    alpr = options.from_args(args).alpr()
    folders = args.data or DATA
    results = [conditions_sweep(alpr, scene_records(d)[:args.count or None], names)
               for d in folders]
    print("read = found and read exactly, of the labelled plates; found; false detections "
          "per photo\n")
    print("| condition | " + " | ".join(f"{d} (n): read / found / false"
                                        for d in folders) + " |")
    print("|---|" + "---|" * len(folders))
    for i, name in enumerate(names):
        cells = [f"({rows[i]['n']}) {rows[i]['read']:.2f} / {rows[i]['found']:.2f} / "
                 f"{rows[i]['false_per_image']:.2f}" for rows in results]
        print(f"| {name}: {CONDITIONS[name][0]} | " + " | ".join(cells) + " |")
    if args.plates:
        for folder, rows in zip(folders, results):
            wrong = {}          # labelled text -> [(condition, read)]
            for row in rows:
                for target, read in row["wrong"]:
                    wrong.setdefault(target, []).append((row["condition"], read or "-"))
            print(f"\n{folder}: plates not read exactly, and under which conditions")
            for target, where in sorted(wrong.items(), key=lambda kv: -len(kv[1])):
                print(f"- {target} ({len(where)} of {len(rows)}): "
                      + ", ".join(f"{c} {r}" for c, r in where))
    return 0


def _crops(args, names: list[str]) -> int:
    from alpr_jax.data.annotations import read_split
    from alpr_jax.data.real_plates import load_plate_dataset
    data = load_plate_dataset(read_split(args.crops, args.split)[:args.count or None])
    rows = plate_conditions_sweep(options.from_args(args).reader(), data.images, data.texts,
                                  names)
    print(f"| condition | {args.crops} ({args.split}, {len(data.texts)}): read / province |")
    print("|---|---|")
    for row in rows:
        print(f"| {row['condition']}: {row['what']} | {row['read']:.3f} / "
              f"{row['province']:.3f} |")
    if args.plates:
        for row in rows:
            print(f"\n{row['condition']}: " + ", ".join(f"{t} {r}" for t, r in row["wrong"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
