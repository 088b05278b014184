"""Base config for the recognition ablations (Tables 6-7) on a 2-core CPU: quarter width,
synthetic plates generated on the fly (rectified or box-cut per variant), a short schedule.
The ablation script overrides model.arch, model.shared_heads and data.rectify per variant.

    python scripts/ablate_recognition.py --workdir runs/ablations
"""
from configs import recognizer_paper


def get_config():
    c = recognizer_paper.get_config()
    c.model.width = 0.25
    c.model.stn = "parallel"
    c.data.batch_size = 32
    c.data.workers = 0
    c.total_steps = 300
    c.optimizer.lr = 1e-3
    c.optimizer.boundaries = [240]
    c.log_every = 50
    c.checkpoint_every = 100
    c.eval_every = 0
    c.eval_dirs = []
    return c
