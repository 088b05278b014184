"""Corner sources side by side on the same real scenes, as a markdown table: R-CNN regression
against DSNT localisers run on a context crop of each RoI (refinement mode) and, optionally,
whole-image single-plate DSNT localisers (no cascade: one plate per photo).

    python scripts/compare_corners.py --dsnt DSNT=runs/dsnt_cpu/dsnt.npz \
        [--dsnt "DSNT, no JS=runs/dsnt_nojs/dsnt.npz" ...] [--data ../shared/data/ccpd_samples[:b]]
        [--dsnt-image "DSNT whole image=runs/dsnt_image_cpu/dsnt_image.npz"]

Columns: mean and 90th-percentile corner error (px, original resolution) of plates matched at
IoU 0.5, AP@0.8 and AP@0.9 of the quadrilaterals, and plate accuracy after rectification (the
whole pipeline: the plate found and every character read). The RPN, the R-CNN's scores and the
recogniser are the shipped ones (or --rpn / --rcnn / --recognizer) in every row.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.evaluate import registry  # noqa: E402
from alpr_jax.pipeline.options import ModelOptions  # noqa: E402

COLUMNS = (("corner_error_px", "mean corner err px", "{:.2f}"),
           ("corner_error_p90_px", "p90 corner err px", "{:.2f}"),
           ("ap_80", "AP@0.8", "{:.3f}"), ("ap_90", "AP@0.9", "{:.3f}"),
           ("plate_acc", "plate acc", "{:.3f}"), ("ms_per_image", "det ms/img", "{:.1f}"))


def parse_rows(dsnt_specs: list[str], image_specs: list[str] = ()
               ) -> list[tuple[str, str, str | None]]:
    """[(label, corner_source, weights path)]: R-CNN first, then each --dsnt LABEL=PATH
    (source "dsnt"), then each --dsnt-image LABEL=PATH (source "single_plate")."""
    rows = [("R-CNN regression", "rcnn", None)]
    for flag, source, specs in (("--dsnt", "dsnt", dsnt_specs),
                                ("--dsnt-image", "single_plate", image_specs)):
        for spec in specs:
            label, sep, path = spec.rpartition("=")
            if not sep or not label or not path:
                raise SystemExit(f"{flag} {spec!r}: expected LABEL=PATH.npz")
            if not os.path.isfile(path):
                raise SystemExit(f"{flag} {spec!r}: {path} not found")
            rows.append((label, source, path))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dsnt", action="append", default=[], help="LABEL=PATH.npz (repeatable)")
    p.add_argument("--dsnt-image", action="append", default=[],
                   help="LABEL=PATH.npz of a whole-image single-plate localiser (repeatable)")
    p.add_argument("--data", default="../shared/data/ccpd_samples", help="DIR[:a|b]")
    p.add_argument("--rpn", default=None)
    p.add_argument("--rcnn", default=None)
    p.add_argument("--recognizer", default=None)
    p.add_argument("--json", default=None, help="also write all figures to this file")
    args = p.parse_args(argv)
    path, _, split = args.data.partition(":")
    split = split or "all"
    results = {}
    for label, source, dsnt in parse_rows(args.dsnt, args.dsnt_image):
        if source == "single_plate":           # no cascade: the localiser sees the whole photo
            r = registry.get("single_plate")(path, ModelOptions(recognizer=args.recognizer),
                                             split=split, localizer=dsnt)
            results[label] = {**{k: r[k] for k, _, _ in COLUMNS if k in r},
                              "n_plates": r["n_images"], "n_images": r["n_images"],
                              "dsnt_weights": dsnt}
            continue
        options = ModelOptions(rpn=args.rpn, rcnn=args.rcnn, dsnt=dsnt,
                               recognizer=args.recognizer, corner_source=source)
        det = registry.get("detection")(path, options, split=split)
        e2e = registry.get("end_to_end")(path, options, split=split)
        results[label] = {**{k: det[k] for k, _, _ in COLUMNS if k in det},
                          "plate_acc": e2e["acc"], "n_plates": det["n_plates"],
                          "n_images": det["n_images"], "dsnt_weights": dsnt}
    first = next(iter(results.values()))
    print(f"\n**Corner sources on {args.data}** ({first['n_images']} photos, "
          f"{first['n_plates']} plates)\n")
    print("| corner source | " + " | ".join(h for _, h, _ in COLUMNS) + " |")
    print("|---|" + "---|" * len(COLUMNS))
    for label, r in results.items():
        print(f"| {label} | " + " | ".join(f.format(r[k]) for k, _, f in COLUMNS) + " |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
