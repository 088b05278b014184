"""The detector's first stage: the RPN (the paper's Table 1 + BN-Inception 3a/3b, stride 8, 15
anchors) on the photo letterboxed into 480x320 (h x w; landscape photos use 320x480), 64
sampled anchors per image with 25% positives; its corner head gives Table 5's "RPN only
(Corner)" row from the same run.

    python train.py --config configs/detector_rpn.py:VARIANT[,tiny] --workdir DIR

Variants (what each changes from `paper`):
  paper  full width, 100K iterations of 8 generated scenes, SGD 1e-3 -> 1e-4 (a GPU run)
  cpu    half width, Adam 1e-3 -> 1e-4, 1200 steps, on scenes written once
         (data.train_dirs; `alpr synth --kind scenes`), ~75 min on 2 CPU cores
Options: tiny (a few steps on small scenes, for tests).
"""
import ml_collections

from configs import common

VARIANTS = {"paper": "the paper's schedule, GPU", "cpu": "half width on 2 CPU cores"}


def get_config(arg=None):
    arg = common.parse_arg(arg, variant="paper", tiny=False)
    common.check_variant(arg.variant, VARIANTS, "detector_rpn")
    c = common.run("rpn")
    c.model = ml_collections.ConfigDict(dict(width=1.0, corner_head=True))
    c.data = common.detection_data()
    c.loss = ml_collections.ConfigDict(dict(corner_weight=1.0))
    c.optimizer = common.optimizer("sgd", 1e-3, weight_decay=5e-4, grad_clip=10.0)
    common.schedule(c, 100000, 70000)
    c.eval_dirs = ("../shared/data/ccpd_samples",)
    c.eval_split = "b"

    if arg.variant == "cpu":
        c.model.width = 0.5
        c.data.workers = 1
        c.data.train_dirs = ("runs/scenes_3k",)
        c.optimizer = common.optimizer("adam", 1e-3, grad_clip=10.0)
        common.schedule(c, 1200, 900)
        c.log_every, c.checkpoint_every, c.eval_every = 50, 250, 400

    if arg.tiny:
        c.model.width = 0.125
        common.shrink_scenes(c)
        common.shrink(c)
    return c
