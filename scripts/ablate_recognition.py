"""Trains and evaluates the recogniser variants of the paper's Tables 6 and 7 on the same data
and prints both tables in markdown.

    python scripts/ablate_recognition.py --workdir runs/ablations \
        [--config configs/recognizer.py:ablation] [--eval DIR[:a|b] ...] [--synthetic-val 1000]
        [--frozen 64000 --freeze-workers 2]

Table 6: rectification (on/off) x shared-weight character head (on/off).
Table 7: ours (rectified, shared) vs [12] holistic CNN vs [15] CNN + BiLSTM + CTC.
Each variant trains in workdir/<name> (rerunning resumes or reuses finished runs). Every
variant is evaluated on every --eval set; by default a synthetic validation set with strong
perspective (seed 99, never trained on), the shared CCPD scenes, and half "b" of the shared crops.
--frozen N: every variant trains on the same N synthetic plates written once per cut (rectified
by corners, or cut by their box for the variants without rectification; the same plates in
both), so on a CPU the cores train instead of regenerating plates for each variant.
"""
import argparse
import json
import os
import sys

# config files import each other as `configs.*`: make the repository root importable
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from alpr_jax.data import frozen, input_pipeline, synth  # noqa: E402
from alpr_jax.evaluate import registry  # noqa: E402
from alpr_jax.pipeline.options import ModelOptions  # noqa: E402
from alpr_jax.train.loop import train_and_evaluate  # noqa: E402
from configs import common  # noqa: E402

VARIANTS = {
    # name: (arch, rectify, shared_heads)
    "rect_shared": ("stn", True, True),
    "rect_indep": ("stn", True, False),
    "norect_shared": ("stn", False, True),
    "norect_indep": ("stn", False, False),
    "holistic": ("holistic", True, True),
    "crnn": ("crnn", True, True),
}


def frozen_set(workdir, rectify: bool, count: int, seed: int, workers: int) -> str:
    """Writes (once) the count-plate training set for one cut and returns its path."""
    p_box_crop = input_pipeline.RecognitionInputConfig.p_box_crop if rectify else 1.0
    path = os.path.join(workdir, f"frozen_{'rect' if rectify else 'box'}_{count}.npz")
    if not os.path.isfile(path):    # the task checks the file's cut against data.rectify
        frozen.freeze_recognition(path, count, seed, workers,
                                  input_pipeline.RecognitionInputConfig(p_box_crop=p_box_crop))
    return path


def run_variant(base, name, workdir, frozen_count=0, freeze_workers=0):
    arch, rectify, shared = VARIANTS[name]
    config = base.copy_and_resolve_references()
    with config.unlocked():
        config.model.arch = arch
        config.data.rectify = rectify
        if frozen_count:
            config.data.source = "frozen"
            config.data.frozen_path = frozen_set(workdir, rectify, frozen_count, base.seed,
                                                 freeze_workers)
        if arch == "stn":
            config.model.shared_heads = shared
        else:
            for key in ("stn", "shared_heads") + (("dropout",) if arch == "crnn" else ()):
                if key in config.model:     # fields the baselines do not take
                    del config.model[key]
    out = os.path.join(workdir, name)
    weights = os.path.join(out, "recognition.npz")
    if not os.path.isfile(weights):
        train_and_evaluate(config, out)
    return weights


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workdir", required=True)
    p.add_argument("--config", default="configs/recognizer.py:ablation")
    p.add_argument("--eval", action="append", default=None,
                   help="DIR or DIR:a / DIR:b (a half); repeatable")
    p.add_argument("--synthetic-val", type=int, default=1000,
                   help="size of the synthetic validation set (0: none)")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--frozen", type=int, default=0,
                   help="train every variant on this many plates written once (0: generate "
                        "on the fly)")
    p.add_argument("--freeze-workers", type=int, default=0)
    args = p.parse_args(argv)
    unknown = set(args.variants.split(",")) - set(VARIANTS)
    if unknown:
        p.error(f"unknown variants {sorted(unknown)}; choose from {list(VARIANTS)}")
    base = common.load(args.config)
    evals = args.eval or ["../shared/data/ccpd_samples", "../shared/data/plate_crops:b"]
    if args.synthetic_val:
        val_dir = os.path.join(args.workdir, "synthetic_val")
        if not os.path.isfile(os.path.join(val_dir, "labels.jsonl")):
            synth.write_dataset("plates", args.synthetic_val, val_dir, seed=99, progress=False)
        evals = [val_dir] + evals
    results = {}
    for name in args.variants.split(","):
        weights = run_variant(base, name, args.workdir, args.frozen, args.freeze_workers)
        for spec in evals:
            path, _, split = spec.partition(":")
            # the ablated recogniser alone (no separate two-row network)
            r = registry.get("recognition")(
                path, ModelOptions(recognizer=weights, two_row_recognizer="none"),
                split=split or "all")
            r.pop("predictions", None)
            results[(name, spec)] = r
    with open(os.path.join(args.workdir, "results.json"), "w", encoding="utf-8") as f:
        json.dump({f"{k[0]} @ {k[1]}": v for k, v in results.items()}, f, indent=1, ensure_ascii=False)
    print_tables(results, evals, args)


def print_tables(results, evals, args):
    short = {e: os.path.basename(e.partition(":")[0].rstrip("/")) + (
        f" ({e.partition(':')[2]})" if ":" in e else "") for e in evals}
    print(f"\nTable 6 (acc; config {args.config}):\n")
    print("| rectification | shared weights | " + " | ".join(short[e] for e in evals) + " |")
    print("|---|---|" + "---|" * len(evals))
    for name in ("norect_indep", "norect_shared", "rect_indep", "rect_shared"):
        if (name, evals[0]) not in results:
            continue
        _, rectify, shared = VARIANTS[name]
        cells = [f"{results[(name, e)]['acc']:.3f}" for e in evals]
        print(f"| {'yes' if rectify else 'no'} | {'yes' if shared else 'no'} | " + " | ".join(cells) + " |")
    print("\nTable 7 (acc / acc_1 / acc_2_7 / cer; ms per plate at batch 64 on this CPU):\n")
    print("| method | " + " | ".join(short[e] for e in evals) + " | ms/plate |")
    print("|---|" + "---|" * (len(evals) + 1))
    for name, label in (("rect_shared", "ours (STN + shared head)"), ("holistic", "[12] holistic CNN"),
                        ("crnn", "[15] CNN + BiLSTM + CTC")):
        if (name, evals[0]) not in results:
            continue
        cells = ["{acc:.3f} / {acc_1:.3f} / {acc_2_7:.3f} / {cer:.3f}".format(**results[(name, e)])
                 for e in evals]
        ms = results[(name, evals[0])]["ms_per_plate"]
        print(f"| {label} | " + " | ".join(cells) + f" | {ms:.2f} |")


if __name__ == "__main__":
    main()
