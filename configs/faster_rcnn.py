"""Table 5's Faster R-CNN baselines (models.faster_rcnn): ZF or VGG-16, feature stride 16 or 8,
the RPN and the box head trained together on the letterboxed scene (480x320, as the cascade's
RPN), the project's 15 anchors, 64 RoIs per scene from data.proposals (1 in 4 positive).

    python train.py --config configs/faster_rcnn.py:VARIANT,backbone=zf|vgg16,stride=16|8[,tiny] \
        --workdir DIR

Variants (what each changes from `paper`):
  paper  full width (ZF 58.9 M parameters, 225 MB; VGG-16 136.7 M, 521 MB), 100K iterations
         of 8 generated scenes, SGD 1e-3 -> 1e-4 (a GPU run)
  cpu    quarter width, Adam 1e-3 -> 1e-4, on the cascade's real-world data
         (configs.common.WILD_DIRS: synthetic scenes of every plate size, ccpd_600/train, half
         a; half of the photos degraded online); 600 steps of 8 (ZF), 300 (VGG-16): 14 to
         20 minutes per row on 2 CPU cores (README "Table 5 and Fig. 4")
Options: backbone (zf | vgg16), stride (16 | 8), steps (the schedule's length, its decay at
3/4; 0: the variant's), tiny (a few steps on small scenes, tests).
Exports WORKDIR/faster_rcnn.npz; scripts/ablate_detection.py --faster-rcnn evaluates it.
"""
import ml_collections

from configs import common

VARIANTS = {"paper": "the paper's schedule, GPU", "cpu": "quarter width on 2 CPU cores"}


def get_config(arg=None):
    arg = common.parse_arg(arg, variant="paper", backbone="zf", stride=16, steps=0, tiny=False)
    common.check_variant(arg.variant, VARIANTS, "faster_rcnn")
    c = common.run("faster_rcnn")
    c.model = ml_collections.ConfigDict(dict(backbone=arg.backbone, stride=arg.stride,
                                             width=1.0, fc=4096, dropout=0.5))
    c.data = common.detection_data(rcnn_proposals=64, rcnn_positive_fraction=0.25)
    c.optimizer = common.optimizer("sgd", 1e-3, weight_decay=5e-4, grad_clip=10.0)
    common.schedule(c, 100000, 70000)
    c.eval_dirs = ("../shared/data/ccpd_samples",)
    c.eval_split = "b"

    if arg.variant == "cpu":
        c.seed = 21
        c.model.width = 0.25
        c.data.workers = 1
        common.wild_data(c)
        c.optimizer = common.optimizer("adam", 1e-3, grad_clip=10.0)
        steps = 600 if arg.backbone == "zf" else 300
        common.schedule(c, steps, steps * 3 // 4)
        c.log_every, c.checkpoint_every, c.eval_every = 50, 250, 0
    if arg.steps:
        common.schedule(c, arg.steps, arg.steps * 3 // 4)

    if arg.tiny:
        c.model.width, c.model.fc = 0.125, 64
        common.shrink_scenes(c)
        c.data.input_hw = (96, 64)
        common.shrink(c)
    return c
