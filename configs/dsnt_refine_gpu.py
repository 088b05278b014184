"""configs/dsnt_refine_paper.py on one GPU for what a 10-minute session allows: scenes
generated on the fly by 14 worker processes over half "a" of the shared CCPD photos as
backgrounds, 1.5K steps at a constant lr 1e-3 (what one 5-minute GPU call ran: ~52 scenes/s,
the scene generator the bottleneck). Measured with the shipped RPN + R-CNN on the 13 shared
scenes: mean corner error 2.61 px, p90 6.34 px, AP@0.9 0.852 (R-CNN corners: 6.27, 16.3, 0.160).
Not shipped: ResNet-50 weights are 97 MB.

    python train.py --config configs/dsnt_refine_gpu.py --workdir runs/dsnt_gpu
"""
from configs import dsnt_refine_paper


def get_config():
    c = dsnt_refine_paper.get_config()
    c.seed = 4
    c.data.workers = 14
    c.data.background_dirs = ["../shared/data/ccpd_samples"]
    c.data.background_split = "a"
    c.total_steps = 1500
    c.optimizer.boundaries = []
    c.log_every = 200
    c.checkpoint_every = 500
    c.eval_every = 0
    return c
