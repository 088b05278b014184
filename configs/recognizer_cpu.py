"""Recogniser sized for a 2-core CPU: half width, 8 parallel STNs, a frozen synthetic set
(python -m alpr_jax.data.frozen --count 80000 --out runs/rec_synth_80k.npz), and half "a" of
the shared real crops mixed in, 8 per batch of 64 (half "b" is never trained on).
About 1.6 s per step on the 2-core development CPU (2000 steps: ~55 min).

    python train.py --config configs/recognizer_cpu.py --workdir runs/rec_cpu
"""
from configs import recognizer_paper


def get_config():
    c = recognizer_paper.get_config()
    c.model.width = 0.5
    c.model.stn = "parallel"
    c.data.source = "frozen"
    c.data.frozen_path = "runs/rec_synth_80k.npz"
    c.data.workers = 0
    c.data.real_dirs = ["../shared/data/plate_crops"]
    c.data.real_split = "a"
    c.data.real_per_batch = 8
    c.total_steps = 2000
    c.optimizer.boundaries = [1500]
    c.log_every = 50
    c.checkpoint_every = 500
    c.eval_every = 600
    return c
