"""`alpr export --checkpoint WORKDIR[/checkpoints] --out FILE.npz [--step N] [--float16]`: the
params (and BatchNorm statistics) of an orbax training checkpoint as a numpy .npz that
inference loads without orbax or the training code (--float16: stored as float16, loaded as
float32). The model config comes from WORKDIR/config.json."""
from __future__ import annotations

import argparse
import json
import os
import sys


def export_checkpoint(checkpoint: str, out: str, step: int | None = None,
                      float16: bool = False) -> dict:
    """Writes `out` (float16: its float32 arrays stored as float16); returns its meta.
    `checkpoint` is a training workdir or its checkpoints/ folder."""
    import ml_collections
    from alpr_jax import weights
    from alpr_jax.train import checkpoint as ckpt
    from alpr_jax.train.task import get_task
    workdir = checkpoint.rstrip("/")
    if os.path.basename(workdir) == "checkpoints":
        workdir = os.path.dirname(workdir)
    config_path = os.path.join(workdir, "config.json")
    if not os.path.isfile(config_path):
        raise FileNotFoundError(f"{config_path}: no config.json beside the checkpoints")
    with open(config_path, encoding="utf-8") as f:
        config = ml_collections.ConfigDict(json.load(f))
    state = ckpt.restore_params(os.path.join(workdir, "checkpoints"), step)
    variables = {"params": state["params"]}
    if state.get("batch_stats"):
        variables["batch_stats"] = state["batch_stats"]
    meta = get_task(config).export_meta()
    meta.update({"steps": int(state["step"]), "seed": int(config.seed),
                 "config": json.loads(config.to_json()), "exported_from": workdir})
    weights.save_npz(out, variables, meta, float16)
    return meta


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="alpr export", description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", help="training workdir or its checkpoints/")
    p.add_argument("--out", help="the .npz to write (with --checkpoint)")
    p.add_argument("--step", type=int, default=None, help="default: the latest")
    p.add_argument("--float16", action="store_true",
                   help="store the weights as float16 (half the file; loaded as float32)")
    p.add_argument("--onnx", metavar="DIR", default=None,
                   help="instead: write the pipeline's networks (shipped, or the weights given "
                        "by the flags below) as ONNX models to DIR, one per input shape; "
                        "ALPR_JAX_CACHE=DIR makes the onnx backend use them")
    from alpr_jax.pipeline import options
    options.add_arguments(p)
    args = p.parse_args(argv)
    if args.onnx:
        alpr = options.from_args(args, backend="onnx").alpr()
        for path in alpr.export_onnx(args.onnx):
            print(f"wrote {path}")
        return 0
    if not args.checkpoint or not args.out:
        p.error("give --checkpoint and --out, or --onnx DIR")
    meta = export_checkpoint(args.checkpoint, args.out, args.step, args.float16)
    print(f"wrote {args.out} ({meta['task']}, step {meta['steps']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
