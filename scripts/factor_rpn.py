"""Factor a trained RPN's two costliest 3x3 convs through fewer channels, fitted to their
responses on training photos (alpr_jax.train.low_rank), and write the factored RPN.

    python scripts/factor_rpn.py --out runs/rpn_factored/rpn_init.npz
    python scripts/factor_rpn.py --rpn FILE.npz --conv2-rank 48 --head-rank 48 --photos 150

Each photo is letterboxed as one of the detector's RPN passes (0.5x, 1x or 2x of its input,
drawn per photo), and the responses of conv2_2 (after its BatchNorm) and of the head's 3x3
conv (before its ReLU) at up to 4000 positions each are gathered. The result is close to the
RPN it came from, not equal; `configs/detector_rpn.py:factored` then fine-tunes it, taught
by that RPN. Only training photos: the defaults are configs.common.WILD_DIRS.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from configs import common  # noqa: E402

SCALES = (0.5, 1.0, 1.0, 2.0)          # the pyramid's passes up to 2x, 1x drawn twice as often
POSITIONS = 4000                       # responses kept per layer and photo


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rpn", default=None, help="unfactored RPN .npz (default: shipped)")
    ap.add_argument("--data", action="append", default=None,
                    help=f"training photos, DIR or DIR:a (repeatable; default {common.WILD_DIRS})")
    ap.add_argument("--photos", type=int, default=150, help="photos drawn from --data")
    ap.add_argument("--conv2-rank", type=int, default=48)
    ap.add_argument("--head-rank", type=int, default=48)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True, help="factored RPN .npz to write")
    args = ap.parse_args(argv)
    if args.photos < 1:
        ap.error("--photos must be at least 1")

    import jax
    import jax.numpy as jnp

    from alpr_jax import weights
    from alpr_jax.data.annotations import read_split
    from alpr_jax.data.images import ImageReadError, read_image
    from alpr_jax.data.preprocess import letterbox, oriented_input_hw
    from alpr_jax.models.detector import RPN
    from alpr_jax.pipeline.detector import DetectorOptions, PlateDetector
    from alpr_jax.train import low_rank

    rpn_path = args.rpn or weights.shipped("rpn")
    variables, meta = weights.load_npz(rpn_path)
    model = RPN(**meta["model"])
    responses = jax.jit(lambda v, x: low_rank.rpn_responses(model, v, x))
    records = [r for spec in (args.data or common.WILD_DIRS) for r in read_split(spec)
               if not r.is_crop]
    if not records:
        ap.error("--data holds no photos")
    rng = np.random.default_rng(args.seed)
    chosen = rng.choice(len(records), min(args.photos, len(records)), replace=False)
    stats, used, failed = low_rank.ResponseStats(), 0, []
    input_hw = DetectorOptions().input_hw
    for i in sorted(chosen):
        try:
            image = read_image(records[i].path)
        except ImageReadError as e:
            failed.append(str(e))
            continue
        hw = PlateDetector._pass_hw(oriented_input_hw(image.shape[:2], input_hw),
                                    float(rng.choice(SCALES)))
        x, _ = letterbox(image, hw)
        for name, z in responses(variables, jnp.asarray(x[None], jnp.float32) / 255.0).items():
            z = np.asarray(z).reshape(-1, z.shape[-1])
            stats.add(name, z[rng.choice(len(z), min(POSITIONS, len(z)), replace=False)])
        used += 1
    for message in failed:
        print(f"skipped: {message}", file=sys.stderr)
    if not used:
        print("no photo could be read", file=sys.stderr)
        return 1
    factored, config, kept = low_rank.factor_rpn(variables, meta["model"], stats,
                                                 args.conv2_rank, args.head_rank)
    meta = dict(meta, model=config, factored_from=os.path.abspath(rpn_path),
                factored_on={"photos": used, "data": list(args.data or common.WILD_DIRS),
                             "seed": args.seed})
    weights.save_npz(args.out, factored, meta)
    shares = ", ".join(f"{k} {v:.3f}" for k, v in kept.items())
    print(f"{args.out}: conv2 rank {args.conv2_rank}, head rank {args.head_rank} "
          f"(variance kept: {shares}; {used} photos)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
