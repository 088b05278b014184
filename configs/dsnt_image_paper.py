"""DSNT corner localiser in whole-image single-plate mode (the second seed paper's setting):
ResNet-50 whose last two stages use stride 1 + dilation 2 / 4, the photo letterboxed into
640x480 (h x w; landscape photos use 480x640) -> four 80x60 heatmaps (TL, TR, BR, BL),
Euclidean + Jensen-Shannon (sigma 1 heatmap px) loss, on generated scenes with one plate each
(half of them on the real CCPD photos of half "a"). A GPU run; Adam and the schedule are ours.

    python train.py --config configs/dsnt_image_paper.py --workdir runs/dsnt_image_paper
    python eval.py --task single_plate --data ../shared/data/ccpd_samples \
        --weights runs/dsnt_image_paper/dsnt_image.npz --json
"""
from configs import detector_rpn_paper


def get_config():
    c = detector_rpn_paper.get_config()
    c.task = "dsnt_image"
    c.model = c.model.__class__(dict(depth="resnet50", width=1.0))
    c.data.batch_size = 16
    c.data.input_hw = [640, 480]
    c.data.background_dirs = ["../shared/data/ccpd_samples"]
    c.data.background_split = "a"
    c.loss = c.loss.__class__(dict(js_weight=1.0))
    c.optimizer.name = "adam"
    c.optimizer.weight_decay = 0.0
    c.optimizer.lr = 1e-3
    c.optimizer.boundaries = [40000]
    c.total_steps = 50000
    c.eval_split = "b"
    return c
