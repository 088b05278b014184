"""The paper's RPN: full width, 360x480-class input (we letterbox CCPD's 720x1160 into
480x320, h x w; landscape photos use 320x480), 64 anchors per image with 25% positives,
100K iterations, lr 1e-3 dropping to 1e-4 (SGD momentum 0.9, as in Faster R-CNN). A GPU run.
The corner head gives Table 5's "RPN only (Corner)" row from the same training run.

    python train.py --config configs/detector_rpn_paper.py --workdir runs/rpn_paper
"""
import ml_collections


def get_config():
    c = ml_collections.ConfigDict()
    c.task = "rpn"
    c.seed = 0
    c.compute_dtype = "float32"    # "bfloat16": mixed precision (float32 params and losses)
    c.init_from = ""
    c.model = ml_collections.ConfigDict(dict(width=1.0, corner_head=True))
    c.data = ml_collections.ConfigDict(dict(
        batch_size=8,            # global; or per_device_batch_size x devices when that is > 0
        per_device_batch_size=0,
        input_hw=[480, 320],
        scene_hw=[1160, 720],    # synthetic scenes: CCPD's size
        workers=8,
        train_dirs=[],           # labelled scenes on disk; empty: generate scenes on the fly
        background_dirs=[],      # real photos used as scene backgrounds, their plates labelled
        background_split="a",
        rcnn_proposals=0))
    c.loss = ml_collections.ConfigDict(dict(corner_weight=1.0))
    c.optimizer = ml_collections.ConfigDict(dict(
        name="sgd", lr=1e-3, boundaries=[70000], decay=0.1, momentum=0.9, weight_decay=5e-4,
        grad_clip=10.0))
    c.total_steps = 100000
    c.log_every = 100
    c.checkpoint_every = 5000
    c.keep_checkpoints = 3
    c.eval_every = 10000
    c.eval_dirs = ["../shared/data/ccpd_samples"]
    c.eval_split = "all"
    return c
