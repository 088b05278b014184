"""The corner-patch refiner (an optional last corner step of the detector, not shipped: on
ccpd_600/test it takes the shipped corners from 4.81 to 4.45 px, README "Corner sources";
`--corner-patch PATH` runs it): a 64x64 patch round each
corner of a plate, in the plate's frame (geometry.corner_patches, half-size 0.3 plate
heights, cut at full resolution up to 1.3 photo px per patch px), one shared small network
-> one 16x16 heatmap -> DSNT coordinates; Euclidean + js_weight x Jensen-Shannon (sigma 1
heatmap px). Trained on the true corners of the positive proposals' plates, moved by noise
like a corner source's error (loss.noise: its scale in plate heights, log-uniform per plate).

    python train.py --config configs/corner_patch.py:VARIANT[,tiny] --workdir DIR

Variants:
  cpu    the shipped recipe: the detector's real-world data (configs.common.WILD_DIRS:
         synthetic scenes of every plate size, the 500 ccpd_600/train photos, half "a"),
         real photos drawn 0.6 of the time, half of the photos degraded online; 8 photos x 4
         plates (x 4 corners) a step, plates under 20 px high left out (loss.min_height_px),
         1200 steps, Adam 1e-3 -> 1e-4 at 900 (~41 min on 2 CPU cores beside other jobs)
  paper  the same on a GPU: 32 photos x 8 plates, 20K steps (the paper has no such stage)
Options: tiny (a few steps on small scenes, for tests).
"""
import ml_collections

from configs import common

VARIANTS = {"cpu": "2 CPU cores, the shipped recipe", "paper": "longer, larger batches (GPU)"}


def get_config(arg=None):
    arg = common.parse_arg(arg, variant="cpu", tiny=False)
    common.check_variant(arg.variant, VARIANTS, "corner_patch")
    c = common.run("corner_patch", seed=21)
    c.model = ml_collections.ConfigDict(dict(width=1.0, dilations=(1, 2, 4)))
    c.data = common.detection_data(rcnn_proposals=4, rcnn_positive_fraction=1.0, workers=1)
    common.wild_data(c)
    # the corners being refined are CCPD-labelled real plates more often than the detector's
    # stages see them: their labels are the convention the corner error is measured by
    c.data.train_weights = (0.4, 0.55, 0.05)
    c.loss = ml_collections.ConfigDict(dict(js_weight=1.0, noise=(0.01, 0.08),
                                            min_height_px=20.0))
    c.optimizer = common.optimizer("adam", 1e-3, grad_clip=10.0)
    common.schedule(c, 1200, 900)
    c.log_every, c.checkpoint_every, c.eval_every = 50, 250, 0
    c.eval_rpn = c.eval_rcnn = c.eval_dsnt = ""     # the cascade refined ("": shipped)
    if arg.variant == "paper":
        c.data.batch_size, c.data.rcnn_proposals, c.data.workers = 32, 8, 12
        common.schedule(c, 20000, 15000)
        c.log_every, c.checkpoint_every, c.eval_every = 200, 2000, 5000
    if arg.tiny:
        c.model.width = 0.25
        c.loss.min_height_px = 4.0          # the small scenes' plates
        common.shrink_scenes(c)
        common.shrink(c)
    return c
