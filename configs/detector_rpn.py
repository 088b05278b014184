"""The detector's first stage: the RPN (the paper's Table 1 + BN-Inception 3a/3b, stride 8, 15
anchors) on the photo letterboxed into 480x320 (h x w; landscape photos use 320x480), 64
sampled anchors per image with 25% positives; its corner head gives Table 5's "RPN only
(Corner)" row from the same run.

    python train.py --config configs/detector_rpn.py:VARIANT[,tiny] --workdir DIR

Variants (what each changes from `paper`):
  paper  full width, 100K iterations of 8 generated scenes, SGD 1e-3 -> 1e-4 (a GPU run)
  cpu    half width, Adam 1e-3 -> 1e-4, 1200 steps, on scenes written once
         (data.train_dirs; `alpr synth --kind scenes`), ~75 min on 2 CPU cores
  wild   from an earlier stage (init_from, required), half width: real CCPD photos and
         synthetic scenes of every plate size (configs.common.WILD_DIRS), each view zoomed
         0.5x-2x and plates outside 24-170 input px ignored, so one RPN answers every pass of
         the detector's pyramid; Adam 3e-4 -> 3e-5, 1000 steps (~30 min on 2 CPU cores)
  distill  a quarter-width RPN (2.5-2.8x faster a pass on onnxruntime) from scratch on
         `wild`'s data, taught by a trained RPN (distill.teacher, default the shipped one)
         on every anchor besides the labels (losses.rpn_distill_loss); Adam 1e-3 -> 1e-4
         at 1100 of 1500 steps (~21 min on 2 CPU cores). Not shipped: after two such parts
         it reads easypr_dev 0.883 against the shipped RPN's 0.926 (detector.md)
  captions from init_from (required), `wild` with camera captions (dates, counters, places;
         data.captions) burnt into half the photos away from their plates: text that
         is not a plate, which takes street photos' RoIs; Adam 3e-4 -> 3e-5, 1000 steps
         (~19 min on 2 CPU cores). Tried, not shipped: easypr_dev found 0.979 -> 0.989
         but read 0.926 -> 0.904 with the shipped R-CNN (detector.md)
  factored from init_from (required): an RPN whose conv2_2 and head conv go through 48
         channels (scripts/factor_rpn.py fits them to a trained RPN's responses), fine-tuned
         on `wild`'s data taught by that RPN (distill.teacher, default the shipped one);
         Adam 1e-4 -> 1e-5 at 375 of 500 steps (~21 min on 2 CPU cores). Tried, not
         shipped: easypr_dev photo -> text 0.936 -> 0.915 for a tenth of a photo's time
         (detector.md)
Options: tiny (a few steps on small scenes, for tests).
"""
import ml_collections

from configs import common

VARIANTS = {"paper": "the paper's schedule, GPU", "cpu": "half width on 2 CPU cores",
            "wild": "every plate size, real photos; from init_from",
            "distill": "quarter width, taught by a trained RPN on wild's data",
            "captions": "wild, continued with camera captions burnt into half the photos",
            "factored": "conv2_2 and the head through 48 channels, taught by a trained RPN"}


def get_config(arg=None):
    arg = common.parse_arg(arg, variant="paper", tiny=False)
    common.check_variant(arg.variant, VARIANTS, "detector_rpn")
    c = common.run("rpn")
    c.model = ml_collections.ConfigDict(dict(width=1.0, corner_head=True, conv2_rank=0,
                                             head_rank=0))
    c.data = common.detection_data()
    c.loss = ml_collections.ConfigDict(dict(corner_weight=1.0))
    # teacher: a trained RPN's .npz whose outputs the model learns too ("": none)
    c.distill = ml_collections.ConfigDict(dict(teacher="", weight=1.0))
    c.optimizer = common.optimizer("sgd", 1e-3, weight_decay=5e-4, grad_clip=10.0)
    common.schedule(c, 100000, 70000)
    c.eval_dirs = ("../shared/data/ccpd_samples",)
    c.eval_split = "b"

    if arg.variant in ("cpu", "wild", "distill", "captions", "factored"):
        c.model.width = 0.5
        c.data.workers = 1
        c.data.train_dirs = ("runs/scenes_3k",)
        c.optimizer = common.optimizer("adam", 1e-3, grad_clip=10.0)
        common.schedule(c, 1200, 900)
        c.log_every, c.checkpoint_every, c.eval_every = 50, 250, 400
    if arg.variant in ("wild", "distill", "captions", "factored"):
        c.seed = 18
        c.requires_init = arg.variant in ("wild", "captions", "factored")
        common.wild_data(c)
        c.data.rpn_zoom, c.data.rpn_band_px = (0.5, 2.0), (24.0, 170.0)
        c.optimizer.lr = 3e-4
        common.schedule(c, 1000, 750)
        c.eval_every = 0
    if arg.variant == "captions":
        c.seed = 25
        c.data.p_caption = 0.5
    if arg.variant == "distill":
        c.seed = 20
        c.model.width = 0.25
        c.distill.teacher = "alpr_jax/weights/rpn.npz"
        c.optimizer.lr = 1e-3
        common.schedule(c, 1500, 1100)
    if arg.variant == "factored":
        c.seed = 26
        c.model.conv2_rank = c.model.head_rank = 48
        c.distill.teacher = "alpr_jax/weights/rpn.npz"
        c.optimizer.lr = 1e-4
        common.schedule(c, 500, 375)

    if arg.tiny:
        c.model.width = 0.125
        common.shrink_scenes(c)
        common.shrink(c)
    return c
