"""R-CNN sized for a 2-core CPU: half width, Adam, the same 3000 written scenes as
configs/detector_rpn_cpu.py; evaluated as a cascade with the CPU RPN.

    python train.py --config configs/detector_rcnn_cpu.py --workdir runs/rcnn_cpu
"""
from configs import detector_rcnn_paper


def get_config():
    c = detector_rcnn_paper.get_config()
    c.model.width = 0.5
    c.data.workers = 1
    c.eval_split = "b"           # half "a" appears in the training scenes as backgrounds
    c.data.train_dirs = ["runs/scenes_3k"]
    c.optimizer.name = "adam"
    c.optimizer.weight_decay = 0.0
    c.optimizer.lr = 1e-3
    c.optimizer.boundaries = [1100]
    c.total_steps = 1500
    c.log_every = 50
    c.checkpoint_every = 250
    c.eval_every = 500
    c.eval_rpn_weights = "runs/rpn_cpu/rpn.npz"
    return c
