"""Base config for the recognition ablations (Tables 6-7) on a 2-core CPU: quarter width,
batch 32, 2000 steps (Adam 1e-3 -> 1e-4 at 1600), no real plates in training. The ablation
script overrides model.arch, model.shared_heads and data.rectify per variant; with --frozen
every variant trains on the same written synthetic plates (~11 minutes a variant here).

    python scripts/ablate_recognition.py --workdir runs/ablations --frozen 40000 --freeze-workers 2

A GPU run at the paper's width and schedule: `--config configs/recognizer_paper.py`.
"""
from configs import recognizer_paper


def get_config():
    c = recognizer_paper.get_config()
    c.model.width = 0.25
    c.model.stn = "parallel"
    c.data.batch_size = 32
    c.data.workers = 0
    c.total_steps = 2000
    c.optimizer.lr = 1e-3
    c.optimizer.boundaries = [1600]
    c.log_every = 100
    c.checkpoint_every = 500
    c.eval_every = 0
    c.eval_dirs = []
    return c
