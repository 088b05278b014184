"""Rolled photos: ccpd_600/test scenes (never trained on) turned 0 to 45 degrees about their
centre (evaluate.roll), read with the plates' re-crops and the RoIs' first read turned level
(DetectorOptions.level_above_deg and level_first_read, the default), with the re-crops alone
turned level (level_first_read False) and with neither (level_above_deg 60: never), as a
markdown table.

    python scripts/roll_sweep.py [--data ../shared/data/ccpd_600/test] [--count 40]
        [--angles 0,10,20,30,40,45]
"""
import argparse
import dataclasses
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.data.annotations import read_annotations  # noqa: E402
from alpr_jax.evaluate.roll import roll_sweep  # noqa: E402
from alpr_jax.pipeline.options import ModelOptions  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="../shared/data/ccpd_600/test")
    p.add_argument("--count", type=int, default=40, help="the first N photos (0: all)")
    p.add_argument("--angles", default="0,10,20,30,40,45", help="degrees, comma-separated")
    args = p.parse_args(argv)
    try:
        angles = [float(a) for a in args.angles.split(",")]
    except ValueError:
        p.error(f"--angles must be numbers, got {args.angles!r}")
    records = read_annotations(args.data)[:args.count or None]
    alpr = ModelOptions().alpr()
    shipped = alpr.detector.options
    variants = {"default": shipped,
                "recrops": dataclasses.replace(shipped, level_first_read=False),
                "none": dataclasses.replace(shipped, level_above_deg=60.0)}
    results = {}
    for name, options in variants.items():
        alpr.detector.options = options
        results[name] = roll_sweep(alpr, records, angles)
    alpr.detector.options = shipped
    n = results["default"][0]["n"]
    print(f"{args.data}, {n} photos rolled; found at quadrilateral IoU 0.5 (0.7), read = found "
          f"and read exactly\n")
    print("| roll, degrees | first read and re-crops turned level: found (IoU 0.7) | read | "
          "re-crops alone: found (IoU 0.7) | read | in the photo's frame: found (IoU 0.7) | "
          "read |")
    print("|---|---|---|---|---|---|---|")
    for rows in zip(*results.values()):
        print(f"| {rows[0]['degrees']:g} | " + " | ".join(
            f"{r['found']} ({r['found_70']}) | {r['read']}" for r in rows) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
