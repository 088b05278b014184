"""RPN sized for a 2-core CPU: half width, Adam, batch 8, half "a" of the shared CCPD scenes as
real backgrounds (their plates stay labelled; half "b" is never trained on), from 3000 scenes
written once (about 10 min on one core) and read by the RPN and R-CNN runs alike:

    python -m alpr_jax.data.synth --kind scenes --count 3000 --out runs/scenes_3k \
        --backgrounds ../shared/data/ccpd_samples --backgrounds-split a --workers 1

    python train.py --config configs/detector_rpn_cpu.py --workdir runs/rpn_cpu
"""
from configs import detector_rpn_paper


def get_config():
    c = detector_rpn_paper.get_config()
    c.model.width = 0.5
    c.data.workers = 1
    c.eval_split = "b"           # half "a" appears in the training scenes as backgrounds
    c.data.train_dirs = ["runs/scenes_3k"]
    c.optimizer.name = "adam"
    c.optimizer.weight_decay = 0.0
    c.optimizer.lr = 1e-3
    c.optimizer.boundaries = [900]
    c.total_steps = 1200
    c.log_every = 50
    c.checkpoint_every = 250
    c.eval_every = 400
    return c
