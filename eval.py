"""Evaluate shipped or given weights on a dataset and print the figures.

    python eval.py --task recognition --data ../shared/data/plate_crops --json
    python eval.py --task recognition --data ../shared/data/ccpd_samples --weights runs/x/recognition.npz
    python eval.py --task detection --data ../shared/data/ccpd_samples --json
    python eval.py --task detection --data DIR --weights runs/rpn/rpn.npz --mode rpn_box
    python eval.py --task pipeline --data ../shared/data/ccpd_samples --json   # photo -> text
    python eval.py --task single_plate --data ../shared/data/ccpd_samples --weights runs/dsnt_image_cpu/dsnt_image.npz

--data: a folder of crops named by text, a folder of CCPD scenes, or a labels.jsonl.
--split a|b: a stable half of the data (the half a fine-tuned model never saw).
"""
import argparse
import json
import sys


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--task", required=True,
                   choices=["recognition", "detection", "pipeline", "single_plate"])
    p.add_argument("--data", required=True)
    p.add_argument("--weights", default=None,
                   help=".npz weights of the recogniser or the RPN (default: the shipped ones); "
                        "single_plate: the whole-image DSNT localiser's (required)")
    p.add_argument("--rcnn-weights", default=None, help="detection/pipeline: the R-CNN's .npz")
    p.add_argument("--recognizer-weights", default=None,
                   help="pipeline, single_plate: the recogniser's .npz")
    p.add_argument("--mode", default="cascade", choices=["cascade", "rpn_box", "rpn_corner"],
                   help="detection: where the corners come from (Table 5 rows)")
    p.add_argument("--corner-source", default=None, choices=["rcnn", "dsnt"],
                   help="detection/pipeline: R-CNN corners or the DSNT localiser's "
                        "(default: dsnt, the better one)")
    p.add_argument("--dsnt-weights", default=None,
                   help="with --corner-source dsnt: its .npz (default: shipped)")
    p.add_argument("--score-threshold", type=float, default=None,
                   help="detection: minimum plate score (default: the detector's)")
    p.add_argument("--tta", action="store_true",
                   help="recognition/pipeline: also read each plate shifted 2 px left and right "
                        "and average (3x the recogniser's time)")
    p.add_argument("--zoom", default=None, choices=["auto", "always", "off"],
                   help="detection/pipeline: when the detector's 2x RPN pass for small plates "
                        "runs (default auto: when the 1x pass finds nothing or a plate under "
                        "~116 px of a 720x1160 photo)")
    p.add_argument("--split", default="all", choices=["all", "a", "b"])
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--predictions", action="store_true", help="include every plate's reading")
    args = p.parse_args(argv)
    from alpr_jax.evaluate import registry
    extra = {}
    if args.tta and args.task not in ("recognition", "pipeline"):
        p.error("--tta applies to --task recognition and pipeline")
    if args.zoom and args.task not in ("detection", "pipeline"):
        p.error("--zoom applies to --task detection and pipeline")
    if args.task == "recognition":
        extra = dict(tta=args.tta)
    elif args.task == "detection":
        extra = dict(rcnn_weights=args.rcnn_weights, mode=args.mode,
                     score_threshold=args.score_threshold, corner_source=args.corner_source,
                     dsnt_weights=args.dsnt_weights, zoom=args.zoom)
    elif args.task == "pipeline":
        extra = dict(rcnn_weights=args.rcnn_weights, recognizer_weights=args.recognizer_weights,
                     corner_source=args.corner_source, dsnt_weights=args.dsnt_weights,
                     tta=args.tta, zoom=args.zoom)
    elif args.task == "single_plate":
        extra = dict(recognizer_weights=args.recognizer_weights)
    result = registry.get(args.task)(args.data, args.weights, split=args.split, **extra)
    if not args.predictions:
        result.pop("predictions", None)
        result.pop("images", None)
    if args.json:
        print(json.dumps(_strict(result), ensure_ascii=False))
    else:
        for key, value in result.items():
            if key not in ("predictions", "images"):
                print(f"{key:>14}: {value:.4f}" if isinstance(value, float) else f"{key:>14}: {value}")
        for row in result.get("predictions", []):
            mark = "ok " if row["prediction"] == row["target"] else "ERR"
            print(f"{mark} {row['target']} -> {row['prediction']}  {row['file']}")
    return 1 if result.get("errors") else 0


def _strict(value):
    """NaN (e.g. corner error with no matched plate) -> null, so the output is strict JSON."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strict(v) for v in value]
    return value


if __name__ == "__main__":
    sys.exit(main())
