"""Evaluate shipped or given weights on a dataset and print the figures.

    python eval.py --task recognition --data ../shared/data/plate_crops --json
    python eval.py --task recognition --data ../shared/data/ccpd_samples --weights runs/x/recognition.npz

--data: a folder of crops named by text, a folder of CCPD scenes, or a labels.jsonl.
--split a|b: a stable half of the data (the half a fine-tuned model never saw).
"""
import argparse
import json
import sys


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--task", required=True, choices=["recognition"])
    p.add_argument("--data", required=True)
    p.add_argument("--weights", default=None, help=".npz weights (default: the shipped ones)")
    p.add_argument("--split", default="all", choices=["all", "a", "b"])
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--predictions", action="store_true", help="include every plate's reading")
    args = p.parse_args(argv)
    from alpr_jax.evaluate import registry
    result = registry.get(args.task)(args.data, args.weights, split=args.split)
    if not args.predictions:
        result.pop("predictions", None)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            if key != "predictions":
                print(f"{key:>14}: {value:.4f}" if isinstance(value, float) else f"{key:>14}: {value}")
        for row in result.get("predictions", []):
            mark = "ok " if row["prediction"] == row["target"] else "ERR"
            print(f"{mark} {row['target']} -> {row['prediction']}  {row['file']}")
    return 1 if result.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
