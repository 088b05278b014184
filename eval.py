"""Evaluate shipped or given weights on a dataset and print the figures.

    python eval.py --task recognition --data ../shared/data/plate_crops --split b --json
    python eval.py --task recognition --data ../shared/data/ccpd_samples --recognizer runs/x/recognition.npz
    python eval.py --task detection --data ../shared/data/ccpd_samples --json
    python eval.py --task detection --data DIR --rpn runs/rpn/rpn.npz --mode rpn_box
    python eval.py --task end_to_end --data ../shared/data/ccpd_samples --json   # photo -> text
    python eval.py --task single_plate --data ../shared/data/ccpd_samples --weights runs/dsnt_image_cpu/dsnt_image.npz

--data: a folder of crops named by text, a folder of CCPD scenes, or a labels.jsonl. On a
folder of crops the recognition task also reports "read_plate": the crops as `alpr predict
--crops` reads them (each also straightened by the corners the detector finds in it).
--split a|b: a stable half of the data (the half a fine-tuned model never saw).
The detector and reader flags are those of `alpr predict` (alpr_jax.pipeline.options).
"""
import argparse
import json
import sys

TASKS = ("recognition", "detection", "end_to_end", "pipeline", "single_plate")
# --weights names the evaluated task's own model (the flag earlier commands used)
MAIN_MODEL = {"recognition": "recognizer", "detection": "rpn", "end_to_end": "rpn",
              "pipeline": "rpn", "single_plate": None}


def main(argv=None) -> int:
    from alpr_jax.pipeline import options
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--task", required=True, choices=TASKS,
                   help="pipeline is end_to_end's earlier name")
    p.add_argument("--data", required=True)
    p.add_argument("--split", default="all", choices=["all", "a", "b"])
    p.add_argument("--weights", default=None,
                   help="the task's own model: the recogniser's (recognition), the RPN's "
                        "(detection, end_to_end) or the whole-image localiser's (single_plate, "
                        "required there)")
    p.add_argument("--mode", default="cascade", choices=["cascade", "rpn_box", "rpn_corner"],
                   help="detection: where the corners come from (Table 5 rows)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--predictions", action="store_true", help="include every plate's reading")
    options.add_arguments(p)
    args = p.parse_args(argv)
    from alpr_jax.evaluate import registry
    main_model = MAIN_MODEL[args.task]
    overrides = {}
    if args.weights and main_model:
        if getattr(args, main_model):
            p.error(f"--weights and --{main_model} name the same model: give one")
        overrides[main_model] = args.weights
    if args.tta and args.task not in ("recognition", "end_to_end", "pipeline", "single_plate"):
        p.error("--tta applies to the tasks that read plates")
    if args.zoom and args.task not in ("detection", "end_to_end", "pipeline"):
        p.error("--zoom applies to --task detection and end_to_end")
    try:
        model_options = options.from_args(args, **overrides)
    except ValueError as e:
        p.error(str(e))
    extra = {"detection": dict(mode=args.mode), "recognition": dict(read_plate=True),
             "single_plate": dict(localizer=args.weights)}.get(args.task, {})
    result = registry.get(args.task)(args.data, model_options, split=args.split, **extra)
    if not args.predictions:
        for part in (result, result.get("read_plate") or {}):   # read_plate: crop folders
            part.pop("predictions", None)
            part.pop("images", None)
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
