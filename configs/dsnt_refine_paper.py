"""DSNT corner localiser in refinement mode (second seed paper's head on the detector's
context crop): ResNet-50 with stride-1 dilated last stages, 64x160 crops -> 8x20 heatmaps,
Euclidean + Jensen-Shannon (sigma 1 heatmap px) loss, positives only. A GPU run.

    python train.py --config configs/dsnt_refine_paper.py --workdir runs/dsnt_paper
    python train.py --config configs/dsnt_refine_paper.py --config.loss.js_weight=0 --workdir runs/dsnt_nojs
"""
from configs import detector_rcnn_paper


def get_config():
    c = detector_rcnn_paper.get_config()
    c.task = "dsnt"
    c.model = c.model.__class__(dict(depth="resnet50", width=1.0))
    c.data.rcnn_positive_fraction = 1.0    # every proposal overlaps a plate
    c.loss.js_weight = 1.0
    c.optimizer.name = "adam"
    c.optimizer.weight_decay = 0.0
    c.optimizer.lr = 1e-3
    c.eval_rpn_weights = ""
    return c
