"""How well the recogniser reads each plate kind, on synthetic plates it never trained on
(the shared real data holds almost none of the rarer kinds), as a markdown table.

    python scripts/plate_kinds.py [--recognizer FILE.npz] [--two-row-recognizer FILE.npz|none]
                                  [--count 200] [--seed 123] [--kinds KIND ...]
                                  [--camera full|moderate|none] [--json]

Rows: the four colours (one row), two-row yellow plates (rows stitched side by side and read
by the two-row network, as the pipeline reads them) and each of plates.PLATE_KINDS;
"plate_type right": the colour the pipeline reports (pipeline.alpr.plate_type) is the one the
plate was drawn in. Plates are rectified from jittered corners (detector-like error), from
seeds no training set uses, with training's camera effects (--camera full: a third of the
plates downsampled up to 3.5x, night, glare, blur, noise, JPEG; many of those misread are
illegible), without the downsampling, night and glare (moderate), or none.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.evaluate.recognition import (CAMERA_EFFECTS,  # noqa: E402
                                           evaluate_synthetic_kinds, synthetic_kind_configs)
from alpr_jax.pipeline.reader import PlateReader  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--recognizer", default=None, help="weights (default: shipped)")
    p.add_argument("--two-row-recognizer", default=None,
                   help="the network reading two-row plates (default: shipped; none: the "
                        "recogniser)")
    p.add_argument("--count", type=int, default=200, help="plates per kind")
    p.add_argument("--seed", type=int, default=123)
    p.add_argument("--kinds", nargs="+", default=None,
                   help="only these rows (e.g. two_row; default: every kind)")
    p.add_argument("--camera", default="full", choices=sorted(CAMERA_EFFECTS),
                   help="the camera effects the plates are drawn with (default: training's)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.count < 1:
        p.error("--count must be at least 1")
    kinds = list(synthetic_kind_configs(args.camera))
    if args.kinds and not set(args.kinds) <= set(kinds):
        p.error(f"--kinds: unknown {sorted(set(args.kinds) - set(kinds))}; known: {kinds}")
    reader = PlateReader.load(args.recognizer, two_row=args.two_row_recognizer)
    result = evaluate_synthetic_kinds(reader, args.count, args.seed, args.kinds, args.camera)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print("| kind | plates | read exactly | first character | <= 1 error | plate_type right |")
    print("|---|---|---|---|---|---|")
    for name, m in result.items():
        print(f"| {name} | {m['n']} | {m['acc']:.3f} | {m['acc_1']:.3f} | {m['acc_1e']:.3f} | "
              f"{m['plate_type']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
