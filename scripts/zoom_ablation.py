"""What each of the detector's passes from 1x up earns on a labelled folder: the shipped pipeline
with its auto zoom policy, then with one trigger or one pass taken away, each scored by the
end-to-end evaluator (photo -> text, found, false detections; evaluate.end_to_end) and timed
warm with the file read (benchmarks/folder_speed.warm_timed). Prints one markdown table and,
per variant, the labelled plates it reads differently from the default.

    python scripts/zoom_ablation.py [--data ../shared/data/easypr_dev] [--count N]
                                    [--variants WORD ...]
"""
import argparse
import dataclasses
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

from alpr_jax.evaluate.end_to_end import scene_records, score_readings  # noqa: E402
from alpr_jax.pipeline.options import ModelOptions  # noqa: E402
from folder_speed import warm_timed  # noqa: E402

# name -> DetectorOptions fields changed from the shipped ones
VARIANTS = {
    "default (none + small + doubt; 0.5x-4x)": {},
    "without the small-plate trigger": {"zoom_triggers": ("none", "doubt")},
    "without the doubtful-RoI trigger": {"zoom_triggers": ("none", "small")},
    "only when nothing is found": {"zoom_triggers": ("none",)},
    "no 4x pass": {"scales": (0.5, 1.0, 2.0)},
    "3x pass instead of 4x": {"scales": (0.5, 1.0, 2.0, 3.0)},
    "zoom off (0.5x + 1x)": {"zoom": "off"},
    "the 1x pass always (before 2026-12-05)": {"auto_from": 2.0},
    "the whole 4x pass, no windows first (before 2026-12-06)": {"windows_first_from": 0.0},
    # the policy's thresholds moved (README "Every plate size", 2026-12-07)
    "the small-plate trigger at 60 px": {"small_plate_px": 60.0},
    "the small-plate trigger at 72 px": {"small_plate_px": 72.0},
    "the RPN boxes' NMS at 0.6": {"rpn_nms": 0.6},
    "the RPN boxes' NMS at 0.5": {"rpn_nms": 0.5},
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="../shared/data/easypr_dev")
    p.add_argument("--count", type=int, default=0, help="the first N photos (0: all)")
    p.add_argument("--variants", nargs="+", default=None,
                   help="only the variants whose name holds one of these words (the default "
                        "row always runs)")
    args = p.parse_args(argv)
    default = next(iter(VARIANTS))
    variants = {name: change for name, change in VARIANTS.items() if name == default
                or not args.variants or any(w in name for w in args.variants)}
    records = scene_records(args.data)[:args.count or None]
    alpr = ModelOptions().alpr()
    shipped = alpr.detector.options
    print(f"{args.data}, {len(records)} photos, warm, file read included\n")
    print("| variant | read exactly | found | of found | false | photos zoomed | ms median | "
          "ms mean |")
    print("|---|---|---|---|---|---|---|---|")
    texts = {}
    for name, change in variants.items():
        # the one detector, its compiled networks reused: only how the passes run changes
        alpr.detector.options = dataclasses.replace(shipped, **change)
        results, ms = warm_timed(alpr, [r.path for r in records])
        m = score_readings(records, [[(q.corners, q.detection_score, q.text) for q in r.plates]
                                     for r in results])
        zoomed = sum(r.timing_ms.get("rpn_zoom", 0) > 0 for r in results)
        texts[name] = [(row["target"], row["prediction"]) for row in m["predictions"]]
        print(f"| {name} | {m['acc']:.3f} | {m['detected']:.3f} | {m['acc_found']:.3f} | "
              f"{m['false_positives']} | {zoomed} | {np.median(ms):.0f} | {np.mean(ms):.0f} |",
              flush=True)
    alpr.detector.options = shipped
    for name in list(variants)[1:]:
        changed = [f"{t} {a or '-'} -> {b or '-'}"
                   for (t, a), (_, b) in zip(texts[default], texts[name]) if a != b]
        print(f"\n{name}: {', '.join(changed) or 'the same readings'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
