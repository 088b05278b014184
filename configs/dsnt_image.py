"""The DSNT corner localiser in whole-image single-plate mode (the second seed paper's
setting): the ResNet sees the photo letterboxed into 640x480 (h x w; landscape photos use
480x640), its last two stages stride 1 with dilation 2 / 4, and returns the one plate's
corners from four 80x60 heatmaps. Trained on scenes that hold exactly one plate.

    python train.py --config configs/dsnt_image.py:VARIANT[,tiny] --workdir DIR

Variants (what each changes from `paper`):
  paper  ResNet-50, 50K steps of 16 generated scenes (half on the real CCPD photos of half
         "a"), Adam 1e-3 -> 1e-4 at 40K (a GPU run)
  cpu    the "small" ResNet, batch 8, 150 steps on the one-plate scenes of a written set
         (data.train_dirs): ~25 min on 2 CPU cores, enough to show the mode trains
Options: tiny (a few steps on small scenes, for tests).
"""
import ml_collections

from configs import common

VARIANTS = {"paper": "ResNet-50, the paper's schedule, GPU", "cpu": "small ResNet, 150 CPU steps"}


def get_config(arg=None):
    arg = common.parse_arg(arg, variant="paper", tiny=False)
    common.check_variant(arg.variant, VARIANTS, "dsnt_image")
    c = common.run("dsnt_image")
    c.model = ml_collections.ConfigDict(dict(depth="resnet50", width=1.0))
    c.data = common.detection_data(batch_size=16, input_hw=(640, 480),
                                   background_dirs=("../shared/data/ccpd_samples",))
    c.loss = ml_collections.ConfigDict(dict(js_weight=1.0))
    c.optimizer = common.optimizer("adam", 1e-3, grad_clip=10.0)
    common.schedule(c, 50000, 40000)
    c.eval_dirs = ("../shared/data/ccpd_samples",)
    c.eval_split = "b"

    if arg.variant == "cpu":
        c.seed = 6
        c.model.depth = "small"
        c.data.batch_size, c.data.workers = 8, 1
        c.data.train_dirs = ("runs/scenes_3k",)
        common.schedule(c, 150, 120)
        c.log_every, c.checkpoint_every, c.eval_every = 25, 50, 0

    if arg.tiny:
        c.model.depth, c.model.width = "small", 0.25
        common.shrink_scenes(c)
        common.shrink(c)
    return c
